"""Watch crews: personas too thin each to be a candidate, whose watching as a crew is.

A crew hired only to watch can spread its work so thin that no member is a candidate:
altsim ``baseline`` tuning seed 97503 (10k users) has one (``alt-op-97503-7``, 8
personas, 16 people watched, 15 of them at risk) in which each persona viewed exactly
two of the crew's people and searched 0-3 names. ``recon.targeted_watching`` needs two
people *and* a score per persona, so no detector emits a signal for any of them, and
the watch ring (:mod:`~.watch_rings`) needs members that are candidates already: the
whole operation and 11 of its people were lost (the same crew, 5 personas, on the
``hosted-infra`` variant of that seed). The evidence exists only for the crew as a
whole, so it is built here, in the link stage, and not by a detector: a per-account
signal would have to invent a score for each member out of what the others did.

A **watch crew** is a connected set of accounts that

* did nothing but watch (``WATCH_TYPES``: profile views and name searches, besides
  logging in) and viewed at least one at-risk person each: every member does the job;
* are joined through addresses or devices (``ip:`` / ``device:`` keys) that at least
  two and at most ``infra_max_accounts`` accounts use, **every one of them such a
  watcher and a persona** (no friend from before the window, :mod:`~.standing`). A
  family's tablet, an office network or a carrier NAT has users with friends, or users
  who post and message; a crew's phones and rented addresses have only the crew;
* together viewed ``WATCH_CREW_MIN_AT_RISK`` or more at-risk people, at least
  ``WATCH_CREW_MIN_AT_RISK_SHARE`` of everyone they viewed (a rig's bar,
  :mod:`~.watchers`), with ``WATCH_CREW_MIN_MEMBERS`` members or more.

Scrapers on a shared laptop watching people who are *not* at risk
(``tests/link/test_operations.py::test_weak_ring_needs_approach_evidence``) are not one:
whom a crew watches is the evidence, not how it browses. Measured before landing on 43
altsim tuning exports at 10k users (an ad-hoc script, friends from before the window
standing in for :mod:`~.standing`): the sets joined this way (sizes 2-13, 34 of them on
12 exports) are all operation accounts, none benign; one (hosted-infra 85302) holds two
firms on a shared proxy, already candidates and one record before this rule.

Only crews **no member of which is a candidate already** are built: a crew partly
found is the existing rules' (watch ring, device take-ins) to complete, and a crew
touching candidates could join their records. Each crew is one record by
construction (:func:`~.shared_infrastructure.merge_rings`), its members judged as the
construct's (:mod:`~.membership`); the people they viewed are its targets.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import ibis

from mercwatch.graphs import named_components
from mercwatch.link.candidates import Candidate
from mercwatch.link.context import LinkContext, fetch, keys_table
from mercwatch.link.shared_infrastructure import at_risk_accounts

WATCH_TYPES = ("view_profile", "search")
"""The only acts (besides logging in) a watch crew's member has."""

WATCH_CREW_MIN_MEMBERS = 3
"""Personas a watch crew needs (two newcomers on one address can be a couple)."""

WATCH_CREW_MIN_AT_RISK = 6
"""At-risk people a crew must have viewed in all: several, not one person's circle."""

WATCH_CREW_MIN_AT_RISK_SHARE = 0.3
"""Share of the crew's viewed people that must be at risk (as for a rig)."""

REASON_WATCH_CREW = "watch_crew"
"""Candidate reason: persona of a watch crew (see :class:`WatchCrew`)."""


@dataclass(frozen=True, slots=True)
class WatchCrew:
    """The personas of one watch crew, and the at-risk people they viewed."""

    senders: tuple[str, ...]
    """The crew's accounts (named as a lure ring's, for :func:`merge_rings`)."""
    watched: frozenset[str] = frozenset()


