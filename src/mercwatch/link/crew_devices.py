"""Silent personas on a crew's own devices.

An operation keeps spare personas: made for the job, logged in from the crew's phones
and browsers, doing little or nothing yet (on the project's simulator, seed 7301,
7 of the 10 operation accounts the link stage missed were such accounts or a crew
whose only other members were). No signal names them; the device does. A device
every account of which is made for the job (no friends from before the window,
:mod:`~.standing`), used by at most ``infra_max_accounts`` accounts, one of them
already a candidate, is the crew's: its other users become candidates too, with
their own signals (often none) as their evidence. They join an operation only
through the graph's device ties and the usual rules (:mod:`~.cluster`); a family
tablet or a shop's demo phone has established users and never qualifies. Off with
``LinkConfig.device_expansion`` (the switch for every take-in by device).

After the members are judged, the crew's phones are known better: a device at most
``infra_max_accounts`` accounts use, two or more of them members of one operation, is
the operation's even when a member has friends from before the window (an aged or
hijacked account the crew logs into; project simulator tuning seed 9522: six spare
personas on such phones were missed because a hijacked member is established). Its
other users join that operation when none has a friend from before the window
(:func:`member_device_users`): a family tablet where one member of a family logs in
brings in no relative, and a member's own phone shared with friends brings in no one.

A crew's **phone farm** is the crew's whatever its size (:func:`phone_farm_users`;
project simulator tuning seed 9763: three login-only spare personas on two phones that
12 accounts use, all of them one operation's, were missed because the phones are over
``infra_max_accounts``). Size alone cannot tell a farm from a shop's demo phone or a
café's tablet; who uses it can: on a farm EVERY account is made for the job (no friend
from before the window, members included) and the operation's judged members are a
large share of its users (at least half, or ``infra_max_accounts`` of them). A shared
device of the public has established users or strangers with lives of their own, and a
stranger's tablet is never mostly one operation's. Only the take-in after the members
are judged uses it: before that, the candidates on a big device are suspicion, not an
operation, and a crowd of friendless new accounts on one kiosk must not become
candidates because one of them is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence

import ibis

from mercwatch.link.candidates import Candidate
from mercwatch.link.context import LinkContext, fetch, keys_table

REASON_CREW_DEVICE = "crew_device"
"""Candidate reason: uses a device only made-for-the-job accounts use."""


def _key_users(ctx: LinkContext, column: str) -> ibis.Table:
    """Every (actor_id, ``column``) pair seen in the events: the table the take-ins by
    device (and by address, :mod:`~.crew_logins`) count a key's users in."""
    ev = ctx.events
    ev = ev.filter(ev[column].notnull() & ev.actor_id.notnull())
    return ev.select("actor_id", column).distinct()


def _device_users(ctx: LinkContext) -> ibis.Table:
    """Every (actor_id, device_id) pair seen in the events."""
    return _key_users(ctx, "device_id")


def rare_key_users(
    ctx: LinkContext, column: str, accounts: Iterable[str], min_users: int
) -> dict[str, set[str]]:
    """Key -> every account that used it, for the ``column`` values (devices, addresses)
    ``accounts`` used that ``min_users`` to ``infra_max_accounts`` accounts use (rarely
    shared: a crew's phone or line, not a shop's demo tablet). Counted in the engine."""
    pairs = _key_users(ctx, column)
    keys = keys_table("actor_id", accounts)
    used = pairs.semi_join(keys, pairs.actor_id == keys.actor_id).select(column).distinct()
    on_used = pairs.semi_join(used, pairs[column] == used[column])
    breadth = on_used.group_by(column).agg(n=on_used.actor_id.nunique())
    rare = breadth.filter((breadth.n >= min_users) & (breadth.n <= ctx.config.infra_max_accounts))
    users: dict[str, set[str]] = defaultdict(set)
    for row in fetch(on_used.semi_join(rare, on_used[column] == rare[column])):
        users[row[column]].add(row["actor_id"])
    return users


def rare_device_users(
    ctx: LinkContext, accounts: Iterable[str], min_users: int
) -> dict[str, set[str]]:
    """Device -> every account that used it, for the rarely shared devices ``accounts``
    used (:func:`rare_key_users`). One query shared by both take-ins by device below."""
    return rare_key_users(ctx, "device_id", accounts, min_users)


