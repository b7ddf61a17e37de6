"""People an operation viewed signed out, from its own personas' addresses.

An operation's personas also look people up without signing in, from the same exits
they use signed in. altsim ``crowds-as-scripts`` tuning seed 97501 (10k users): address
``46.76.0.4`` is used signed in only by one operation's six personas, and signed-out
views from it reached 17 people, all that operation's targets; 6 people (1-2 per
operation) were watched only this way and nobody warned them (target recall 0.93; part
of the gap on ``baseline`` and ``hosted-infra`` 97503 too). :mod:`~.watchers` does not
see it: a rig is a browser or exit no account ever used, and these exits are the
personas' own.

An address is a record's **own exit** when every account that ever used it signed in
is a member of that one record, at least ``OWN_EXIT_MIN_MEMBERS`` of them, each a
persona (no friend from before the window, :mod:`~.standing`). The people viewed
signed out from it become that record's targets at the reconnaissance level, as a
rig's do (:func:`~.watchers.with_watched`). What does not count, and why:

* an address anyone outside the record used signed in (a carrier NAT, an office, a
  café, a second firm on the same proxy pool): its signed-out views may be anyone's;
* an address no account used signed in, or one account's: ordinary one-off signed-out
  traffic, or one person's home, not a crew's exit;
* an address an established member used (a hijacked account's owner browses from
  home).

Measured on 43 altsim tuning exports at 10k users before landing (an ad-hoc script,
true operations standing in for records): on the 16 that have such addresses, every
person viewed signed out from one (2,860 address-person pairs) was a target of the
operation whose personas use it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from mercwatch.link.candidates import Candidate
from mercwatch.link.context import LinkContext, fetch, keys_table
from mercwatch.link.watchers import VIEW_TYPES
from mercwatch.model import Phase

OWN_EXIT_MIN_MEMBERS = 2
"""Members that must share an address for it to be the record's exit, not a home."""


def own_exit_views(
    ctx: LinkContext, groups: Sequence[Sequence[str]], candidates: Mapping[str, Candidate]
) -> dict[int, set[str]]:
    """Group index -> people viewed signed out from that group's own exits."""
    owner = {a: i for i, group in enumerate(groups) for a in group}
    if not owner:
        return {}
    ev = ctx.events
    views = ev.filter(
        ev.actor_id.isnull() & ev.type.isin(list(VIEW_TYPES)) & ev.target_id.notnull()
    )
    views = views.filter(views.ip.notnull())
    exits = views.select(exit=views.ip).distinct()
    signed = ev.filter(ev.actor_id.notnull() & ev.ip.notnull())
    signed = signed.semi_join(exits, signed.ip == exits.exit).select("ip", "actor_id").distinct()
    members = keys_table("member", owner)
    marked = signed.left_join(members, signed.actor_id == members.member)
    breadth = marked.group_by("ip").agg(
        n=marked.actor_id.nunique(), m=marked.member.notnull().cast("int64").sum()
    )
    mine = breadth.filter((breadth.n == breadth.m) & (breadth.m >= OWN_EXIT_MIN_MEMBERS))
    users: dict[str, set[str]] = defaultdict(set)
    for row in fetch(signed.semi_join(mine, "ip").order_by(["ip", "actor_id"])):
        users[row["ip"]].add(row["actor_id"])
    exit_of: dict[str, int] = {}
    for ip, who in sorted(users.items()):
        held = {owner[a] for a in who}
        if len(held) == 1 and all(candidates[a].persona for a in who):
            exit_of[ip] = next(iter(held))
    if not exit_of:
        return {}
    keys = keys_table("exit", exit_of)
    hits = views.semi_join(keys, views.ip == keys.exit).select("ip", "target_id").distinct()
    out: dict[int, set[str]] = defaultdict(set)
    for row in fetch(hits.order_by(["ip", "target_id"])):
        if row["target_id"] not in owner:
            out[exit_of[row["ip"]]].add(row["target_id"])
    return dict(out)


def with_own_exits(
    ctx: LinkContext,
    levels: Sequence[dict[str, Phase]],
    groups: Sequence[Sequence[str]],
    candidates: Mapping[str, Candidate],
) -> list[dict[str, Phase]]:
    """Each group's target levels plus the people viewed signed out from its own exits
    (reconnaissance; a person already a target keeps their level)."""
    extra = own_exit_views(ctx, groups, candidates)
    return [
        {**{t: Phase.RECONNAISSANCE for t in extra.get(i, ())}, **lv} for i, lv in enumerate(levels)
    ]


__all__ = ["OWN_EXIT_MIN_MEMBERS", "own_exit_views", "with_own_exits"]
