"""Lure mates: one-message personas handing out the lure host an operation's members
delivered.

An operation imitating a crowd gives each persona its own lure URL (a per-target path
on a shortener, a page on its own tenant of a hosting platform) and sends it once, to
one at-risk stranger. The detectors flag the URLs they saw delivered by accounts with
other evidence; a persona whose own URL nobody flagged, with no device, address or
script shared with anyone, is tied to the operation by one thing only: the host its
link lives on, the very host the operation's members delivered flagged links on
(altsim ``all`` tuning seed 74101: personas delivering ``linkhop.co`` and
``harborledger.hostnook.app`` pages, as the operation's members did, were missed).

An account is a **lure mate** of a group when

* it is a job contact (:mod:`~.persona_crews`): no friend from before the window
  (:mod:`~.standing`), and its only act besides logging in is one direct message;
* that message hands a link to an at-risk person (``AT_RISK_TAGS``);
* the link's host is one on which members of that group, and of no other group,
  delivered a link flagged malicious (the exact host: a tenant's subdomain, not the
  whole hosting platform); or the group's **own host**: one on which at least
  ``OWN_HOST_MIN_MEMBERS`` of its members (and no other group's) handed out links by
  direct message, and every other account that ever linked to it has the lure's form
  above (altsim ``ops-as-crowds`` tuning seed 74103: ``linkohp.net``, sent by 12
  members and 14 missed personas and nobody else, was never flagged). One reader
  posting or sharing the host in the open, or anyone with more acts, spoils it.

Why a crowd is not caught: readers and fans have friends from before the window or
do more than one thing; a viral link is shared in the open, not handed once to an
at-risk stranger; and a host only counts after an operation's own members delivered
flagged links on it. Not behind ``LinkConfig.device_expansion``: the take-in is by
delivered infrastructure, not by device, like lure rings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence

import ibis

from mercwatch.link.candidates import Candidate
from mercwatch.link.context import LinkContext, fetch, keys_table
from mercwatch.link.hosts import link_events
from mercwatch.link.persona_crews import JOB_MAX_ACTS
from mercwatch.link.shared_infrastructure import DIRECT_TYPES, at_risk_accounts

OWN_HOST_MIN_MEMBERS = 3
"""Members of one group that must hand out links on a host for it to be the group's own."""

OWN_HOST_MAX_SENDERS = 500
"""More senders than this is a public site, not an operation's own lure host."""

REASON_LURE_MATE = "lure_mate"
"""Candidate reason: one-message persona delivering a group's lure host."""


def lure_mates(
    ctx: LinkContext,
    groups: Sequence[tuple[str, ...]],
    malicious: ibis.Table,
    settled_of: Callable[[Sequence[str]], Iterable[str]],
) -> dict[str, int]:
    """Lure mate -> index of its group in ``groups`` (see the module docstring).

    ``settled_of(accounts)`` returns those with any friend from before the window;
    asked once, for the accounts that pass every other test.
    """
    owner = {a: gi for gi, group in enumerate(groups) for a in group}
    if not owner:
        return {}
    keys = keys_table("actor_id", owner)
    hosted = malicious.semi_join(keys, malicious.actor_id == keys.actor_id)
    host_groups: dict[str, set[int]] = defaultdict(set)
    for row in fetch(hosted.select("actor_id", "host").distinct()):
        if row["host"]:
            host_groups[row["host"]].add(owner[row["actor_id"]])
    hosts = {h: next(iter(g)) for h, g in host_groups.items() if len(g) == 1}
    own, senders = _own_hosts(ctx, owner)
    rows = _one_message_deliveries(ctx, {*hosts, *own})
    form = defaultdict(set)
    for row in rows:
        form[row["host"]].add(row["actor_id"])
    for host, gi in own.items():  # every outside sender must have the lure's form
        if senders[host] - set(owner) <= form[host]:
            hosts.setdefault(host, gi)
    if not hosts:
        return {}
    found: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        if row["actor_id"] not in owner and row["host"] in hosts:
            found[row["actor_id"]].add(hosts[row["host"]])
    single = {a: next(iter(g)) for a, g in found.items() if len(g) == 1}
    settled = set(settled_of(sorted(single)))
    return {a: gi for a, gi in sorted(single.items()) if a not in settled}


def _own_hosts(
    ctx: LinkContext, owner: Mapping[str, int]
) -> tuple[dict[str, int], dict[str, set[str]]]:
    """Hosts on which ``OWN_HOST_MIN_MEMBERS`` or more members of one group, and no
    member of another, linked (one of them at least by direct message), with at most
    ``OWN_HOST_MAX_SENDERS`` senders platform-wide in any link event: host -> group,
    host -> every account that linked to it."""
    every = link_events(ctx)
    every = every.filter(every.host != "")
    direct = every.filter(every.type.isin(list(DIRECT_TYPES)))
    keys = keys_table("actor_id", owner)
    mine = direct.semi_join(keys, direct.actor_id == keys.actor_id).select("host").distinct()
    on = every.semi_join(mine, every.host == mine.host)
    breadth = on.group_by("host").agg(n=on.actor_id.nunique())
    small = breadth.filter(breadth.n <= OWN_HOST_MAX_SENDERS)
    on = on.semi_join(small, on.host == small.host)
    senders: dict[str, set[str]] = defaultdict(set)
    for row in fetch(on.select("actor_id", "host").distinct()):
        senders[row["host"]].add(row["actor_id"])
    own: dict[str, int] = {}
    for host, who in sorted(senders.items()):
        groups = [owner[a] for a in who if a in owner]
        if len(set(groups)) == 1 and len(groups) >= OWN_HOST_MIN_MEMBERS:
            own[host] = groups[0]
    return own, senders


def _one_message_deliveries(ctx: LinkContext, hosts: Iterable[str]) -> list[dict]:
    """(actor_id, host): direct messages to an at-risk person carrying a link on one of
    ``hosts``, by accounts whose only non-login act is that message."""
    ev = ctx.events
    acts = ev.filter(ev.actor_id.notnull() & (ev.type != "login"))
    counts = acts.group_by("actor_id").agg(n=acts.count())
    single = counts.filter(counts.n <= JOB_MAX_ACTS).select("actor_id")
    links = link_events(ctx)
    links = links.filter(links.type.isin(list(DIRECT_TYPES)))
    wanted = keys_table("host", hosts)
    links = links.semi_join(wanted, links.host == wanted.host)
    links = links.semi_join(single, links.actor_id == single.actor_id)
    risky = at_risk_accounts(ctx)
    links = links.semi_join(risky, links.target_id == risky.risk_id)
    return fetch(links.select("actor_id", "host").distinct().order_by(["actor_id", "host"]))


def with_lure_mates(
    groups: Sequence[tuple[str, ...]],
    candidates: Mapping[str, Candidate],
    mates: Mapping[str, int],
    score: float,
    reason: str = REASON_LURE_MATE,
) -> tuple[list[tuple[str, ...]], dict[str, Candidate]]:
    """``groups`` with each mate added to its group, and ``candidates`` with each mate
    (its one delivery to an at-risk stranger as exploitation evidence, ``score``;
    also used for other take-ins into a judged group, under their own ``reason``)."""
    out = dict(candidates)
    grown = [set(group) for group in groups]
    for account, gi in sorted(mates.items()):
        grown[gi].add(account)
        if account not in out:
            out[account] = Candidate(
                account, score, 0.0, (reason,), families=(("exploitation", score),) if score else ()
            )
    return [tuple(sorted(g)) for g in grown], out


__all__ = ["REASON_LURE_MATE", "lure_mates", "with_lure_mates"]
