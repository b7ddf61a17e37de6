"""Lure mates (link/lure_mates.py): a one-message persona handing an at-risk stranger a
link on the host the operation's members delivered flagged links on joins the
operation; people with friends, accounts that do more, links shared in the open or
sent to ordinary people do not."""

from __future__ import annotations

import pytest

from mercwatch.link import build_operations

from .test_operations import PHOTO_A


def _operation_with_a_lure(platform) -> list[str]:
    targets = platform.benign("t", 3)
    ring = platform.persona_ring("ring", 3, "devR", PHOTO_A, targets=targets)
    platform.account("j0", tags=["journalist"])
    platform.event("message", ring[1], "j0", url="https://lnk.example/aaa", text="read this")
    platform.signal(
        "https://lnk.example/aaa",
        0.9,
        detector="phish_url",
        phase="exploitation",
        subject_type="url",
    )
    return ring


@pytest.mark.parametrize("case", ["mate", "settled", "second_act", "ordinary", "in_the_open"])
def test_a_persona_delivering_the_operations_lure_host_joins_it(platform, case):
    ring = _operation_with_a_lure(platform)
    mate = platform.account("mate")
    platform.account("j1", tags=["journalist"] if case != "ordinary" else [])
    platform.event("login", mate, device_id="dev-mate", ip="203.0.113.9")
    kind = "share_link" if case == "in_the_open" else "message"
    target = None if case == "in_the_open" else "j1"
    platform.event(kind, mate, target, url="https://lnk.example/bbb", text="for you")
    if case == "settled":
        platform.friends(mate, platform.account("old-friend"))
    if case == "second_act":
        platform.event("post", mate, text="lovely weather today in the park")
    (op,) = build_operations(platform.connect(), platform.signal_table())
    expected = [*ring, mate] if case == "mate" else ring
    assert op.accounts == tuple(sorted(expected))


def test_a_host_two_operations_delivered_on_adds_nobody(platform):
    ring = _operation_with_a_lure(platform)
    other = platform.persona_ring("other", 3, "devO", None, targets=platform.benign("u", 3))
    platform.event("message", other[1], "j0", url="https://lnk.example/ccc", text="read")
    platform.signal(
        "https://lnk.example/ccc",
        0.9,
        detector="phish_url",
        phase="exploitation",
        subject_type="url",
    )
    mate = platform.account("mate")
    platform.account("j1", tags=["journalist"])
    platform.event("message", mate, "j1", url="https://lnk.example/bbb", text="for you")
    ops = build_operations(platform.connect(), platform.signal_table())
    assert all(mate not in op.accounts for op in ops)
    assert any(set(ring) <= set(op.accounts) for op in ops)


@pytest.mark.parametrize("case", ["own", "shared_in_the_open", "two_members"])
def test_a_persona_on_the_operations_own_unflagged_host_joins_it(platform, case):
    """Nobody flagged the host, but three of the operation's members handed links on it
    to at-risk people and nobody else ever linked to it except one-message personas:
    it is the operation's own. A reader posting it in the open, or only two members
    using it, and it is not."""
    targets = platform.benign("t", 3)
    ring = platform.persona_ring("ring", 3, "devR", PHOTO_A, targets=targets)
    users = ring if case != "two_members" else ring[:2]
    for i, member in enumerate(users):
        platform.account(f"j{i}", tags=["journalist"])
        platform.event("message", member, f"j{i}", url=f"https://own.example/{i}", text="hi")
    mate = platform.account("mate")
    platform.account("jm", tags=["journalist"])
    platform.event("login", mate, device_id="dev-mate", ip="203.0.113.9")
    platform.event("message", mate, "jm", url="https://own.example/m", text="for you")
    if case == "shared_in_the_open":
        platform.event("share_link", platform.account("reader"), None, url="https://own.example/x")
    (op,) = build_operations(platform.connect(), platform.signal_table())
    expected = [*ring, mate] if case == "own" else ring
    assert op.accounts == tuple(sorted(expected))
