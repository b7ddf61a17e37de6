"""Which of its members' activity an operation did, and which domains are its own.

A hijacked account (one created long before the operation started) keeps its owner's
everyday life: the owner views friends and messages colleagues from a home phone. That
is not the operation's doing, so it adds neither targets nor phases. For such members
only what came through the operation's own infrastructure (an IP or device it shares
across its accounts), or went to people other members also approached, counts.

A link domain that nobody outside the operation ever sent is the operation's own
infrastructure even when the domain classifier finds its name harmless: delivering it
to someone outside the operation is exploitation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from mercwatch.link.context import LinkContext, fetch, keys_table
from mercwatch.link.graph import TieGraph
from mercwatch.model import Infrastructure

Group = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Scope:
    """What counts as one operation's activity.

    Attributes:
        long_standing: members created at least ``hijack_min_age_days`` before the
            operation's first activity (likely hijacked).
        keys: the operation's own IPs and devices.
        own_domains: link domains only the operation's accounts ever sent.
    """

    long_standing: frozenset[str] = field(default_factory=frozenset)
    keys: frozenset[str] = field(default_factory=frozenset)
    own_domains: frozenset[str] = field(default_factory=frozenset)

    def counts(self, actor: str, ip: str | None, device: str | None, shared: bool) -> bool:
        """Whether an act of ``actor`` (through ``ip``/``device``) is the operation's.

        ``shared``: the act's target was also approached by another member, or the
        act delivered the operation's own or flagged link.
        """
        if actor not in self.long_standing or shared:
            return True
        return (ip is not None and ip in self.keys) or (device is not None and device in self.keys)


def _naive(value: datetime) -> datetime:
    return value.replace(tzinfo=None) if value.tzinfo is not None else value


def _created(ctx: LinkContext, members: set[str]) -> dict[str, datetime]:
    acc = ctx.accounts
    keys = keys_table("account_id", members)
    rows = fetch(
        acc.semi_join(keys, acc.account_id == keys.account_id).select("account_id", "created_at")
    )
    return {
        row["account_id"]: _naive(row["created_at"])
        for row in rows
        if isinstance(row["created_at"], datetime)
    }


def operation_scopes(
    ctx: LinkContext,
    groups: Sequence[Group],
    infrastructures: Sequence[Infrastructure],
    graph: TieGraph,
    seen: Mapping[str, tuple[datetime, datetime]],
) -> list[Scope]:
    """One :class:`Scope` per group (same order)."""
    members = {a for group in groups for a in group}
    created = _created(ctx, members)
    age = timedelta(days=ctx.config.hijack_min_age_days)
    scopes = []
    for group, infra in zip(groups, infrastructures, strict=True):
        firsts = [_naive(seen[a][0]) for a in group if a in seen]
        start = min(firsts) if firsts else None
        old = frozenset(
            a for a in group if start is not None and a in created and created[a] <= start - age
        )
        inside = set(group)
        own = frozenset(d for d, who in graph.exclusive.items() if who <= inside)
        scopes.append(Scope(old, frozenset(infra.ips) | frozenset(infra.devices), own))
    return scopes


def undriven_members(
    ctx: LinkContext,
    groups: Sequence[Group],
    scopes: Sequence[Scope],
    delivered: set[str],
    own_scores: Mapping[str, float],
) -> set[str]:
    """Long-standing members the operation is never seen driving.

    A hijacked account is recognised by the operation's hands on it: it acts through
    the operation's addresses or devices, or delivers its flagged or own links. A
    long-standing account with none of that, and no strong evidence of its own, is a
    bystander the tie graph swept in (a shared busy address, common link domains),
    and is left out rather than checkpointed.

    Args:
        delivered: accounts that delivered a flagged link or one of their group's own
            domains.
        own_scores: each candidate's own evidence; at ``strong_threshold`` it stays.
    """
    group_of = {a: i for i, scope in enumerate(scopes) for a in scope.long_standing}
    loose = {
        a
        for a in group_of
        if a not in delivered and own_scores.get(a, 0.0) < ctx.config.strong_threshold
    }
    if not loose:
        return set()
    ev = ctx.events
    keys = keys_table("actor_id", loose)
    used = fetch(
        ev.semi_join(keys, ev.actor_id == keys.actor_id)
        .select("actor_id", "ip", "device_id")
        .distinct()
    )
    driven = {
        row["actor_id"]
        for row in used
        if row["ip"] in scopes[group_of[row["actor_id"]]].keys
        or row["device_id"] in scopes[group_of[row["actor_id"]]].keys
    }
    return loose - driven
