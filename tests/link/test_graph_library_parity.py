"""The graph library change (igraph -> SciPy + graspologic-native) cuts the same operations.

python-igraph is GPL-2.0+; mercwatch.graphs replaced it. Connected components are a
unique partition, so only their order could differ (tests/test_graphs.py pins it);
Leiden is a randomised heuristic, so two implementations can settle on different
local optima of modularity. tests/data/link/leiden_igraph_sim.json holds every
Leiden call the link stage made on the simulator's seeds 1-10 at 3,000 users (the
demo's size) under igraph, with igraph's communities: this test replays them through
:func:`mercwatch.graphs.leiden`. It reads the link stage's exact inputs, so it stays
a check of the graph code alone when detectors or scoring change. The whole-pipeline
comparison (operations.json per seed, before and after) is bench/bench_graph_parity.py,
with its result in docs/benchmarks.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mercwatch.graphs import leiden
from mercwatch.link.config import LinkConfig

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "link" / "leiden_igraph_sim.json"
CALLS = json.loads(FIXTURE.read_text(encoding="utf-8"))["calls"]


def test_the_recorded_calls_cover_every_seed_and_real_splits():
    assert {call["seed"] for call in CALLS} == set(range(1, 11))
    # Calls where Leiden actually separated something: an all-in-one graph would
    # not tell two implementations apart.
    assert sum(len(call["igraph_communities"]) > 1 for call in CALLS) >= 10


@pytest.mark.parametrize(
    "call", CALLS, ids=[f"seed{c['seed']}-n{c['vertices']}-e{len(c['edges'])}" for c in CALLS]
)
def test_leiden_gives_igraphs_communities_on_the_simulator(call):
    edges = [(a, b, w) for a, b, w in call["edges"]]
    got = leiden(call["vertices"], edges, LinkConfig().seed)
    assert sorted(got) == call["igraph_communities"]
