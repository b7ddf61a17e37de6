"""Lure rings of a crew (link/ring_crews.py): a lure ring cut off from its crew (the
firm's script fragmented under CREW_MIN_SENDERS, its lure domain its own) joins the crew
whose rig alone watched every one of its recipients (altsim ops-as-crowds tuning seed
97503); a ring whose recipients straddle two crews' rigs, or lie in both, joins none."""

from __future__ import annotations

import pytest

from mercwatch.link import build_operations

LURE = "login-shopquay.example"
OPENERS = (
    "quick question.",
    "sorry for the message out of the blue.",
    "hope you don't mind me writing.",
    "I follow your work.",
)
OWN_WORDS = (
    "saw your piece last week, it made me think about my town",
    "my cousin told me you might help with something",
    "is this still your account? i have a document for you",
    "we met at the conference in spring, remember me",
    "urgent: a friend asked me to pass this on",
    "i am a student writing a thesis, can i ask you one thing",
)


def _journalists(platform, n: int, prefix: str) -> list[str]:
    return [platform.account(f"{prefix}{i:03d}", tags=["journalist"]) for i in range(n)]


def _rig(platform, people, device: str) -> None:
    for i, person in enumerate(people):
        platform.event(
            "view_profile", None, person, device_id=device, ip=f"198.18.{len(device)}.{i}"
        )


SCRIPTS = (
    "{opener} Dear {who}, could you share a few details about the port contract for my article?",
    "{opener} {who}, our small foundation would like to invite you to speak at a panel in june",
)


def _crew(platform, n: int, recipients, prefix: str, script: str) -> list[str]:
    """One-message personas paraphrasing one script to ``recipients``."""
    members = []
    for i in range(n):
        name = platform.account(f"{prefix}{i:03d}")
        net = {"device_id": f"d-{name}", "ip": f"203.0.{len(prefix)}.{i + 1}"}
        platform.event("login", name, **net)
        who = recipients[i % len(recipients)]
        text = script.format(opener=OPENERS[i % 4], who=who.upper())
        platform.event("message", name, who, text=text, **net)
        members.append(name)
    return members


def _ring(platform, recipients, prefix: str = "r") -> list[str]:
    """One persona per recipient, each handing it a page on LURE in words of its own
    (no script: the senders are a ring, not a crew)."""
    members = []
    for i, who in enumerate(recipients):
        name = platform.account(f"{prefix}{i:03d}")
        net = {"device_id": f"d-{name}", "ip": f"192.0.2.{i + 1}"}
        platform.event("login", name, **net)
        text = f"{OWN_WORDS[i % len(OWN_WORDS)]} https://{LURE}/doc/{i:04d}"
        platform.event("message", name, who, text=text, url=f"https://{LURE}/doc/{i:04d}", **net)
        members.append(name)
    platform.signal(
        LURE, 0.5, detector="link_delivery", phase="exploitation", subject_type="domain"
    )
    return members


def test_a_lure_ring_whose_every_recipient_a_crews_rig_watched_joins_that_crew(platform):
    watched = _journalists(platform, 14, "j")
    _rig(platform, watched, "scraper-a")
    crew = _crew(platform, 8, watched[:8], "p", SCRIPTS[0])
    ring = _ring(platform, watched[8:14])
    ops = build_operations(platform.connect(), platform.signal_table())
    assert [op.accounts for op in ops] == [tuple(sorted(crew + ring))]


@pytest.mark.parametrize("case", ["straddle", "both_rigs"])
def test_a_lure_ring_across_two_crews_rigs_joins_neither(platform, case):
    """Recipients half in one crew's rig and half in the other's; or recipients both
    firms' rigs watched (firms watching the same people): no crew is the ring's."""
    first = _journalists(platform, 14, "j")
    second = _journalists(platform, 14, "k")
    shared = first[8:14] if case == "both_rigs" else []
    _rig(platform, first, "scraper-a")
    _rig(platform, second + shared, "scraper-bb")
    crew_a = _crew(platform, 8, first[:8], "p", SCRIPTS[0])
    crew_b = _crew(platform, 8, second[:8], "qq", SCRIPTS[1])
    recipients = first[8:14] if case == "both_rigs" else first[8:11] + second[8:11]
    ring = _ring(platform, recipients)
    ops = build_operations(platform.connect(), platform.signal_table())
    assert sorted(op.accounts for op in ops) == sorted(
        tuple(sorted(g)) for g in (crew_a, crew_b, ring)
    )
