"""Lure rings: personas tied only by the lure domain they all deliver.

An operation can imitate a crowd: thirty to eighty personas, each writing one
paraphrased message to one at-risk person from its own address and device, with no
photo, phone or template in common. No account is damning and no pair shares a key
rare enough for :mod:`~.graph` to tie them (a domain sent by thirty accounts is
popularity-discounted below an edge). What still ties them is the infrastructure
they deliver: the operation's own lure domain.

A registrable domain is a **lure domain** here when all of these hold, each one a
property a crowd does not have:

* a link detector marks it at least suspicious (a domain-level signal of
  ``LURE_MIN_FLAG``): readers forward their outlet's real articles;
* at least ``LURE_MIN_SENDERS`` accounts deliver it: one spammer's throw-away
  domain is abuse, not an operation (:mod:`~.corroboration`);
* every delivery is a direct message to an at-risk person (journalist, activist ...,
  ``AT_RISK_TAGS``) who was not the sender's friend before the window, and the
  senders never post or share it publicly: a viral link is shared in the open and
  to friends; a lure is handed to chosen strangers;
* its senders are made for the job: at most ``LURE_MAX_ESTABLISHED`` of them have
  friends from before the window (:mod:`~.standing`): a crowd of readers and
  supporters are people with lives on the platform.

The senders of one lure domain form a **lure ring**: one group, kept as an operation
(the domain is infrastructure they control, a strong tie in the sense of
:mod:`~.corroboration`). Rings that share a sender, or whose senders already sit in
one group of the graph, become one record (:func:`merge_rings`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import ibis

from mercwatch.detectors.base import AT_RISK_TAGS
from mercwatch.graphs import named_components
from mercwatch.link.candidates import Candidate
from mercwatch.link.context import LinkContext, fetch, keys_table
from mercwatch.link.hosts import link_events, match_domains
from mercwatch.model import SubjectType
from mercwatch.store.exprs import trim

LURE_MIN_FLAG = 0.35
"""Domain signal score from which a delivered domain counts as suspicious."""

LURE_MIN_SENDERS = 3
"""Distinct senders a lure domain needs (fewer is one actor, not a ring)."""

LURE_MAX_SENDERS = 500
"""More senders than this is a public campaign, not a hand-picked lure."""

LURE_MAX_ESTABLISHED = 0.1
"""Largest share of senders with pre-window friends (made-for-the-job personas)."""

REASON_RING = "lure_ring"
"""Candidate reason: sender of a lure domain (see :class:`LureRing`)."""

DIRECT_TYPES = ("message",)
"""Event types that hand a link to one chosen person."""


@dataclass(frozen=True, slots=True)
class LureRing:
    """The senders of one lure domain."""

    domain: str
    flag: float
    senders: tuple[str, ...]


def suspicious_domains(ctx: LinkContext) -> dict[str, float]:
    """Domain-level signals at ``LURE_MIN_FLAG`` or more: domain -> strongest score."""
    sig = ctx.signals
    rows = sig.filter(
        (sig.subject_type == SubjectType.DOMAIN.value)
        & sig.subject.notnull()
        & (sig.score >= LURE_MIN_FLAG)
    )
    best = rows.group_by(domain=rows.subject.lower()).agg(flag=rows.score.max())
    return {str(r["domain"]): float(r["flag"]) for r in fetch(best.order_by("domain"))}


def at_risk_accounts(ctx: LinkContext) -> ibis.Table:
    """Column ``risk_id``: accounts with an at-risk tag (``AT_RISK_TAGS``, folded as the
    detectors fold them), without array lambdas so every engine runs it."""
    acc = ctx.accounts
    tagged = acc.filter(acc.tags.notnull()).select(risk_id=acc.account_id, tag=acc.tags.unnest())
    folded = trim(tagged.tag).lower().replace("-", "_").replace(" ", "_")
    return tagged.filter(folded.isin(AT_RISK_TAGS)).select("risk_id").distinct()


def _deliveries(ctx: LinkContext, domains: Iterable[str]) -> list[dict]:
    """One row per (domain, sender): its deliveries, how many were lures by form
    (a direct message to an at-risk stranger), and its senders' platform-wide count."""
    links = match_domains(link_events(ctx), domains)
    risky = at_risk_accounts(ctx)
    ev = links.left_join(risky, links.target_id == risky.risk_id)
    direct = ev.type.isin(list(DIRECT_TYPES)) & ev.risk_id.notnull()
    per_sender = ev.group_by(["domain", "actor_id"]).agg(
        n=ev.count(), lures=direct.cast("int64").sum()
    )
    return fetch(per_sender.order_by(["domain", "actor_id"]))