def _watch_only_keys(ctx: LinkContext) -> dict[str, set[str]]:
    """Key (``ip:…`` / ``device:…``) -> its users, for keys ``2..infra_max_accounts``
    accounts use, every one of whom only watched (viewed a profile at least once)."""
    ev = ctx.events
    acts = ev.filter(ev.actor_id.notnull() & (ev.type != "login"))
    per = acts.group_by("actor_id").agg(
        other=(~acts.type.isin(list(WATCH_TYPES))).cast("int64").sum(),
        views=(acts.type == "view_profile").cast("int64").sum(),
    )
    watchers = per.filter((per.other == 0) & (per.views > 0)).select(watcher="actor_id")
    signed = ev.filter(ev.actor_id.notnull())
    by_ip = signed.filter(signed.ip.notnull()).select("actor_id", key="ip:" + signed.ip)
    by_device = signed.filter(signed.device_id.notnull()).select(
        "actor_id", key="device:" + signed.device_id
    )
    pairs = ibis.union(by_ip, by_device, distinct=True)
    mine = pairs.semi_join(watchers, pairs.actor_id == watchers.watcher).select("key").distinct()
    on_mine = pairs.semi_join(mine, "key")
    marked = on_mine.left_join(watchers, on_mine.actor_id == watchers.watcher)
    breadth = marked.group_by("key").agg(
        n=marked.actor_id.nunique(), w=marked.watcher.notnull().cast("int64").sum()
    )
    cap = ctx.config.infra_max_accounts
    good = breadth.filter((breadth.n >= 2) & (breadth.n <= cap) & (breadth.w == breadth.n))
    users: dict[str, set[str]] = defaultdict(set)
    for row in fetch(on_mine.semi_join(good, "key").order_by(["key", "actor_id"])):
        users[row["key"]].add(row["actor_id"])
    return users


def _viewed(ctx: LinkContext, accounts: Iterable[str]) -> dict[str, tuple[set[str], set[str]]]:
    """Account -> (people it viewed, the at-risk ones among them)."""
    ev = ctx.events
    views = ev.filter((ev.type == "view_profile") & ev.target_id.notnull())
    keys = keys_table("actor_id", accounts)
    views = views.semi_join(keys, views.actor_id == keys.actor_id)
    risky = at_risk_accounts(ctx)
    marked = views.left_join(risky, views.target_id == risky.risk_id)
    rows = fetch(
        marked.select("actor_id", "target_id", at_risk=marked.risk_id.notnull())
        .distinct()
        .order_by(["actor_id", "target_id"])
    )
    out: dict[str, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    for row in rows:
        seen, risky_seen = out[row["actor_id"]]
        seen.add(row["target_id"])
        if row["at_risk"]:
            risky_seen.add(row["target_id"])
    return out


def watch_crews(
    ctx: LinkContext,
    known: Iterable[str],
    settled_of: Callable[[Sequence[str]], Iterable[str]],
) -> list[WatchCrew]:
    """Every watch crew of the platform none of whose members is in ``known`` (the
    candidates so far), sorted (module docstring). ``settled_of(accounts)`` returns
    those with any friend from before the window; asked once, for the keys' users."""
    if not ctx.config.device_expansion:
        return []
    users = _watch_only_keys(ctx)
    everyone = sorted({a for who in users.values() for a in who})
    if not everyone:
        return []
    settled = set(settled_of(everyone))
    pairs = [
        (who[0], a)
        for who in (sorted(w) for w in users.values() if not w & settled)
        for a in who[1:]
    ]
    taken = set(known)
    parts = [
        part
        for part in named_components((), pairs)
        if len(part) >= WATCH_CREW_MIN_MEMBERS and not taken.intersection(part)
    ]
    if not parts:
        return []
    viewed = _viewed(ctx, {a for part in parts for a in part})
    crews = []
    for part in parts:
        if not all(viewed[a][1] for a in part):
            continue
        seen = set().union(*(viewed[a][0] for a in part))
        risky = set().union(*(viewed[a][1] for a in part))
        if len(risky) >= WATCH_CREW_MIN_AT_RISK and len(
            risky
        ) >= WATCH_CREW_MIN_AT_RISK_SHARE * len(seen):
            crews.append(WatchCrew(tuple(part), frozenset(risky)))
    return sorted(crews, key=lambda crew: crew.senders)


def with_watch_crews(
    candidates: Mapping[str, Candidate], crews: Sequence[WatchCrew], score: float
) -> dict[str, Candidate]:
    """``candidates`` plus every watch crew member, the crew's watching as its
    reconnaissance evidence at ``score`` (none of them was a candidate:
    :func:`watch_crews`).

    The caller passes ``strong_threshold``: the crew passed *as a whole* the bar a
    strong member passes alone, and a lower score made the record's confidence lie
    (altsim baseline 97503: the found crew at 0.74 calibrated, every such set measured
    an operation; ECE 0.008 -> 0.044 on that row)."""
    out = dict(candidates)
    for crew in crews:
        for account in crew.senders:
            out.setdefault(
                account,
                Candidate(
                    account,
                    score,
                    0.0,
                    (REASON_WATCH_CREW,),
                    families=(("reconnaissance", score),),
                    aimed_recon=score,
                ),
            )
    return out


__all__ = ["REASON_WATCH_CREW", "WatchCrew", "watch_crews", "with_watch_crews"]