def phone_farm_users(ctx: LinkContext, members: Iterable[str]) -> dict[str, set[str]]:
    """Device -> every account that used it, for the devices over ``infra_max_accounts``
    accounts use on which ``members`` are two or more and at least half the users (or
    ``infra_max_accounts`` of them): a crew's phone farm by its users' share (module
    docstring). Counted in the engine, so a popular device is never fetched."""
    cap = ctx.config.infra_max_accounts
    pairs = _device_users(ctx)
    keys = keys_table("actor_id", members)
    mine = pairs.semi_join(keys, pairs.actor_id == keys.actor_id)
    held = mine.group_by("device_id").agg(m=mine.actor_id.nunique())
    held = held.filter(held.m >= 2)
    on_held = pairs.semi_join(held, pairs.device_id == held.device_id)
    breadth = on_held.group_by("device_id").agg(n=on_held.actor_id.nunique())
    share = breadth.join(held, "device_id")
    farms = share.filter((share.n > cap) & ((share.m * 2 >= share.n) | (share.m >= cap)))
    users: dict[str, set[str]] = defaultdict(set)
    for row in fetch(on_held.semi_join(farms, on_held.device_id == farms.device_id)):
        users[row["device_id"]].add(row["actor_id"])
    return users


def crew_device_users(
    ctx: LinkContext,
    candidates: Iterable[str],
    established_of: Callable[[Sequence[str]], Iterable[str]],
) -> set[str]:
    """Non-candidates on devices shared only by made-for-the-job accounts, at least
    one of them a candidate (see the module docstring)."""
    known = set(candidates)
    if not known or not ctx.config.device_expansion:
        return set()
    users = rare_device_users(ctx, known, min_users=2)
    everyone = sorted({a for who in users.values() for a in who})
    settled = set(established_of(everyone))
    return {
        a
        for _device, who in sorted(users.items())
        if not who & settled and len(who - known) < len(who)
        for a in who - known
    }


def member_device_users(
    ctx: LinkContext,
    groups: Sequence[tuple[str, ...]],
    settled_of: Callable[[Sequence[str]], Iterable[str]],
) -> dict[str, int]:
    """Account -> index of the group in ``groups`` whose members (two or more) use a
    rarely shared device it uses, when no non-member user of that device has a friend
    from before the window, or a phone farm of that group's (every user a persona,
    members included; module docstring); accounts reached from two groups are left
    out."""
    owner = {a: gi for gi, group in enumerate(groups) for a in group}
    if not owner or not ctx.config.device_expansion:
        return {}
    users = rare_device_users(ctx, owner, min_users=3)
    farms = phone_farm_users(ctx, owner)
    chosen: dict[str, set[int]] = defaultdict(set)
    for _device, who in sorted([*users.items(), *farms.items()]):
        inside = {owner[a] for a in who if a in owner}
        members = [a for a in who if a in owner]
        if len(inside) != 1 or len(members) < 2:
            continue
        for account in who - set(owner):
            chosen[account].add(next(iter(inside)))
    settled = set(settled_of(sorted(chosen)))
    spoiled = [who for who in users.values() if (who - set(owner)) & settled]
    if farms:  # a farm's members must be personas too
        on_farms = set(settled_of(sorted({a for who in farms.values() for a in who})))
        spoiled += [who for who in farms.values() if who & on_farms]
    for who in spoiled:
        for account in who - set(owner):
            chosen.pop(account, None)
    return {a: next(iter(g)) for a, g in sorted(chosen.items()) if len(g) == 1}


def with_crew_device_users(
    candidates: Mapping[str, Candidate],
    extra: Iterable[str],
    own: Mapping[str, float],
    approach: Mapping[str, float],
) -> dict[str, Candidate]:
    """``candidates`` plus ``extra`` accounts, each with its own signals' score."""
    out = dict(candidates)
    for account in sorted(set(extra) - set(candidates)):
        out[account] = Candidate(
            account,
            own.get(account, 0.0),
            0.0,
            (REASON_CREW_DEVICE,),
            approach.get(account, 0.0),
        )
    return out
