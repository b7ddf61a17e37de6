"""Derived tables several detectors need, each built once per run via ``ctx.shared``.

Keeping them here means the definition of "at-risk user" or "close contact" is the
same in every detector.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from mercwatch.detectors.base import DetectionContext, at_risk_tags, shared_table
from mercwatch.store.exprs import epoch_seconds


@shared_table("at_risk")
def at_risk(ctx: DetectionContext) -> ir.Table:
    """Accounts the platform marks as at-risk (journalists, activists ...)."""
    accounts = ctx.table("accounts")
    tags = at_risk_tags(accounts.tags)
    return accounts.filter(tags.length() > 0).select(
        account_id=accounts.account_id,
        display_name=accounts.display_name,
        risk_tags=tags,
    )


@shared_table("accepts")
def accepts(ctx: DetectionContext) -> ir.Table:
    """Columns ``by``, ``of``, ``ts``, ``at`` (epoch seconds): ``by`` accepted ``of``'s request.

    Four derived tables ask who accepted whom and when; each used to scan every event
    for it (0.3 s per scan at 11M events).
    """
    events = ctx.table("events")
    acc = events.filter(
        (events.type == "friend_accept") & events.actor_id.notnull() & events.target_id.notnull()
    )
    return acc.select(by=acc.actor_id, of=acc.target_id, ts=acc.ts, at=epoch_seconds(acc.ts))


@shared_table("friend_pairs")
def friend_pairs(ctx: DetectionContext) -> ir.Table:
    """Columns ``a``, ``b``: every friendship (pre-window plus accepted requests), both ways."""
    friendships = ctx.table("friendships").select(a="a", b="b")
    acc = accepts(ctx)
    return both_directions(friendships.union(acc.select(a="by", b="of"), distinct=False))


def both_directions(edges: ir.Table) -> ir.Table:
    """Undirected edges ``a``, ``b`` listed once each way, self-loops dropped.

    Deduplicated as unordered pairs first, so the distinct step sees half the rows.
    """
    edges = edges.filter(edges.a.notnull() & edges.b.notnull() & (edges.a != edges.b))
    once = edges.select(a=ibis.least(edges.a, edges.b), b=ibis.greatest(edges.a, edges.b))
    once = once.distinct()
    return once.union(once.select(a=once.b, b=once.a), distinct=False)


@shared_table("close_contacts")
def close_contacts(ctx: DetectionContext) -> ir.Table:
    """Columns ``account_id`` (a contact), ``of`` (the at-risk user they are close to)."""
    pairs = friend_pairs(ctx)
    risk = at_risk(ctx)
    joined = pairs.join(risk, pairs.a == risk.account_id)
    return joined.select(account_id=joined.b, of=joined.a).distinct()


@shared_table("account_addresses")
def account_addresses(ctx: DetectionContext) -> ir.Table:
    """Columns ``actor``, ``ip``, ``asn``: every address an account acted from, once.

    Several detectors ask "who is behind this address"; reading the events for it
    once keeps that a scan of the distinct pairs, not of every event.
    """
    events = ctx.table("events")
    seen = events.filter(events.actor_id.notnull() & events.ip.notnull())
    return seen.select(actor=seen.actor_id, ip=seen.ip, asn=seen.asn).distinct()


@shared_table("ip_breadth")
def ip_breadth(ctx: DetectionContext) -> ir.Table:
    """Columns ``ip``, ``accounts``: distinct logged-in accounts seen on each address.

    Addresses used by many accounts are offices and carrier NAT; ties through them
    are discounted by every detector that links accounts by address.
    """
    seen = account_addresses(ctx)
    return seen.group_by("ip").aggregate(accounts=seen.actor.nunique())


def interest(ctx: DetectionContext) -> ir.Table:
    """Columns ``account_id``, ``kind`` (``at_risk`` | ``contact``): people worth protecting."""
    risk = at_risk(ctx).select(account_id="account_id", kind=ibis.literal("at_risk"))
    contacts = close_contacts(ctx)
    contacts = contacts.anti_join(risk, contacts.account_id == risk.account_id)
    return risk.union(
        contacts.select(account_id="account_id", kind=ibis.literal("contact")).distinct()
    )
