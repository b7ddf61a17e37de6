"""A crew of personas that only watches, from shared phones, is an operation.

altsim ``hosted-infra`` tuning seed 85301: a 19-persona crew views and searches the
people it studies from four-account phones; each member's own reconnaissance reaches
about 0.6 and no member is damning alone, so before the reconnaissance ring the whole
operation was dropped at ``keep_group``. The guards keep benign crowds out: people
with friends (a newsroom on an office laptop), ties that are not devices (a shared
address), and lone or weak watchers.
"""

from __future__ import annotations

import pytest

from mercwatch.link import LinkConfig
from mercwatch.link.candidates import Candidate
from mercwatch.link.cluster import keep_group
from mercwatch.link.graph import TieGraph
from mercwatch.link.recon_rings import recon_ring
from mercwatch.link.similarity import pair


def _watcher(name: str, recon: float = 0.6, rooted: bool = False) -> Candidate:
    """A signed-in watcher: reconnaissance only, no approach, own score under strong."""
    return Candidate(
        name,
        own_score=0.7,
        infra_score=0.3,
        reasons=("flagged_infrastructure", "signals"),
        families=(("reconnaissance", recon),),
        established=rooted,
        rooted=rooted,
    )


def _case(kind: str = "device", rooted: bool = False, recon: float = 0.6):
    names = ("w1", "w2", "w3")
    candidates = {a: _watcher(a, recon, rooted) for a in names}
    ties = {pair("w1", "w2"): {kind: 0.7}, pair("w2", "w3"): {kind: 0.7}}
    return names, candidates, TieGraph(names, ties)


def test_watching_personas_on_shared_phones_are_kept():
    group, candidates, graph = _case()
    config = LinkConfig()
    assert recon_ring(group, graph, candidates, config) == group
    assert keep_group(group, candidates, config, graph)


@pytest.mark.parametrize(
    ("kind", "rooted", "recon"),
    [
        ("ip", False, 0.6),  # an address in common: NAT neighbours, not one operator
        ("photo", False, 0.6),  # a copied picture is not a phone
        ("device", True, 0.6),  # colleagues with a social life on an office laptop
        ("device", False, 0.25),  # each one's research too weak to count
    ],
)
def test_no_ring_without_phones_personas_and_research(kind, rooted, recon):
    group, candidates, graph = _case(kind, rooted, recon)
    config = LinkConfig()
    assert recon_ring(group, graph, candidates, config) == ()
    assert not keep_group(group, candidates, config, graph)


def test_weak_watchers_together_do_not_reach_the_strong_bar():
    group, candidates, graph = _case(recon=0.35)
    # noisy-or of three 0.35s is 0.73, under strong_threshold 0.75
    assert recon_ring(group, graph, candidates, LinkConfig()) == ()
