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
