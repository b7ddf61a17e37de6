"""``build_operations``: detector signals + engine tables + intel -> Operations.

The steps, each in its own module: read signals (:mod:`.signals`), pick candidate
accounts (:mod:`.candidates`), weigh their ties (:mod:`.graph`, :mod:`.similarity`),
cut the graph (:mod:`.cluster`), then describe each operation: targets and levels
(:mod:`.targets`), infrastructure (:mod:`.infrastructure`), attribution
(:mod:`.attribution`), confidence and evidence (:mod:`.scoring`).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import ibis
import pandas as pd
import pyarrow as pa

from mercwatch.link.attribution import attribute
from mercwatch.link.calibration import shipped
from mercwatch.link.candidates import Candidate, find_candidates, malicious_links
from mercwatch.link.cluster import crews, cut_operations, keep_group
from mercwatch.link.config import LinkConfig
from mercwatch.link.context import LinkContext, fetch, keys_table, open_context
from mercwatch.link.crew_devices import (
    REASON_CREW_DEVICE,
    crew_device_users,
    member_device_users,
    with_crew_device_users,
)
from mercwatch.link.crew_logins import REASON_CREW_LOGIN, crew_login_accounts
from mercwatch.link.engine_cut import cut_operations_on_engine
from mercwatch.link.graph import Memberships, TieGraph, build_graph, collect_memberships
from mercwatch.link.hosts import with_link_events
from mercwatch.link.infrastructure import fetch_deliveries, op_infrastructure, tie_kinds
from mercwatch.link.intel import ActorSource, IntelIndex, as_intel_index
from mercwatch.link.lone_rigs import with_lone_rigs
from mercwatch.link.lure_mates import lure_mates, with_lure_mates
from mercwatch.link.membership import judge_members
from mercwatch.link.own_exits import with_own_exits
from mercwatch.link.persona_crews import crew_rigs, persona_crews, with_crew_members
from mercwatch.link.ring_crews import rings_of_crews
from mercwatch.link.scope import Scope, operation_scopes, undriven_members
from mercwatch.link.scoring import confidence, phases_reached, select_evidence
from mercwatch.link.shared_infrastructure import (
    LURE_MIN_FLAG,
    lure_rings,
    merge_rings,
    with_ring_senders,
)
from mercwatch.link.signals import (
    Flags,
    account_evidence,
    account_scores,
    aimed_recon_scores,
    approach_scores,
    load_flags,
    phase_scores,
)
from mercwatch.link.standing import established_accounts, settled_accounts, social_standing
from mercwatch.link.targets import exploited_deliveries, target_levels_and_phases
from mercwatch.link.watch_crews import watch_crews, with_watch_crews
from mercwatch.link.watchers import rigs, with_watched
from mercwatch.model import Evidence, Infrastructure, Operation, Phase

Group = tuple[str, ...]
MALICIOUS_TABLE = "_mw_link_malicious"


def operation_id(accounts: Iterable[str]) -> str:
    """``op-`` + 12 hex digits of SHA-256 over the sorted account ids.

    The same accounts always give the same id, so a rerun on the same input names
    its operations exactly as before (enforcement and notifications key on it).
    """
    digest = hashlib.sha256("\n".join(sorted(accounts)).encode("utf-8")).hexdigest()
    return f"op-{digest[:12]}"


@dataclass(frozen=True, slots=True)
class _Material:
    """Everything fetched once for all operations, used to describe each one."""

    candidates: Mapping[str, Candidate]
    found: Memberships
    graph: TieGraph
    flags: Flags
    deliveries: dict[str, list[dict]]
    evidence: dict[str, list[Evidence]]
    seen: dict[str, tuple[datetime, datetime]]
    crew_members: frozenset[str] = frozenset()
    watch_members: frozenset[str] = frozenset()
    uncorroborated: frozenset[str] = frozenset()


def build_operations(
    con: ibis.BaseBackend,
    signals: ibis.Table | pa.Table | pd.DataFrame,
    intel: IntelIndex | Mapping[str, ActorSource] | None = None,
    config: LinkConfig | None = None,
) -> list[Operation]:
    """Find the operations behind the signals.

    Args:
        con: engine holding the ``accounts`` and ``events`` tables (DuckDB, Spark ...).
        signals: detector signals (columns detector, phase, subject_type, subject,
            score, detail), as an engine table or in memory.
        intel: imported indicators, as an :class:`IntelIndex` or a plain mapping
            ``value -> (actor, source)``.
        config: thresholds; defaults to :class:`LinkConfig`.

    Returns:
        Operations sorted by decreasing confidence, then id. Deterministic: the same
        input gives the same operations, ids included.

    Raises:
        InputError: a required table or signal column is missing.
        EngineError: the engine failed.
    """
    ctx = open_context(con, signals, as_intel_index(intel), config or LinkConfig())
    ctx = with_link_events(ctx, con)  # read by ten steps: filtered and parsed once
    flags = load_flags(ctx)
    # Read by five steps (candidates, deliveries, targets, bystanders): matched once.
    malicious = con.create_table(MALICIOUS_TABLE, malicious_links(ctx, flags), overwrite=True)
    scores, approach = account_scores(ctx), approach_scores(ctx)
    candidates = find_candidates(
        ctx, scores, flags, malicious, approach, phase_scores(ctx), aimed_recon_scores(ctx)
    )
    # Personas tied only by the lure domain they deliver (shared_infrastructure.py).
    rings = lure_rings(ctx, con, lambda who: established_accounts(con, ctx, who))
    candidates = with_ring_senders(candidates, rings, ctx.config.delivered_link_weight)
    # One-message personas writing to the people a signed-out rig watched (persona_crews.py).
    watched = rigs(ctx)
    crews = persona_crews(ctx, watched, lambda who: settled_accounts(con, ctx, who))
    candidates = with_crew_members(candidates, crews)
    # Personas each too thin to be a candidate, watching as a crew (watch_crews.py).
    watching = watch_crews(ctx, candidates, lambda who: settled_accounts(con, ctx, who))
    candidates = with_watch_crews(candidates, watching, ctx.config.strong_threshold)
    # Silent personas on the crew's own devices (crew_devices.py).
    silent = crew_device_users(ctx, candidates, lambda who: established_accounts(con, ctx, who))
    candidates = with_crew_device_users(candidates, silent, scores[1], approach)
    if not candidates:
        return _finish(ctx, [], watched, flags)
    standing = social_standing(con, ctx, candidates)
    candidates = {
        a: dataclasses.replace(
            c, established=a in standing.established, rooted=a in standing.rooted
        )
        for a, c in candidates.items()
    }
    found = collect_memberships(ctx, set(candidates))
    graph = build_graph(ctx, candidates, found)
    if con.name == "pyspark":  # components on the cluster, communities per batch of them
        cut = cut_operations_on_engine(con, graph, candidates, ctx.config)
    else:
        cut = cut_operations(graph, candidates, ctx.config)
    # A lure ring whose recipients only a crew's rig watched joins that crew (ring_crews.py).
    owned = rings_of_crews(ctx, rings, crews, watched)
    groups = merge_rings(cut, [*rings, *crews, *owned, *watching])
    # Each member judged on its own: growth only through control ties (membership.py).
    constructs = frozenset(
        [a for ring in rings for a in ring.senders]
        + [a for crew in crews for a in crew.senders]
        + [a for crew in watching for a in crew.senders]
    )
    judged = judge_members(groups, candidates, graph, ctx.config, constructs)
    groups = [
        g
        for g in judged.groups
        if keep_group(g, candidates, ctx.config, graph) or constructs.intersection(g)
    ]
    if not groups:
        return _finish(ctx, [], watched, flags)
    # One-message personas handing out a group's own lure host (lure_mates.py).
    mates = lure_mates(ctx, groups, malicious, lambda who: settled_accounts(con, ctx, who))
    groups, candidates = with_lure_mates(groups, candidates, mates, _mate_score(ctx))
    # Spare personas on the phones of an operation's members (crew_devices.py).
    spares = member_device_users(ctx, groups, lambda who: settled_accounts(con, ctx, who))
    groups, candidates = with_lure_mates(groups, candidates, spares, 0.0, REASON_CREW_DEVICE)
    # Long-standing accounts used from the crew's own device and line (crew_logins.py).
    held = crew_login_accounts(ctx, groups, lambda who: settled_accounts(con, ctx, who))
    groups, candidates = with_lure_mates(groups, candidates, held, 0.0, REASON_CREW_LOGIN)
    members = {account for group in groups for account in group}
    material = _Material(
        candidates=candidates,
        found=found,
        graph=graph,
        flags=flags,
        deliveries=fetch_deliveries(malicious, members),
        evidence=account_evidence(ctx, members),
        seen=_seen(ctx, members),
        crew_members=frozenset(crew_rigs(crews)),
        watch_members=frozenset(a for crew in watching for a in crew.senders),
        uncorroborated=judged.uncorroborated,
    )
    infrastructures = [
        op_infrastructure(group, found, graph, flags, material.deliveries, ctx.config)
        for group in groups
    ]
    scopes = operation_scopes(ctx, groups, infrastructures, graph, material.seen)
    groups, infrastructures, scopes = _without_bystanders(
        ctx, groups, infrastructures, scopes, material, malicious
    )
    if not groups:
        return _finish(ctx, [], watched, flags)
    levels, acted = target_levels_and_phases(ctx, groups, malicious, scopes)
    # signed-out rigs' people (watchers.py)
    levels = with_watched(ctx, levels, groups, watched, crew_rigs(crews))
    # people viewed signed out from a group's own personas' addresses (own_exits.py)
    levels = with_own_exits(ctx, levels, groups, candidates)
    operations = [
        _describe(ctx, group, level, phases, infra, scope, material)
        for group, level, phases, infra, scope in zip(
            groups, levels, acted, infrastructures, scopes, strict=True
        )
    ]
    return _finish(ctx, operations, watched, flags)


def _finish(
    ctx: LinkContext,
    operations: list[Operation],
    watched: Mapping[str, tuple[set[str], set[str]]],
    flags: Flags,
) -> list[Operation]:
    """The operations plus what lone signed-out rigs add (lone_rigs.py), sorted."""
    cfg = ctx.config
    calibrate = shipped() if cfg.calibrated else float
    operations = with_lone_rigs(
        ctx, operations, watched, flags, calibrate, cfg.evidence_per_detector
    )
    return sorted(operations, key=lambda op: (-op.confidence, op.operation_id))


def _without_bystanders(
    ctx: LinkContext,
    groups: Sequence[tuple[str, ...]],
    infrastructures: list[Infrastructure],
    scopes: list[Scope],
    material: _Material,
    malicious: ibis.Table,
) -> tuple[list[tuple[str, ...]], list[Infrastructure], list[Scope]]:
    """Groups minus long-standing members the operation never drove (see
    :func:`~.scope.undriven_members`); groups left too weak are dropped. A persona
    crew's member is driven by construction (its one message went to a person the
    crew's rig watched), like an account that delivered the operation's link, and a
    group holding crew members stands on the crew's corroboration (persona_crews.py)."""
    owner = {a: i for i, group in enumerate(groups) for a in group}
    delivered = {
        row["actor_id"]
        for row in exploited_deliveries(
            ctx, malicious, keys_table("actor_id", owner), scopes, owner
        )
    } | material.crew_members
    own = {a: c.own_score for a, c in material.candidates.items()}
    gone = undriven_members(ctx, groups, scopes, delivered, own)
    if not gone:
        return list(groups), infrastructures, scopes
    pairs = [
        (tuple(a for a in group if a not in gone), scope)
        for group, scope in zip(groups, scopes, strict=True)
    ]
    pairs = [
        (g, s)
        for g, s in pairs
        if g
        and (
            keep_group(g, material.candidates, ctx.config, material.graph)
            or bool(material.crew_members.intersection(g))
            or bool(material.watch_members.intersection(g))
        )
    ]
    kept = [g for g, _ in pairs]
    infrastructures = [
        op_infrastructure(
            g, material.found, material.graph, material.flags, material.deliveries, ctx.config
        )
        for g in kept
    ]
    fresh = operation_scopes(ctx, kept, infrastructures, material.graph, material.seen)
    # Long-standing is judged against the operation as first found: dropping a
    # bystander must not turn another member's everyday life into operation activity.
    scopes = [
        dataclasses.replace(new, long_standing=new.long_standing | (old.long_standing & set(g)))
        for (g, old), new in zip(pairs, fresh, strict=True)
    ]
    return kept, infrastructures, scopes


