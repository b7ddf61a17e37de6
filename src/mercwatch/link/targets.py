"""Who each operation targeted, and how far it got against each of them.

The furthest phase per target drives notifications (notify warns each person once, at
that level), so the rules are explicit data: looking at a profile, or finding an account
the platform marks at risk by an exact name search, is reconnaissance; friending,
messaging, posting on or sending a link to someone is engagement; delivering a link on
a flagged domain or URL, or on a domain only the operation ever sent (:mod:`.scope`), is
exploitation.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis

from mercwatch.link.candidates import target_events
from mercwatch.link.context import LinkContext, fetch, keys_table
from mercwatch.link.hosts import link_events, match_domains
from mercwatch.link.scope import Scope
from mercwatch.link.shared_infrastructure import at_risk_accounts
from mercwatch.model import Phase
from mercwatch.store.exprs import trim

Group = tuple[str, ...]


def _raise(levels: dict[str, Phase], target: str, phase: Phase) -> None:
    current = levels.get(target)
    if current is None or phase.rank > current.rank:
        levels[target] = phase


def _search_hits(ctx: LinkContext, members: ibis.Table) -> list[dict]:
    """(actor_id, target_id) where an exact-name search names few enough accounts, one
    of them marked at risk.

    A search names a *name*, not a person. Some people show no display name (8 % of
    accounts on the project's simulator), so the one account showing a searched name
    can be a stranger who shares it: on sim tuning seed 9883 (10k users) a persona
    searched its primary target's name, the target shows none, and the only account
    showing it, an ordinary user nobody in the operation touched, was warned. So a
    search alone reaches an account only when the platform marks it at risk (whom
    such searches are for); anyone else is a target through what the operation did
    to them (viewing, messaging ...), counted by the other rules.
    """
    limit = ctx.config.search_max_hits
    if limit <= 0:
        return []
    acc = ctx.accounts.filter(ctx.accounts.display_name.notnull())
    names = acc.select("account_id", name=trim(acc.display_name).lower())
    names = names.filter(names.name != "")
    counts = names.group_by("name").agg(n=names.account_id.count())
    unique = names.join(counts.filter(counts.n <= limit), "name")
    risky = at_risk_accounts(ctx)
    unique = unique.semi_join(risky, unique.account_id == risky.risk_id)
    ev = ctx.events
    searches = ev.filter((ev.type == "search") & ev.text.notnull())
    searches = searches.semi_join(members, searches.actor_id == members.actor_id)
    asked = searches.select(
        "actor_id", "ip", "device_id", name=trim(searches.text).lower()
    ).distinct()
    hits = asked.join(unique, "name")
    return fetch(hits.select("actor_id", "ip", "device_id", target_id=hits.account_id).distinct())


def target_levels(
    ctx: LinkContext, groups: Sequence[Group], malicious: ibis.Table
) -> list[dict[str, Phase]]:
    """Per group (same order): target -> furthest phase reached."""
    return target_levels_and_phases(ctx, groups, malicious)[0]


def target_levels_and_phases(
    ctx: LinkContext,
    groups: Sequence[Group],
    malicious: ibis.Table,
    scopes: Sequence[Scope] | None = None,
) -> tuple[list[dict[str, Phase]], list[set[Phase]]]:
    """Per group (same order): target -> furthest phase reached, and every phase the
    group acted in against anyone (viewing, approaching, delivering a link).

    Accounts of the operation itself are never its targets (personas friend each
    other to look real). With ``scopes``, a hijacked member's acts count only as
    :meth:`Scope.counts` allows (a delivered flagged link or own domain always
    counts: the link is the operation's), and delivering one of the group's own
    domains to someone is exploitation.
    """
    scopes = list(scopes) if scopes is not None else [Scope() for _ in groups]
    owner = {account: i for i, group in enumerate(groups) for account in group}
    members = keys_table("actor_id", owner)
    phase_of = ctx.config.target_event_phases
    te = target_events(ctx)
    acted = te.semi_join(members, te.actor_id == members.actor_id)
    acted = fetch(acted.select("actor_id", "target_id", "type", "ip", "device_id").distinct())
    approached = _approached_by(acted, owner)

    levels: list[dict[str, Phase]] = [{} for _ in groups]
    reached: list[set[Phase]] = [set() for _ in groups]

    def record(row: dict, phase: Phase, own_infrastructure: bool = False) -> None:
        actor, target = row["actor_id"], row["target_id"]
        index = owner[actor]
        if target in groups[index]:
            return
        shared = own_infrastructure or bool(approached[index].get(target, set()) - {actor})
        if scopes[index].counts(actor, row.get("ip"), row.get("device_id"), shared):
            _raise(levels[index], target, phase)
            reached[index].add(phase)

    for row in acted:
        record(row, phase_of[row["type"]])
    for row in _search_hits(ctx, members):
        record(row, Phase.RECONNAISSANCE)
    for row in exploited_deliveries(ctx, malicious, members, scopes, owner):
        # the link itself is the operation's infrastructure, whichever phone sent it
        record(row, Phase.EXPLOITATION, own_infrastructure=True)
    return levels, reached


def _approached_by(acted: list[dict], owner: dict[str, int]) -> list[dict[str, set[str]]]:
    """Per group: target -> members that acted on it."""
    found: list[dict[str, set[str]]] = [{} for _ in range(max(owner.values(), default=-1) + 1)]
    for row in acted:
        found[owner[row["actor_id"]]].setdefault(row["target_id"], set()).add(row["actor_id"])
    return found


def exploited_deliveries(
    ctx: LinkContext,
    malicious: ibis.Table,
    members: ibis.Table,
    scopes: Sequence[Scope],
    owner: dict[str, int],
) -> list[dict]:
    """Deliveries of flagged links, and of each group's own domains, to someone."""
    columns = ("actor_id", "target_id", "ip", "device_id")
    flagged = malicious.filter(malicious.target_id.notnull())
    flagged = flagged.semi_join(members, flagged.actor_id == members.actor_id)
    rows = fetch(flagged.select(*columns).distinct())
    own = {domain for scope in scopes for domain in scope.own_domains}
    if not own:
        return rows
    links = link_events(ctx).filter(lambda t: t.target_id.notnull())
    links = links.semi_join(members, links.actor_id == members.actor_id)
    hits = fetch(match_domains(links, own).select(*columns, "domain").distinct())
    return rows + [
        {k: row[k] for k in columns}
        for row in hits
        if row["domain"] in scopes[owner[row["actor_id"]]].own_domains
    ]
