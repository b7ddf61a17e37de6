"""Silent personas on a crew's own devices (link/crew_devices.py) join its operation;
a device with an established user (a family tablet) brings in nobody."""

from __future__ import annotations

import pytest

from mercwatch.link import build_operations

from .test_operations import PHOTO_A


@pytest.mark.parametrize("established", [False, True])
def test_a_login_only_account_on_the_crews_device_joins_unless_established(platform, established):
    targets = platform.benign("t", 3)
    ring = platform.persona_ring("ring", 3, "devR", PHOTO_A, targets=targets)
    silent = platform.account("spare")
    platform.event("login", silent, device_id="devR")
    if established:
        for k in range(3):
            platform.friends(silent, platform.account(f"old{k}"))
    ops = build_operations(platform.connect(), platform.signal_table())
    expected = sorted(ring) if established else sorted([*ring, silent])
    assert [op.accounts for op in ops] == [tuple(expected)]


def test_a_widely_shared_device_brings_in_nobody(platform):
    targets = platform.benign("t", 3)
    ring = platform.persona_ring("ring", 3, "devR", PHOTO_A, targets=targets)
    for i in range(12):  # a kiosk: more users than infra_max_accounts
        platform.event("login", platform.account(f"k{i:02d}"), device_id="devR")
    ops = build_operations(platform.connect(), platform.signal_table())
    assert all(not a.startswith("k") for op in ops for a in op.accounts)
    assert ops and set(ring) <= set(ops[0].accounts)


@pytest.mark.parametrize("case", ["spare", "settled_spare", "one_member"])
def test_a_spare_on_a_phone_members_share_joins_even_when_a_member_has_friends(platform, case):
    """An aged member with friends on the crew's phone hides the phone from the
    candidates' rule; once two members of the operation are known to use it, its
    friendless other users are the operation's spares (member_device_users). A spare
    with friends, or a phone only one member uses, brings in nobody."""
    targets = platform.benign("t", 3)
    ring = platform.persona_ring("ring", 3, "devR", PHOTO_A, targets=targets)
    for k in range(3):
        platform.friends(ring[0], platform.account(f"old{k}"))
    phone = "devR" if case != "one_member" else "devX"
    if case == "one_member":
        platform.event("login", ring[0], device_id="devX")
        platform.event("login", platform.account("family"), device_id="devX")
    spare = platform.account("spare")
    platform.event("login", spare, device_id=phone)
    if case == "settled_spare":
        platform.friends(spare, platform.account("pal"))
    ops = build_operations(platform.connect(), platform.signal_table())
    expected = sorted([*ring, spare]) if case == "spare" else sorted(ring)
    assert [op.accounts for op in ops] == [tuple(expected)]