def _mate_score(ctx: LinkContext) -> float:
    return ctx.config.delivered_link_weight * LURE_MIN_FLAG


def _seen(ctx: LinkContext, members: set[str]) -> dict[str, tuple[datetime, datetime]]:
    ev = ctx.events
    keys = keys_table("actor_id", members)
    mine = ev.semi_join(keys, ev.actor_id == keys.actor_id)
    rows = fetch(mine.group_by("actor_id").agg(first=mine.ts.min(), last=mine.ts.max()))
    return {row["actor_id"]: (row["first"], row["last"]) for row in rows}


def _infra_evidence(flags: Flags, infrastructure) -> list[Evidence]:
    keys = [
        *(("domain", v) for v in infrastructure.domains),
        *(("url", v) for v in infrastructure.urls),
        *(("ip", v) for v in infrastructure.ips),
        *(("device", v) for v in infrastructure.devices),
    ]
    return [item for key in keys for item in flags.evidence.get(key, ())]


def _describe(
    ctx: LinkContext,
    group: Group,
    levels: dict[str, Phase],
    acted: set[Phase],
    infrastructure: Infrastructure,
    scope: Scope,
    material: _Material,
) -> Operation:
    cfg = ctx.config
    if scope.own_domains:
        domains = tuple(sorted(set(infrastructure.domains) | scope.own_domains))
        infrastructure = dataclasses.replace(infrastructure, domains=domains)
    infra_evidence = _infra_evidence(material.flags, infrastructure)
    evidence = [item for a in group for item in material.evidence.get(a, ())] + infra_evidence
    delivered = any(material.deliveries.get(a) for a in group)
    phases = phases_reached(evidence, levels, delivered, acted=acted, infra_evidence=infra_evidence)
    attribution = attribute(infrastructure, ctx.intel)
    kinds = tie_kinds(group, material.graph, cfg.min_edge_weight)
    first, last = _span(group, material.seen)
    parts = crews(group, material.graph, cfg)
    raw = confidence(group, material.candidates, len(kinds), len(phases), attribution is not None)
    return Operation(
        operation_id=operation_id(group),
        confidence=shipped()(raw) if cfg.calibrated else raw,
        raw_confidence=raw,
        phases=phases,
        accounts=tuple(sorted(group)),
        targets=tuple(sorted(levels)),
        infrastructure=infrastructure,
        first_seen=first,
        last_seen=last,
        attribution=attribution,
        evidence=select_evidence(evidence, cfg.evidence_per_detector),
        target_levels=tuple(sorted(levels.items())),
        groups=tuple(parts) if len(parts) > 1 else (),
        uncorroborated_accounts=tuple(sorted(material.uncorroborated.intersection(group))),
    )


def _span(
    group: Sequence[str], seen: Mapping[str, tuple[datetime, datetime]]
) -> tuple[datetime | None, datetime | None]:
    spans = [seen[a] for a in group if a in seen]
    if not spans:
        return None, None
    return min(s[0] for s in spans), max(s[1] for s in spans)
