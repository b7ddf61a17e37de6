"""A crew that only watches at-risk people, from infrastructure only it uses, is an operation.

altsim ``hosted-infra`` tuning seed 85301: 19 personas view and search the at-risk
people they study (``recon.targeted_watching``, ``recon.at_risk_search``) from phones
and two addresses nobody else uses; no member is damning alone and nobody approaches,
so before the watch ring the whole operation was dropped at ``keep_group``. The guard
``test_operations.py::test_weak_ring_needs_approach_evidence`` (scrapers on a shared
laptop) must still hold: here the same scene differs only in what the evidence is
aimed at, who else uses the infrastructure, and whether the watchers have friends.
"""

from __future__ import annotations

import pytest

from mercwatch.link import LinkConfig, build_operations
from mercwatch.link.candidates import Candidate
from mercwatch.link.cluster import keep_group
from mercwatch.link.graph import TieGraph
from mercwatch.link.similarity import pair
from mercwatch.link.watch_rings import watch_ring


def _watch_crew(platform, detector: str, device_users: int = 0, rooted: bool = False):
    """The guard's scene (three personas on one laptop, a recon signal of 0.45 each,
    coordination 0.3, no approach), with the recon signal from ``detector``, the laptop
    also used by ``device_users`` ordinary accounts (people with friends from before the
    window: an account with none and nothing else on the crew's phone is the crew's
    silent persona, :mod:`~mercwatch.link.crew_devices`), the watchers optionally with
    old friends."""
    targets = platform.benign("t", 3, tags=["journalist"])
    ring = platform.persona_ring("ring", 3, "devR", None, strong=0.0, weak=0.0, targets=targets)
    for account in ring:
        platform.signal(account, 0.45, detector=detector, phase="reconnaissance")
        platform.signal(account, 0.3, detector="engagement.coordination")
    for account in platform.benign("family", device_users):
        platform.event("login", account, device_id="devR")
        _befriend(platform, account)
    if rooted:
        for account in ring:
            _befriend(platform, account)
    return ring


def _befriend(platform, account: str) -> None:
    """Three friends from a year before the window: a social life."""
    for friend in platform.benign(f"friend-of-{account}-", 3):
        platform.friends(account, friend)


@pytest.mark.parametrize("detector", ["recon.targeted_watching", "recon.at_risk_search"])
def test_crew_watching_at_risk_people_on_its_own_laptop_is_an_operation(platform, detector):
    """Checked: no operation before the watch ring."""
    ring = _watch_crew(platform, detector)

    (op,) = build_operations(platform.connect(), platform.signal_table())

    assert op.accounts == tuple(ring)
    assert "devR" in op.infrastructure.devices


def test_generic_collection_on_a_shared_laptop_is_still_no_ring(platform):
    """The guard's case: a scraper's signal says how it browses, not whom for."""
    _watch_crew(platform, "recon.automated_collection")

    assert build_operations(platform.connect(), platform.signal_table()) == []


def test_watching_from_a_laptop_others_use_is_no_ring(platform):
    """A device ordinary accounts also use (a family's, an office's) is not the crew's own."""
    _watch_crew(platform, "recon.targeted_watching", device_users=2)

    assert build_operations(platform.connect(), platform.signal_table()) == []


def test_watchers_with_a_social_life_are_no_ring(platform):
    """Colleagues with friends from before the window researching at-risk people on an
    office laptop (a newsroom) are people, not personas."""
    _watch_crew(platform, "recon.targeted_watching", rooted=True)

    assert build_operations(platform.connect(), platform.signal_table()) == []


def _watcher(name: str, aimed: float = 0.6, rooted: bool = False) -> Candidate:
    """A watcher: aimed reconnaissance only, no approach, own score under strong."""
    return Candidate(
        name,
        own_score=0.7,
        infra_score=0.3,
        reasons=("flagged_infrastructure", "signals"),
        families=(("reconnaissance", aimed),),
        established=rooted,
        rooted=rooted,
        aimed_recon=aimed,
    )


def _case(aimed: float = 0.6, rooted: bool = False, exclusive: bool = True):
    names = ("w1", "w2", "w3")
    candidates = {a: _watcher(a, aimed, rooted) for a in names}
    ties = {pair("w1", "w2"): {"device": 0.7}, pair("w2", "w3"): {"device": 0.7}}
    own = {"ip:pool": frozenset(names)} if exclusive else {}
    return names, candidates, TieGraph(names, ties, exclusive_addresses=own)


def test_watchers_on_an_address_only_they_use_are_kept():
    group, candidates, graph = _case()
    config = LinkConfig()
    assert watch_ring(group, graph, candidates, config) == group
    assert keep_group(group, candidates, config, graph)


@pytest.mark.parametrize(
    ("aimed", "rooted", "exclusive"),
    [
        (0.6, False, False),  # device ties only: not infrastructure only they use
        (0.6, True, True),  # people with friends, not personas
        (0.25, False, True),  # each one's aimed evidence under ring_member_score
        (0.35, False, True),  # noisy-or of three 0.35s is 0.73, under strong_threshold
    ],
)
def test_no_watch_ring_without_own_infrastructure_personas_and_aim(aimed, rooted, exclusive):
    group, candidates, graph = _case(aimed, rooted, exclusive)
    config = LinkConfig()
    assert watch_ring(group, graph, candidates, config) == ()
    assert not keep_group(group, candidates, config, graph)


def test_an_address_shared_with_an_established_account_joins_nobody():
    group, candidates, graph = _case()
    candidates["office"] = Candidate("office", 0.1, 0.0, ("signals",), established=True)
    graph = TieGraph(
        graph.accounts, graph.ties, exclusive_addresses={"ip:nat": frozenset([*group, "office"])}
    )
    assert watch_ring(group, graph, candidates, LinkConfig()) == ()


def test_watch_rings_switch_off_with_no_aimed_detectors(platform):
    _watch_crew(platform, "recon.targeted_watching")
    config = LinkConfig(aimed_recon_detectors=())

    assert build_operations(platform.connect(), platform.signal_table(), config=config) == []
