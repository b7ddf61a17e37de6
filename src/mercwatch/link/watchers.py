"""Signed-out watching rigs: people watched without an account still get warned.

An operation can do its reconnaissance signed out, over weeks, through a rented pool
of residential addresses, so no account of it ever views the people it studies. The
export still shows the rig: signed-out profile views that share a browser (a device
id) or a pool exit address, never used by any signed-in account, looking almost only
at at-risk people. When the people one rig watches overlap the people an operation's
accounts approached, the rig is that operation's reconnaissance and everyone it
watched is a target to warn (at the reconnaissance level): the at-risk people and
the circle around them the rig studied.

What a benign signed-out visitor does not do, and each rule stands for: watch many
profiles from one browser or exit address (``RIG_MIN_PROFILES``; a visitor reads one
or two), many of them at-risk (``RIG_MIN_AT_RISK``), and largely the same people an
operation approached (``RIG_MIN_SHARED`` people, and ``RIG_MIN_SHARE`` of what it
watched or of the at-risk people it watched). The at-risk people a rig watched are its
subjects; the rest are their circles (relatives, colleagues), which a slow operation
studies too but never contacts, so a rig that watched three relatives per subject
shares only a quarter of its views with the people its operation approached while
sharing most of its subjects with them. A reader browsing journalists signed out
shares few of his subjects with any one operation's.
A key any account ever used is a person's, not a rig's, and is never a rig. The rig
is given to the one operation it overlaps most; it never makes an operation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

import ibis

from mercwatch.link.context import LinkContext, fetch
from mercwatch.link.shared_infrastructure import at_risk_accounts
from mercwatch.model import Phase

RIG_MIN_PROFILES = 5
"""Distinct profiles one signed-out browser or address must view to be a rig."""

RIG_MIN_AT_RISK = 0.3
"""Share of a rig's viewed profiles that must be at-risk people (the rest: their
circles, which an operation studies too; altsim tuning seeds show rigs at 39-90 %)."""

RIG_MIN_SHARED = 3
"""People a rig must share with an operation's targets to be tied to it."""

RIG_MIN_SHARE = 0.3
"""Share of a rig's viewed profiles that must be the operation's targets."""

VIEW_TYPES = ("view_profile",)


def rigs(ctx: LinkContext) -> dict[str, tuple[set[str], set[str]]]:
    """Signed-out rigs: key (``device:…`` or ``ip:…``) -> (viewed, viewed at-risk)."""
    ev = ctx.events
    views = ev.filter(
        ev.actor_id.isnull() & ev.type.isin(list(VIEW_TYPES)) & ev.target_id.notnull()
    )
    signed_in = ev.filter(ev.actor_id.notnull())
    used_devices = (
        signed_in.filter(signed_in.device_id.notnull()).select(used=signed_in.device_id).distinct()
    )
    used_ips = signed_in.filter(signed_in.ip.notnull()).select(used=signed_in.ip).distinct()
    by_device = views.filter(views.device_id.notnull() & (views.device_id != ""))
    by_device = by_device.anti_join(used_devices, by_device.device_id == used_devices.used)
    by_device = by_device.select(key="device:" + by_device.device_id, target=by_device.target_id)
    by_ip = views.filter(views.device_id.isnull() & views.ip.notnull())
    by_ip = by_ip.anti_join(used_ips, by_ip.ip == used_ips.used)
    by_ip = by_ip.select(key="ip:" + by_ip.ip, target=by_ip.target_id)
    keyed = ibis.union(by_device, by_ip, distinct=True)
    wide = keyed.group_by("key").agg(n=keyed.target.nunique())
    keyed = keyed.semi_join(wide.filter(wide.n >= RIG_MIN_PROFILES), "key")
    risky = at_risk_accounts(ctx)
    marked = keyed.left_join(risky, keyed.target == risky.risk_id)
    rows = fetch(
        marked.select("key", "target", at_risk=marked.risk_id.notnull()).order_by(["key", "target"])
    )
    found: dict[str, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    for row in rows:
        viewed, risky_viewed = found[row["key"]]
        viewed.add(row["target"])
        if row["at_risk"]:
            risky_viewed.add(row["target"])
    return {
        key: (viewed, risky_viewed)
        for key, (viewed, risky_viewed) in sorted(found.items())
        if len(risky_viewed) >= RIG_MIN_AT_RISK * len(viewed)
    }


def tie_rigs(
    found: Mapping[str, tuple[set[str], set[str]]], targets: Sequence[set[str]]
) -> dict[int, set[str]]:
    """Operation index -> people its rigs watched (beyond its own targets).

    Each rig goes to the operation whose targets it overlaps most (ties: the lower
    index), if the overlap reaches ``RIG_MIN_SHARED`` people and either
    ``RIG_MIN_SHARE`` of what the rig viewed or ``RIG_MIN_SHARE`` of the at-risk people
    it viewed (its subjects) are the operation's targets.
    """
    extra: dict[int, set[str]] = defaultdict(set)
    for _key, (viewed, subjects) in sorted(found.items()):
        overlaps = [len(viewed & mine) for mine in targets]
        if not overlaps:
            break
        best = max(range(len(overlaps)), key=lambda i: (overlaps[i], -i))
        shared = overlaps[best]
        of_views = shared >= RIG_MIN_SHARE * len(viewed)
        of_subjects = bool(subjects) and len(subjects & targets[best]) >= RIG_MIN_SHARE * len(
            subjects
        )
        if shared >= RIG_MIN_SHARED and (of_views or of_subjects):
            extra[best] |= viewed - targets[best]
    return dict(extra)


def with_watched(
    ctx: LinkContext,
    levels: Sequence[dict[str, Phase]],
    members: Sequence[Sequence[str]],
    found: Mapping[str, tuple[set[str], set[str]]] | None = None,
    bound: Mapping[str, str] | None = None,
) -> list[dict[str, Phase]]:
    """Each operation's target levels plus the people its signed-out rigs watched
    (reconnaissance), never one of its own accounts.

    ``found``: the platform's rigs if already computed; ``bound``: member -> rig key
    for rigs already known to be an operation's (a persona crew's rig,
    :mod:`~.persona_crews`), tied to the group holding that member whatever the
    overlap.
    """
    if not levels:
        return list(levels)
    found = rigs(ctx) if found is None else found
    extra = tie_rigs(found, [set(lv) for lv in levels])
    bound = bound or {}
    for i, group in enumerate(members):
        for key in sorted({bound[a] for a in group if a in bound}):
            extra.setdefault(i, set()).update(found[key][0] - set(levels[i]))
    out = []
    for i, lv in enumerate(levels):
        added = {t: Phase.RECONNAISSANCE for t in extra.get(i, ()) if t not in set(members[i])}
        out.append({**added, **lv})
    return out
