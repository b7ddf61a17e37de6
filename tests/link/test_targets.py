"""Targets of an operation and the furthest phase reached against each."""

from __future__ import annotations

import pytest

from mercwatch.link import LinkConfig, build_operations
from mercwatch.model import Phase

PHOTO = 0x0F0F_F0F0_1234_5678
R, E, X = Phase.RECONNAISSANCE, Phase.ENGAGEMENT, Phase.EXPLOITATION

# (events the crew does: (type, target, url), expected furthest level per target)
CASES = {
    "view only": ([("view_profile", "t1", None)], {"t1": R}),
    "view then befriend": (
        [("view_profile", "t1", None), ("friend_request", "t1", None)],
        {"t1": E},
    ),
    "accept is engagement": ([("friend_accept", "t1", None)], {"t1": E}),
    "benign link is engagement": (
        [("message", "t1", "https://www.wikipedia.org/wiki/Press")],
        {"t1": E},
    ),
    "flagged domain link": (
        [("view_profile", "t1", None), ("message", "t1", "https://login.evil-news.example/x")],
        {"t1": X},
    ),
    "flagged url on a shared host": (
        [
            ("share_link", "t2", "https://docs.host.example/d/abc/"),
            ("share_link", "t1", "https://docs.host.example/d/other"),
        ],
        {"t1": E, "t2": X},
    ),
    "post on profile with bait": ([("post", "t1", "http://evil-news.example")], {"t1": X}),
    "several targets": (
        [
            ("view_profile", "t1", None),
            ("friend_request", "t2", None),
            ("message", "t3", "https://evil-news.example/login"),
            ("view_profile", "t3", None),
        ],
        {"t1": R, "t2": E, "t3": X},
    ),
    "report and block are not targeting": (
        [("report", "t1", None), ("block", "t2", None), ("view_profile", "t3", None)],
        {"t3": R},
    ),
}


def _crew(platform):
    for name in ("t1", "t2", "t3"):
        platform.account(name, display_name=f"Person {name}")
    ring = platform.persona_ring("ring", 3, "devT", PHOTO)
    platform.signal(
        "evil-news.example", 0.9, detector="lookalike", phase="exploitation", subject_type="domain"
    )
    platform.signal(
        "https://docs.host.example/d/abc",
        0.8,
        detector="phish_url",
        phase="exploitation",
        subject_type="url",
    )
    return ring


@pytest.mark.parametrize("case", sorted(CASES))
def test_levels_per_target_exact(platform, case):
    actions, expected = CASES[case]
    ring = _crew(platform)
    for type_, target, url in actions:
        platform.event(type_, ring[1], target, url=url, text="hi there")
    platform.account("bystander")  # the docs host is a shared one: others link to it too
    platform.event("share_link", "bystander", None, url="https://docs.host.example/d/mine")
    platform.event("friend_request", ring[0], ring[2])  # personas befriend each other

    (op,) = build_operations(platform.connect(), platform.signal_table())

    assert dict(op.target_levels) == expected
    assert op.targets == tuple(sorted(expected))
    assert set(op.accounts) == set(ring)
    assert (X in op.phases) == (X in expected.values())


@pytest.mark.parametrize(
    ("max_hits", "duplicate_name", "found"),
    [
        (1, False, True),
        (1, True, False),
        (2, True, True),
        (0, False, False),
    ],
)
def test_exact_name_search_is_reconnaissance(platform, max_hits, duplicate_name, found):
    ring = _crew(platform)
    platform.accounts[0]["tags"] = ["Journalist"]  # t1: marked at risk by the platform
    if duplicate_name:
        platform.account("namesake", display_name="Person t1", tags=["activist"])
    platform.event("search", ring[0], None, text="  person T1 ")

    (op,) = build_operations(
        platform.connect(), platform.signal_table(), config=LinkConfig(search_max_hits=max_hits)
    )

    expected = {"t1": R}
    if duplicate_name and found:
        expected["namesake"] = R
    assert dict(op.target_levels) == (expected if found else {})


def test_a_search_does_not_make_an_unmarked_namesake_a_target(platform):
    """The watched person hides their name; the one account showing it is a stranger
    nobody in the operation touched (sim tuning seed 9883): no warning for them. The
    same search naming an at-risk account, or a namesake the crew also viewed, counts."""
    ring = _crew(platform)
    platform.account("stranger", display_name="Emma Ahmed")
    platform.event("search", ring[0], None, text="Emma Ahmed")
    platform.event("view_profile", ring[1], "t2")

    (op,) = build_operations(platform.connect(), platform.signal_table())

    assert dict(op.target_levels) == {"t2": R}

    platform.event("view_profile", ring[2], "stranger")
    (op,) = build_operations(platform.connect(), platform.signal_table())
    assert dict(op.target_levels) == {"t2": R, "stranger": R}


def test_public_bait_reaches_exploitation_without_a_target(platform):
    ring = _crew(platform)
    platform.event("post", ring[2], None, url="https://evil-news.example/story")
    platform.event("view_profile", ring[0], "t1")

    (op,) = build_operations(platform.connect(), platform.signal_table())

    assert dict(op.target_levels) == {"t1": R}
    assert op.phases[-1] is X
    assert op.infrastructure.domains == ("evil-news.example",)
    assert op.infrastructure.urls == ("https://evil-news.example/story",)


@pytest.mark.parametrize(
    ("url", "level"),
    [
        ("https://news-digest.example/story/1", X),  # only the crew ever sent it: its own
        ("https://en.wikipedia.org/wiki/Press", E),  # a known service's domain is nobody's
    ],
)
def test_domain_only_the_crew_sends_is_its_infrastructure(platform, url, level):
    ring = _crew(platform)
    platform.event("message", ring[1], "t1", url=url, text="hi there")

    (op,) = build_operations(platform.connect(), platform.signal_table())

    assert dict(op.target_levels) == {"t1": level}
    assert ("news-digest.example" in op.infrastructure.domains) == (level == X)


def test_hijacked_account_owner_life_is_not_the_operation(platform):
    """An old account the crew took over: the owner's own views are not targets."""
    from datetime import timedelta

    from _helpers.link_world import T0

    ring = _crew(platform)
    owner = platform.account("hijacked", created_at=T0 - timedelta(days=3000))
    platform.signal(owner, 0.9)
    platform.event("friend_request", owner, "t1", device_id="devT")  # the crew's phone
    platform.event("view_profile", owner, "t2", device_id="home-phone")  # the owner's life
    platform.event("view_profile", owner, "t3", device_id="home-phone")
    platform.event("view_profile", ring[0], "t3", device_id="devT")  # the crew watches t3 too

    (op,) = build_operations(platform.connect(), platform.signal_table())

    assert owner in op.accounts
    assert dict(op.target_levels) == {"t1": E, "t3": R}
