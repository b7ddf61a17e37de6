"""Cutting the graph piece by piece (pieces labelled in the engine) changes no group.

The Spark path of the link stage (``build_operations`` on a ``pyspark`` backend) labels
components in the engine and runs community detection per batch of components; these
check on DuckDB, with batches far smaller than the graph, that the groups are exactly
those of one :func:`cut_operations` over the whole graph — including groups merged over
a weak tie or an exclusive link domain between two strong-tie components.
"""

from __future__ import annotations

import ibis
import numpy as np
import pytest

from mercwatch.link.candidates import Candidate
from mercwatch.link.cluster import cut_operations
from mercwatch.link.config import LinkConfig
from mercwatch.link.engine_cut import cut_operations_on_engine, piece_edges
from mercwatch.link.graph import TieGraph
from mercwatch.link.similarity import pair

KINDS = ("ip", "device", "photo", "template", "cotarget", "link_domain")


def random_case(seed: int, n: int = 60) -> tuple[TieGraph, dict[str, Candidate]]:
    """Crews of 3-7 accounts with strong ties, weak ties between and across them."""
    rng = np.random.default_rng(seed)
    accounts = [f"acct-{i:03d}" for i in range(n)]
    crew = {a: int(rng.integers(0, n // 5)) for a in accounts}
    ties: dict[tuple[str, str], dict[str, float]] = {}
    for _ in range(n * 3):
        a, b = (accounts[int(i)] for i in rng.choice(n, 2, replace=False))
        same = crew[a] == crew[b]
        kind = KINDS[int(rng.integers(0, len(KINDS)))]
        weight = float(rng.uniform(0.3, 1.0) if same else rng.uniform(0.02, 0.4))
        ties.setdefault(pair(a, b), {})[kind] = weight
    exclusive = {
        f"own{i}.example": frozenset(accounts[int(j)] for j in rng.choice(n, 2, replace=False))
        for i in range(3)
    }
    candidates = {
        a: Candidate(
            account_id=a,
            own_score=float(rng.uniform(0.0, 1.0)),
            infra_score=0.0,
            reasons=("signals",),
            approach_score=float(rng.uniform(0.0, 1.0)),
            families=(("engagement", float(rng.uniform(0, 1))), ("intel", 0.9))
            if rng.uniform() < 0.5
            else (("engagement", float(rng.uniform(0, 1))),),
            established=bool(rng.uniform() < 0.3),
        )
        for a in accounts
    }
    return TieGraph(tuple(accounts), ties, exclusive), candidates


@pytest.mark.parametrize("seed", range(6))
def test_pieces_give_the_groups_of_the_whole_graph(seed):
    graph, candidates = random_case(seed)
    config = LinkConfig()
    whole = cut_operations(graph, candidates, config)
    assert whole, "the case must produce operations to compare"
    pieces = cut_operations_on_engine(
        ibis.duckdb.connect(), graph, candidates, config, batch_accounts=5
    )
    assert pieces == whole


def test_a_weak_tie_between_pieces_keeps_them_in_one_piece():
    """Persona crews on one rented address merge although the address is a weak tie."""
    crew_a = ("a1", "a2", "a3")
    crew_b = ("b1", "b2", "b3")
    ties = {pair(x, y): {"device": 0.9} for crew in (crew_a, crew_b) for x in crew for y in crew}
    ties = {p: k for p, k in ties.items() if p[0] != p[1]}
    ties[pair("a1", "b1")] = {"ip": 0.2}
    graph = TieGraph(tuple(sorted(crew_a + crew_b)), ties, {})
    candidates = {
        a: Candidate(a, 0.9, 0.0, ("signals",), 0.9, (("engagement", 0.9), ("intel", 0.9)))
        for a in graph.accounts
    }
    config = LinkConfig(min_edge_weight=0.25, infra_max_accounts=200)
    whole = cut_operations(graph, candidates, config)
    assert whole == [tuple(sorted(crew_a + crew_b))], "the weak tie merges the crews"
    pieces = cut_operations_on_engine(
        ibis.duckdb.connect(), graph, candidates, config, batch_accounts=1
    )
    assert pieces == whole


def test_every_account_is_in_the_piece_edges():
    graph = TieGraph(("a", "b", "lonely"), {pair("a", "b"): {"ip": 0.1}}, {})
    edges = piece_edges(graph)
    assert set(edges["src"].to_pylist()) | set(edges["dst"].to_pylist()) == {"a", "b", "lonely"}