def _friends_before(ctx: LinkContext, con: ibis.BaseBackend, rows: list[dict]) -> set[tuple]:
    """(sender, recipient) pairs already friends before the window: not strangers."""
    try:
        friendships = con.table("friendships")
    except Exception:  # backends raise their own "no such table" types
        return set()
    if not {"a", "b"} <= set(friendships.columns):
        return set()
    senders = keys_table("account", {r["actor_id"] for r in rows})
    both = friendships.select(x="a", y="b").union(friendships.select(x="b", y="a"))
    mine = both.semi_join(senders, both.x == senders.account)
    return {(r["x"], r["y"]) for r in fetch(mine)}


def lure_rings(
    ctx: LinkContext,
    con: ibis.BaseBackend,
    established_of: Callable[[Sequence[str]], Iterable[str]],
) -> list[LureRing]:
    """Every lure ring of the platform (see the module docstring), sorted by domain.

    ``established_of(accounts)`` returns the senders with pre-window friends
    (:func:`~.standing.established_accounts`); it is asked once, for the senders of
    the domains that pass every other test.
    """
    flagged = suspicious_domains(ctx)
    if not flagged:
        return []
    rows = _deliveries(ctx, flagged)
    by_domain: dict[str, list[dict]] = {}
    for row in rows:
        by_domain.setdefault(row["domain"], []).append(row)
    shaped = {
        domain: tuple(sorted(r["actor_id"] for r in senders))
        for domain, senders in sorted(by_domain.items())
        if LURE_MIN_SENDERS <= len(senders) <= LURE_MAX_SENDERS
        and all(int(r["lures"]) == int(r["n"]) for r in senders)
    }
    if not shaped:
        return []
    strangers = _strangers_only(ctx, con, shaped)
    shaped = {d: s for d, s in shaped.items() if d in strangers}
    senders = sorted({a for who in shaped.values() for a in who})
    settled = set(established_of(senders))
    return [
        LureRing(domain, flagged[domain], who)
        for domain, who in shaped.items()
        if sum(a in settled for a in who) <= LURE_MAX_ESTABLISHED * len(who)
    ]


def _strangers_only(
    ctx: LinkContext, con: ibis.BaseBackend, shaped: Mapping[str, Sequence[str]]
) -> set[str]:
    """Domains none of whose deliveries went to a pre-window friend of the sender."""
    links = match_domains(link_events(ctx), shaped)
    pairs = fetch(links.select("domain", "actor_id", "target_id").distinct())
    friends = _friends_before(ctx, con, pairs)
    spoiled = {r["domain"] for r in pairs if (r["actor_id"], r["target_id"]) in friends}
    return set(shaped) - spoiled


class HasSenders(Protocol):
    """A ring-like group of accounts kept together (a lure ring, a persona crew)."""

    @property
    def senders(self) -> tuple[str, ...]: ...


def merge_rings(
    groups: Sequence[tuple[str, ...]], rings: Sequence[HasSenders]
) -> list[tuple[str, ...]]:
    """``groups`` with every ring joined to the groups it touches, one record each.

    A ring and a group sharing a member, or two rings sharing a sender, are one
    operation (the same personas deliver both); a ring touching nothing is a new
    group. Components over accounts, so the result does not depend on order.
    """
    members = [*groups, *(ring.senders for ring in rings)]
    names = (a for m in members for a in m)
    return named_components(names, ((m[0], a) for m in members for a in m[1:]))


def with_ring_senders(
    candidates: Mapping[str, Candidate], rings: Sequence[LureRing], link_weight: float
) -> dict[str, Candidate]:
    """``candidates`` plus every ring sender, with the ring's delivery as its own
    evidence (exploitation: ``link_weight`` times the domain's flag)."""
    out = dict(candidates)
    for ring in rings:
        score = link_weight * ring.flag
        for account in ring.senders:
            known = out.get(account)
            if known is None:
                out[account] = Candidate(
                    account, score, 0.0, (REASON_RING,), families=(("exploitation", score),)
                )
            elif REASON_RING not in known.reasons:
                out[account] = dataclasses.replace(
                    known, reasons=tuple(sorted((*known.reasons, REASON_RING)))
                )
    return out
