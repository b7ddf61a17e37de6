"""Long-standing accounts the crew logs into (link/crew_logins.py): an account with
friends from before the window joins an operation only when it uses both a device and
an address whose every other user is two or more of that operation's members; one tie
alone (a relative on a family tablet the crew once used, a neighbour on a home line) or
a place shared with a stranger brings in nobody."""

from __future__ import annotations

import pytest

from mercwatch.link import build_operations

from .test_operations import PHOTO_A

CASES = ["device_and_line", "device_only", "line_only", "stranger_on_line"]


@pytest.mark.parametrize("case", CASES)
def test_a_hijacked_account_joins_only_on_the_crews_device_and_line(platform, case):
    targets = platform.benign("t", 3)
    ring = platform.persona_ring("ring", 3, "devR", PHOTO_A, targets=targets, ip="10.9.0.1")
    held = platform.account("owner")
    for k in range(3):  # an ordinary life from before the window
        platform.friends(held, platform.account(f"old{k}"))
    device = "devR" if case != "line_only" else "devOwn"
    ip = "10.9.0.1" if case != "device_only" else "10.1.1.1"
    platform.event("login", held, device_id=device, ip=ip)
    if case == "stranger_on_line":
        platform.event("login", platform.account("neighbour"), ip="10.9.0.1")
    ops = build_operations(platform.connect(), platform.signal_table())
    joined = [op for op in ops if held in op.accounts]
    if case == "device_and_line":
        assert [op.accounts for op in joined] == [tuple(sorted([*ring, held]))]
    else:
        assert joined == []
        assert any(set(ring) <= set(op.accounts) for op in ops)


def test_a_place_two_operations_share_holds_nobody_for_either():
    """The group that holds a device or address is the one group all its other users
    belong to; users from two groups, or one member alone, hold nothing."""
    from mercwatch.link.crew_logins import _held_by

    owner = {"a1": 0, "a2": 0, "b1": 1}
    assert _held_by({"a1", "a2", "x"}, "x", owner) == 0
    assert _held_by({"a1", "a2", "b1", "x"}, "x", owner) is None
    assert _held_by({"a1", "x"}, "x", owner) is None
    assert _held_by({"a1", "a2", "y", "x"}, "x", owner) is None
