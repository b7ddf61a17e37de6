"""Lure rings (link/shared_infrastructure.py): an operation imitating a crowd — many
personas, one message each, own address and device — is one operation through the
suspicious domain they all hand to at-risk strangers; crowds that look alike are not.
"""

from __future__ import annotations

import pytest

from mercwatch.link import build_operations
from mercwatch.link.shared_infrastructure import LureRing, merge_rings

LURE = "login-mailbay.example"


def _journalists(platform, n: int, prefix: str = "j") -> list[str]:
    return [platform.account(f"{prefix}{i:03d}", tags=["journalist"]) for i in range(n)]


def _personas(platform, n: int, targets, domain: str = LURE, prefix: str = "p", **kw):
    """``n`` accounts, each on its own device and address, each sending one message
    with a link on ``domain`` to one target; a weak persona signal each."""
    members = []
    for i in range(n):
        name = platform.account(f"{prefix}{i:03d}")
        platform.signal(name, 0.3)
        platform.event("login", name, device_id=f"d-{name}", ip=f"203.0.113.{i + 1}")
        platform.event(
            kw.get("type_", "message"),
            name,
            targets[i % len(targets)],
            text=f"hello {i}, could we talk about your story? details here",
            url=f"https://{domain}/doc/{i:04d}",
            device_id=f"d-{name}",
            ip=f"203.0.113.{i + 1}",
        )
        members.append(name)
    return members


def _flag(platform, domain: str = LURE, score: float = 0.5) -> None:
    platform.signal(
        domain, score, detector="link_delivery", phase="exploitation", subject_type="domain"
    )


def test_personas_tied_only_by_a_suspicious_lure_domain_are_one_operation(platform):
    targets = _journalists(platform, 12)
    ring = _personas(platform, 12, targets)
    _flag(platform)
    ops = build_operations(platform.connect(), platform.signal_table())
    assert [op.accounts for op in ops] == [tuple(sorted(ring))]
    assert set(ops[0].targets) == set(targets)


def test_without_the_domain_flag_nothing_ties_them(platform):
    targets = _journalists(platform, 12)
    _personas(platform, 12, targets)
    assert build_operations(platform.connect(), platform.signal_table()) == []


@pytest.mark.parametrize("case", ["established", "friends", "public", "not_at_risk", "two"])
def test_crowds_delivering_one_domain_are_no_ring(platform, case):
    """Readers with lives on the platform, a link sent to friends, a link posted in the
    open, a link sent to ordinary people, a pair of senders: none is a lure ring."""
    people = (
        [platform.account(f"r{i:03d}") for i in range(12)]
        if case == "not_at_risk"
        else _journalists(platform, 12)
    )
    size = 2 if case == "two" else 12
    ring = _personas(platform, size, people, type_="post" if case == "public" else "message")
    _flag(platform)
    if case == "established":
        for i, member in enumerate(ring):
            for k in range(3):
                platform.account(f"old{i:03d}{k}")
                platform.friends(member, f"old{i:03d}{k}")
    if case == "friends":
        platform.friends(ring[0], people[0])
    assert build_operations(platform.connect(), platform.signal_table()) == []


def test_rings_sharing_a_sender_are_one_record():
    rings = [
        LureRing("a.example", 0.5, ("p1", "p2", "p3")),
        LureRing("b.example", 0.5, ("p3", "p4", "p5")),
    ]
    groups = merge_rings([("p5", "q1"), ("z1", "z2")], rings)
    assert groups == [("p1", "p2", "p3", "p4", "p5", "q1"), ("z1", "z2")]
    assert merge_rings([("z1", "z2")], []) == [("z1", "z2")]
