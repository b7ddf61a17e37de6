"""Leiden stops on graphs where igraph's "until stable" never does.

The fixture is the component that stalled ``mercwatch run`` on an adversarial
platform: five accounts on a path whose middle account (4) is tied equally to its
two neighbours, so every Leiden pass moves it to the other side at the same
modularity. Before the bound, ``community_leiden(n_iterations=-1)`` never returned
on it.
"""

from __future__ import annotations

import random

import igraph
import pytest

from mercwatch.link.cluster import split_groups
from mercwatch.link.config import LinkConfig
from mercwatch.link.graph import TieGraph
from mercwatch.link.leiden import MAX_PASSES, leiden

_EDGES = [(1, 2), (0, 3), (0, 4), (1, 4)]
_WEIGHTS = [0.6, 0.6, 0.47548875021634684, 0.47548875021634684]


def _oscillating() -> igraph.Graph:
    graph = igraph.Graph(n=5, edges=_EDGES, directed=False)
    graph.es["weight"] = _WEIGHTS
    return graph


@pytest.mark.parametrize("seed", [0, 7, 99])
def test_pass_count_is_bounded_on_a_node_tied_equally_to_two_communities(seed):
    found = leiden(_oscillating(), seed)
    assert found.passes <= MAX_PASSES
    # the tie stops it at once: the second pass gains nothing
    assert found.passes == 2
    assert sorted(v for part in found.parts for v in part) == [0, 1, 2, 3, 4]


def test_the_bound_holds_for_any_cap():
    for cap in (1, 2, 3):
        assert leiden(_oscillating(), 7, max_passes=cap).passes <= cap
    with pytest.raises(ValueError):
        leiden(_oscillating(), 7, max_passes=0)


def test_two_dense_crews_on_a_bridge_are_still_separated():
    clique = [(a, b) for a in range(4) for b in range(a + 1, 4)]
    edges = clique + [(a + 4, b + 4) for a, b in clique] + [(0, 4)]
    graph = igraph.Graph(n=8, edges=edges, directed=False)
    graph.es["weight"] = [1.0] * len(clique) * 2 + [0.3]
    parts = sorted(sorted(p) for p in leiden(graph, 7).parts)
    assert parts == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_seeded_and_isolated_from_the_global_generator():
    random.seed(1)
    first = leiden(_oscillating(), 7).parts
    random.seed(2)
    assert leiden(_oscillating(), 7).parts == first


def test_split_groups_returns_on_the_stalling_component():
    names = ("a0", "a1", "a2", "a3", "a4")
    ties = {
        (names[a], names[b]): {"template": w} for (a, b), w in zip(_EDGES, _WEIGHTS, strict=True)
    }
    groups = split_groups(TieGraph(names, ties), LinkConfig(leiden_min_size=4))
    assert sorted(a for g in groups for a in g) == sorted(names)
