"""Silent personas on a crew's own devices (link/crew_devices.py) join its operation;
a device with an established user (a family tablet) brings in nobody, and a phone farm
over infra_max_accounts only when every user is a persona and one operation's."""

from __future__ import annotations

import pytest

from mercwatch.link import build_operations
from mercwatch.link.config import LinkConfig
from mercwatch.link.context import open_context
from mercwatch.link.crew_devices import member_device_users
from mercwatch.link.intel import as_intel_index
from mercwatch.link.standing import settled_accounts

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


@pytest.mark.parametrize("case", ["farm", "established_user"])
def test_spares_on_a_phone_farm_join_whatever_its_size(platform, case):
    """A crew's phone farm that 12 accounts use (over infra_max_accounts 10), every one
    of them a persona and most of them one operation's judged members: its login-only
    spares join that operation (member_device_users; sim tuning seed 9763). One user
    with friends from before the window (a shop's demo phone) and it brings in nobody."""
    ring = platform.persona_ring("ring", 8, "farm", PHOTO_A, targets=platform.benign("t", 3))
    spares = [platform.account(f"spare{i}") for i in range(4)]
    for spare in spares:
        platform.event("login", spare, device_id="farm")
    if case == "established_user":
        for k in range(3):
            platform.friends(spares[0], platform.account(f"old{k}"))
    ops = build_operations(platform.connect(), platform.signal_table())
    expected = [*ring, *spares] if case == "farm" else ring
    assert [op.accounts for op in ops] == [tuple(sorted(expected))]


@pytest.mark.parametrize("split", [False, True])
def test_a_phone_farm_two_operations_use_brings_in_nobody(platform, split):
    """Personas of two judged operations on one 12-account device: whose spares the
    other two are is not known, so neither operation takes them (the same 10 members
    judged as one operation do)."""
    crew = [platform.account(f"m{i}") for i in range(10)]
    spares = [platform.account(f"spare{i}") for i in range(2)]
    for account in [*crew, *spares]:
        platform.event("login", account, device_id="farm")
    con = platform.connect()
    ctx = open_context(con, platform.signal_table(), as_intel_index({}), LinkConfig())
    groups = [tuple(crew[:5]), tuple(crew[5:])] if split else [tuple(crew)]
    spare_of = member_device_users(ctx, groups, lambda who: settled_accounts(con, ctx, who))
    assert spare_of == ({} if split else dict.fromkeys(spares, 0))
