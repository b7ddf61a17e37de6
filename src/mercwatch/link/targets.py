"""Who each operation targeted, and how far it got against each of them.

The furthest phase per target drives notifications (notify warns each person once, at
that level), so the rules are explicit data: looking at a profile or finding it by an
exact name search is reconnaissance; friending, messaging, posting on or sending a link
to someone is engagement; delivering a link on a flagged domain or URL is exploitation.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis

from mercwatch.link.candidates import target_events
from mercwatch.link.context import LinkContext, fetch, keys_table
from mercwatch.model import Phase
from mercwatch.store.exprs import trim

Group = tuple[str, ...]


def _raise(levels: dict[str, Phase], target: str, phase: Phase) -> None:
    current = levels.get(target)
    if current is None or phase.rank > current.rank:
        levels[target] = phase


def _search_hits(ctx: LinkContext, members: ibis.Table) -> list[dict]:
    """(actor_id, target_id) where an exact-name search names few enough accounts."""
    limit = ctx.config.search_max_hits
    if limit <= 0:
        return []
    acc = ctx.accounts.filter(ctx.accounts.display_name.notnull())
    names = acc.select("account_id", name=trim(acc.display_name).lower())
    names = names.filter(names.name != "")
    counts = names.group_by("name").agg(n=names.account_id.count())
    unique = names.join(counts.filter(counts.n <= limit), "name")
    ev = ctx.events
    searches = ev.filter((ev.type == "search") & ev.text.notnull())
    searches = searches.semi_join(members, searches.actor_id == members.actor_id)
    asked = searches.select("actor_id", name=trim(searches.text).lower()).distinct()
    hits = asked.join(unique, "name")
    return fetch(hits.select("actor_id", target_id=hits.account_id).distinct())


def target_levels(
    ctx: LinkContext, groups: Sequence[Group], malicious: ibis.Table
) -> list[dict[str, Phase]]:
    """Per group (same order): target -> furthest phase reached."""
    return target_levels_and_phases(ctx, groups, malicious)[0]


def target_levels_and_phases(
    ctx: LinkContext, groups: Sequence[Group], malicious: ibis.Table
) -> tuple[list[dict[str, Phase]], list[set[Phase]]]:
    """Per group (same order): target -> furthest phase reached, and every phase the
    group acted in against anyone (viewing, approaching, delivering a link).

    Accounts of the operation itself are never its targets (personas friend each
    other to look real).
    """
    owner = {account: i for i, group in enumerate(groups) for account in group}
    members = keys_table("actor_id", owner)
    phase_of = ctx.config.target_event_phases
    te = target_events(ctx)
    acted = te.semi_join(members, te.actor_id == members.actor_id)
    acted = acted.select("actor_id", "target_id", "type").distinct()
    exploited = malicious.filter(malicious.target_id.notnull())
    exploited = exploited.semi_join(members, exploited.actor_id == members.actor_id)
    exploited = exploited.select("actor_id", "target_id").distinct()

    levels: list[dict[str, Phase]] = [{} for _ in groups]
    reached: list[set[Phase]] = [set() for _ in groups]

    def record(actor: str, target: str, phase: Phase) -> None:
        index = owner[actor]
        if target not in groups[index]:
            _raise(levels[index], target, phase)
            reached[index].add(phase)

    for row in fetch(acted):
        record(row["actor_id"], row["target_id"], phase_of[row["type"]])
    for row in _search_hits(ctx, members):
        record(row["actor_id"], row["target_id"], Phase.RECONNAISSANCE)
    for row in fetch(exploited):
        record(row["actor_id"], row["target_id"], Phase.EXPLOITATION)
    return levels, reached
