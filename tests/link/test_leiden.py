"""Leiden stops on graphs where "repeat until stable" never does.

The fixture is the component that stalled ``mercwatch run`` on an adversarial
platform (altsim ``all`` variant, seed 52002, found by helper "recall" under igraph):
five accounts on a path whose middle account (4) is tied equally to its two
neighbours, so every Leiden pass can move it to the other side at the same
modularity. ``mercwatch.graphs.leiden`` runs at most ``LEIDEN_MAX_ROUNDS`` cycles.
"""

from __future__ import annotations

import pytest

from mercwatch.graphs import LEIDEN_MAX_ROUNDS, leiden
from mercwatch.link.cluster import split_groups
from mercwatch.link.config import LinkConfig
from mercwatch.link.graph import TieGraph

_EDGES = [(1, 2), (0, 3), (0, 4), (1, 4)]
_WEIGHTS = [0.6, 0.6, 0.47548875021634684, 0.47548875021634684]
_WEIGHTED = [(a, b, w) for (a, b), w in zip(_EDGES, _WEIGHTS, strict=True)]


@pytest.mark.parametrize("seed", [0, 7, 99])
def test_a_node_tied_equally_to_two_communities_ends_and_keeps_every_vertex(seed):
    parts = leiden(5, _WEIGHTED, seed)
    assert sorted(v for part in parts for v in part) == [0, 1, 2, 3, 4]
    assert leiden(5, _WEIGHTED, seed) == parts  # and the same way every time
    assert LEIDEN_MAX_ROUNDS <= 50


def test_two_dense_crews_on_a_bridge_are_still_separated():
    clique = [(a, b) for a in range(4) for b in range(a + 1, 4)]
    edges = [(a, b, 1.0) for a, b in clique] + [(a + 4, b + 4, 1.0) for a, b in clique]
    parts = sorted(sorted(p) for p in leiden(8, [*edges, (0, 4, 0.3)], 7))
    assert parts == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_split_groups_returns_on_the_stalling_component():
    names = ("a0", "a1", "a2", "a3", "a4")
    ties = {(names[a], names[b]): {"template": w} for a, b, w in _WEIGHTED}
    groups = split_groups(TieGraph(names, ties), LinkConfig(leiden_min_size=4))
    assert sorted(a for g in groups for a in g) == sorted(names)
