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
        [("share_link", "t2", "https://docs.host.example/d/abc/"),
         ("share_link", "t1", "https://docs.host.example/d/other")],
        {"t1": E, "t2": X},
    ),
    "post on profile with bait": ([("post", "t1", "http://evil-news.example")], {"t1": X}),
    "several targets": (
        [("view_profile", "t1", None), ("friend_request", "t2", None),
         ("message", "t3", "https://evil-news.example/login"), ("view_profile", "t3", None)],
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
    platform.signal("evil-news.example", 0.9, detector="lookalike", phase="exploitation",
                    subject_type="domain")
    platform.signal("https://docs.host.example/d/abc", 0.8, detector="phish_url",
                    phase="exploitation", subject_type="url")
    return ring


@pytest.mark.parametrize("case", sorted(CASES))
def test_levels_per_target_exact(platform, case):
    actions, expected = CASES[case]
    ring = _crew(platform)
    for type_, target, url in actions:
        platform.event(type_, ring[1], target, url=url, text="hi there")
    platform.event("friend_request", ring[0], ring[2])  # personas befriend each other

    (op,) = build_operations(platform.connect(), platform.signal_table())

    assert dict(op.target_levels) == expected
    assert op.targets == tuple(sorted(expected))
    assert set(op.accounts) == set(ring)
    assert (X in op.phases) == (X in expected.values())


@pytest.mark.parametrize(("max_hits", "duplicate_name", "found"), [
    (1, False, True), (1, True, False), (2, True, True), (0, False, False),
])
def test_exact_name_search_is_reconnaissance(platform, max_hits, duplicate_name, found):
    ring = _crew(platform)
    if duplicate_name:
        platform.account("namesake", display_name="Person t1")
    platform.event("search", ring[0], None, text="  person T1 ")

    (op,) = build_operations(platform.connect(), platform.signal_table(),
                             config=LinkConfig(search_max_hits=max_hits))

    expected = {"t1": R}
    if duplicate_name and found:
        expected["namesake"] = R
    assert dict(op.target_levels) == (expected if found else {})


def test_public_bait_reaches_exploitation_without_a_target(platform):
    ring = _crew(platform)
    platform.event("post", ring[2], None, url="https://evil-news.example/story")
    platform.event("view_profile", ring[0], "t1")

    (op,) = build_operations(platform.connect(), platform.signal_table())

    assert dict(op.target_levels) == {"t1": R}
    assert op.phases[-1] is X
    assert op.infrastructure.domains == ("evil-news.example",)
    assert op.infrastructure.urls == ("https://evil-news.example/story",)
