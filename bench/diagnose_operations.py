"""Why each false or split operation was made, on a TUNING seed (issue 11, third round).

For one generated platform (simulated into ``--work`` if missing; evaluation seeds of
:mod:`mercwatch.evalsets` are refused, they are for measuring only) this runs the
detectors (signals cached as Parquet beside the export) and the link stage, and prints

* every **false operation** (no account of a true operation) with the benign class of
  each member (``truth.json`` ``benign_groups``), the group's corroboration (evidence
  families, strong ties, community) and each member's standing and own evidence;
* every **fragmented** true operation (reported as several records): its records and
  the ties that join members of different records;
* every record holding accounts of two or more true operations (**merged**): how each
  operation's accounts were taken in, the crews and rings spanning both, and the ties
  between accounts of different operations;
* with ``--missed``, every true operation account no record reports: whether it was a
  candidate (reasons, families, standing), its graph ties (to reported members or not),
  and its activity (event types, devices and addresses with their other users, link
  domains), so a recall gap can be traced to the rule that should have taken it in;
  then, per missed true operation, **where it was lost**: the groups its candidates
  formed in the graph cut (components, Leiden, crews), what pruning kept, and for each
  group the verdict of ``keep_group`` with its parts (corroboration, the best own
  score against ``strong_threshold``, a persona ring, a watch ring), so "corroborated but too weak"
  is told apart from "not corroborated" and from "no candidate at all";
* with ``--warned``, every person a record names as a target whom no true operation
  targeted (what the members did to them, and any member's exact-name search naming
  them: a namesake is warned that way), and per true operation the targets nobody warns
  (its own accounts' acts on them, their signed-out views), so a warning-precision or
  target-recall failure is traced like an account one.

Records with no account (lone signed-out rigs, :mod:`mercwatch.link.lone_rigs`) are
listed as RIG with the true operations whose targets they hold, not as false.

    python bench/diagnose_operations.py --generator altsim --seed 52001 --work /tmp/diag
    python bench/diagnose_operations.py --generator altsim --variant crowds-as-scripts \\
        --seed 3 --users 10000 --work /tmp/diag --all

Diagnosis only: it changes nothing and is not a test.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from mercwatch.altsim import AltSimConfig, Variant, simulate_alt
from mercwatch.detectors import DetectionContext, run_detectors
from mercwatch.detectors.registry import all_detectors
from mercwatch.evalsets import is_tuning_seed
from mercwatch.ingest.loader import ingest_export
from mercwatch.link.build import build_operations
from mercwatch.link.candidates import Candidate, find_candidates, malicious_links
from mercwatch.link.cluster import keep_group, persona_ring, prune_group, split_groups
from mercwatch.link.config import LinkConfig
from mercwatch.link.context import open_context
from mercwatch.link.corroboration import corroboration
from mercwatch.link.crew_devices import crew_device_users, with_crew_device_users
from mercwatch.link.graph import TieGraph, build_graph, collect_memberships
from mercwatch.link.intel import as_intel_index
from mercwatch.link.membership import judge_members
from mercwatch.link.persona_crews import PersonaCrew, persona_crews, with_crew_members
from mercwatch.link.shared_infrastructure import (
    LureRing,
    lure_rings,
    merge_rings,
    with_ring_senders,
)
from mercwatch.link.signals import (
    account_scores,
    aimed_recon_scores,
    approach_scores,
    load_flags,
    phase_scores,
)
from mercwatch.link.similarity import pair
from mercwatch.link.standing import established_accounts, settled_accounts, social_standing
from mercwatch.link.watch_rings import watch_ring
from mercwatch.link.watchers import rigs
from mercwatch.model import Operation
from mercwatch.sim import SimConfig, simulate
from mercwatch.store.engine import connect


def prepare(generator: str, variant: str, seed: int, users: int, work: Path) -> Path:
    if not is_tuning_seed(generator, seed):
        raise SystemExit(f"{generator} seed {seed} is an evaluation seed: refusing to look at it")
    base = work / f"{generator}-{variant}-s{seed}-u{users}"
    export = base / "export"
    if not (export / "truth.json").exists():
        if generator == "sim":
            simulate(SimConfig(users=users, seed=seed), export)
        else:
            simulate_alt(AltSimConfig(users=users, seed=seed, variant=Variant(variant)), export)
    return base


def signals_of(con: Any, base: Path) -> pa.Table:
    cached = base / "signals.parquet"
    if cached.exists():
        return pq.read_table(cached)
    signals = run_detectors(DetectionContext(con), all_detectors()).signals
    pq.write_table(signals, cached)
    return signals


@dataclasses.dataclass
class LinkState:
    candidates: Mapping[str, Candidate]
    graph: TieGraph
    config: LinkConfig
    rings: list[LureRing] = dataclasses.field(default_factory=list)
    crews: list[PersonaCrew] = dataclasses.field(default_factory=list)


def link_state(con: Any, signals: pa.Table, config: LinkConfig) -> LinkState:
    """The link stage's candidates and tie graph, computed as ``build_operations`` does."""
    ctx = open_context(con, signals, as_intel_index(None), config)
    flags = load_flags(ctx)
    malicious = malicious_links(ctx, flags)
    candidates = find_candidates(
        ctx,
        account_scores(ctx),
        flags,
        malicious,
        approach_scores(ctx),
        phase_scores(ctx),
        aimed_recon_scores(ctx),
    )
    # the members build_operations adds beyond the detectors' candidates
    rings = lure_rings(ctx, con, lambda who: established_accounts(con, ctx, who))
    candidates = with_ring_senders(candidates, rings, config.delivered_link_weight)
    crews = persona_crews(ctx, rigs(ctx), lambda who: settled_accounts(con, ctx, who))
    candidates = with_crew_members(candidates, crews)
    silent = crew_device_users(ctx, candidates, lambda who: established_accounts(con, ctx, who))
    candidates = with_crew_device_users(candidates, silent, account_scores(ctx)[1], {})
    standing = social_standing(con, ctx, candidates)
    candidates = {
        a: dataclasses.replace(
            c, established=a in standing.established, rooted=a in standing.rooted
        )
        for a, c in candidates.items()
    }
    graph = build_graph(ctx, candidates, collect_memberships(ctx, set(candidates)))
    return LinkState(candidates, graph, config, rings, crews)


def member_class(truth: dict[str, Any]) -> dict[str, str]:
    who: dict[str, str] = {}
    for group in truth.get("benign_groups", []):
        for a in group["accounts"]:
            who.setdefault(a, group["class"])
    for op in truth["operations"]:
        for a in op["accounts"]:
            who[a] = f"OP:{op['operation_id']}"
    return who


def describe(op: Operation, state: LinkState, who: dict[str, str], evidence: bool) -> None:
    cands = state.candidates
    group = tuple(op.accounts)
    # lure mates and spare personas join after the cut: not candidates of link_state
    corr = corroboration(tuple(a for a in group if a in cands), cands, state.config, state.graph)
    classes = Counter(who.get(a, "-") for a in group)
    print(
        f"  {op.operation_id} conf {op.confidence:.2f} raw {op.raw_confidence:.2f} "
        f"accounts {len(group)} targets {len(op.targets)} phases {','.join(op.phases)}"
    )
    print(f"    classes: {dict(classes.most_common())}")
    print(
        f"    corroboration: families={corr.families} strong={corr.strong_ties} "
        f"community={corr.community} malicious={corr.delivered_malicious}"
    )
    kinds: Counter[str] = Counter()
    for i, a in enumerate(group):
        for b in group[i + 1 :]:
            for kind, w in state.graph.ties.get(pair(a, b), {}).items():
                if w >= state.config.min_edge_weight:
                    kinds[kind] += 1
    print(f"    ties inside: {dict(kinds.most_common())}; groups {len(op.groups) or 1}")
    if not evidence:
        return
    detectors: dict[str, list[str]] = {}
    for item in op.evidence:
        detectors.setdefault(item.subject, []).append(f"{item.detector}={item.score:.2f}")
    for a in group:
        c = cands.get(a)
        if c is None:
            continue
        fams = ",".join(f"{f[:5]}={s:.2f}" for f, s in c.families)
        print(
            f"      {a:>12} {who.get(a, '-'):<20} est={int(c.established)}{int(c.rooted)} "
            f"own={c.own_score:.2f} fam[{fams}] why={','.join(c.reasons)} "
            f"{' '.join(detectors.get(a, [])[:4])}"
        )


def _rig_label(op: Operation, truth: dict[str, Any]) -> str:
    """An account-less record's label as ``mercwatch.evaluate`` gives it: the true
    operation that targeted most of its people, when that is more than half of them."""
    people = set(op.targets)
    counts = Counter(
        t["operation_id"] for t in truth["operations"] for p in people & set(t["targets"])
    )
    if not counts:
        return "-"
    label = min(counts, key=lambda k: (-counts[k], k))
    return f"OP:{label}" if counts[label] * 2 > len(people) else "-"


def _by_label(
    ops: list[Operation], who: dict[str, str], truth: dict[str, Any]
) -> dict[str, list[Operation]]:
    """True operation -> the records labelled with it."""
    by_label: dict[str, list[Operation]] = {}
    for op in ops:
        if not op.accounts:
            label = _rig_label(op, truth)
            if label.startswith("OP:"):
                by_label.setdefault(label, []).append(op)
            continue
        label = Counter(who.get(a, "-") for a in op.accounts).most_common(1)[0][0]
        if label.startswith("OP:"):
            by_label.setdefault(label, []).append(op)
    return by_label


def fragments(
    ops: list[Operation],
    state: LinkState,
    who: dict[str, str],
    evidence: bool,
    truth: dict[str, Any],
) -> None:
    """Every true operation reported as several records. A lone rig's record (no
    account) counts as ``mercwatch.evaluate`` counts it, by the people it names, since
    it is a second record of an operation as much as an account record is."""
    by_label = _by_label(ops, who, truth)
    for label, records in sorted(by_label.items()):
        if len(records) < 2:
            continue
        print(f"\nFRAGMENTED {label}: {len(records)} records")
        owner = {a: i for i, op in enumerate(records) for a in op.accounts}
        cross: Counter[tuple[int, int, str]] = Counter()
        for (a, b), kinds in state.graph.ties.items():
            ia, ib = owner.get(a), owner.get(b)
            if ia is None or ib is None or ia == ib:
                continue
            for kind in kinds:
                cross[(min(ia, ib), max(ia, ib), kind)] += 1
        for op in records:
            if not op.accounts:
                print(
                    f"  {op.operation_id} RIG (no account) conf {op.confidence:.2f} "
                    f"targets {len(op.targets)} devices {list(op.infrastructure.devices)}"
                )
                continue
            describe(op, state, who, evidence)
        targets = [set(op.targets) for op in records]
        for i in range(len(records)):
            for j in range(i + 1, len(records)):
                ties = {k: n for (x, y, k), n in cross.items() if (x, y) == (i, j)}
                print(
                    f"    records {i}-{j}: shared targets {len(targets[i] & targets[j])}, "
                    f"cross ties {ties}"
                )
                _merge_check(records[i], records[j], state)


def _merge_check(one: Operation, two: Operation, state: LinkState) -> None:
    """What ``cluster.merge_controlled`` would need to make two records one: a
    ``merge_ties`` tie at ``min_edge_weight``, a link domain only candidates send, or
    an address only personas use (``exclusive_addresses``) together with kin (a
    ``template`` or ``cotarget`` tie at ``min_edge_weight`` between the two)."""
    a, b = set(one.accounts), set(two.accounts)
    cfg, graph = state.config, state.graph
    personas = {x for x, c in state.candidates.items() if not c.established}
    strong: Counter[str] = Counter()
    kin: Counter[str] = Counter()
    for (x, y), kinds in graph.ties.items():
        if not ((x in a and y in b) or (x in b and y in a)):
            continue
        for kind, w in kinds.items():
            if w >= cfg.min_edge_weight and kind in cfg.merge_ties:
                strong[kind] += 1
            if w >= cfg.min_edge_weight and kind in ("template", "cotarget"):
                kin[kind] += 1
    domains = [d for d, who in graph.exclusive.items() if who & a and who & b]
    shared = [
        f"{key[-16:]}({len(who)} users, {'all' if who <= personas else 'not all'} personas)"
        for key, who in sorted(graph.exclusive_addresses.items())
        if who & a and who & b
    ]
    print(
        f"      merge check: merge_ties {dict(strong)}; exclusive domains {domains}; "
        f"persona-only addresses {shared}; kin (template/cotarget) {dict(kin)}"
    )


def merged(ops: list[Operation], state: LinkState, who: dict[str, str]) -> None:
    """Every record holding accounts of two or more true operations: how each
    operation's accounts were taken in, the persona crews and lure rings that span
    them, and the graph ties between accounts of different true operations."""
    for op in ops:
        by_op: dict[str, list[str]] = {}
        for a in op.accounts:
            if who.get(a, "-").startswith("OP:"):
                by_op.setdefault(who[a], []).append(a)
        if len(by_op) < 2:
            continue
        print(f"\nMERGED {op.operation_id}: { ({k: len(v) for k, v in sorted(by_op.items())}) }")
        for k, accounts in sorted(by_op.items()):
            why: Counter[str] = Counter()
            for a in accounts:
                c = state.candidates.get(a)
                why[",".join(c.reasons) if c else "(joined after the cut)"] += 1
            print(f"    {k} taken in by: {dict(why.most_common())}")
        _spanning(state, who, set(by_op))
        label = {a: k for k, v in by_op.items() for a in v}
        cross: Counter[tuple[str, str, str]] = Counter()
        for (a, b), kinds in state.graph.ties.items():
            la, lb = label.get(a), label.get(b)
            if la is None or lb is None or la == lb:
                continue
            for kind, w in kinds.items():
                if w >= state.config.min_edge_weight:
                    cross[(min(la, lb), max(la, lb), kind)] += 1
        print(f"    cross-operation ties: {dict(cross.most_common())}")


def _spanning(state: LinkState, who: dict[str, str], labels: set[str]) -> None:
    """The persona crews and lure rings holding accounts of several true operations,
    one of them in ``labels``."""
    for name, senders in [
        *((f"crew of rig {c.rig[-12:]}", c.senders) for c in state.crews),
        *((f"lure ring {r.domain}", r.senders) for r in state.rings),
    ]:
        spans = Counter(who.get(a, "-") for a in senders)
        if len(spans) > 1 and set(spans) & labels:
            print(f"    {name}: {dict(spans)}")
    for crew in state.crews:  # a script split between two rigs (persona_crews.rig_parts)
        spans = Counter(who.get(a, "-") for a in crew.senders)
        if len(spans) > 1 and set(spans) & labels:
            for rig, part in crew.parts:
                print(
                    f"      part of rig {rig[-12:]}: {dict(Counter(who.get(a, '-') for a in part))}"
                )


def _users_of(con: Any, column: str, values: set[str]) -> dict[str, set[str]]:
    """value -> accounts that used it (``column`` of ``events``)."""
    if not values:
        return {}
    ev = con.table("events")
    rows = (
        ev.filter(ev[column].isin(sorted(values)) & ev.actor_id.notnull())
        .select(column, "actor_id")
        .distinct()
        .to_pyarrow()
        .to_pylist()
    )
    users: dict[str, set[str]] = {}
    for row in rows:
        users.setdefault(row[column], set()).add(row["actor_id"])
    return users


def missed(
    con: Any, ops: list[Operation], state: LinkState, who: dict[str, str], truth: dict[str, Any]
) -> None:
    """Every true account no record reports, with why it could have been taken in."""
    reported = {a: op.operation_id for op in ops for a in op.accounts}
    lost = sorted(
        (op["operation_id"], a)
        for op in truth["operations"]
        for a in op["accounts"]
        if a not in reported
    )
    print(f"\nMISSED accounts: {len(lost)}")
    if not lost:
        return
    accounts = {a for _, a in lost}
    ev = con.table("events")
    rows = (
        ev.filter(ev.actor_id.isin(sorted(accounts)))
        .select("actor_id", "type", "target_id", "ip", "device_id", "url", "text")
        .to_pyarrow()
        .to_pylist()
    )
    acts: dict[str, list[dict]] = {}
    for row in rows:
        acts.setdefault(row["actor_id"], []).append(row)
    devices = _users_of(con, "device_id", {r["device_id"] for r in rows if r["device_id"]})
    ips = _users_of(con, "ip", {r["ip"] for r in rows if r["ip"]})
    ties: dict[str, list[str]] = {}
    for (a, b), kinds in state.graph.ties.items():
        for x, y in ((a, b), (b, a)):
            if x in accounts:
                ks = ",".join(f"{k}={w:.2f}" for k, w in sorted(kinds.items()))
                ties.setdefault(x, []).append(f"{y}[{who.get(y, '-')}|{reported.get(y, '-')}]:{ks}")

    def others(keys: dict[str, set[str]], mine: set[str], a: str) -> str:
        return "; ".join(
            f"{k[-10:]}({len(keys.get(k, ()))}):"
            + ",".join(
                f"{o}[{who.get(o, '-')[3:]}|{reported.get(o, '-')[-4:]}]"
                for o in sorted(keys.get(k, set()) - {a})[:6]
            )
            for k in sorted(mine)
        )

    for op_id, a in lost:
        c = state.candidates.get(a)
        mine = acts.get(a, [])
        types = Counter(r["type"] for r in mine)
        if c is None:
            cand = "not a candidate"
        else:
            fams = ",".join(f"{f[:5]}={s:.2f}" for f, s in c.families)
            cand = (
                f"est={int(c.established)}{int(c.rooted)} own={c.own_score:.2f} "
                f"fam[{fams}] why={','.join(c.reasons)}"
            )
        print(f"\n  {a} of {op_id}: {cand}")
        print(f"    acts: {dict(types.most_common())}")
        texts = sorted({(r["text"] or "")[:70] for r in mine if r["text"]})[:2]
        urls = sorted({r["url"] for r in mine if r["url"]})[:3]
        if texts or urls:
            print(f"    texts: {texts} urls: {urls}")
        print(
            f"    devices: {others(devices, {r['device_id'] for r in mine if r['device_id']}, a)}"
        )
        print(f"    ips: {others(ips, {r['ip'] for r in mine if r['ip']}, a)}")
        for line in sorted(ties.get(a, []))[:8]:
            print(f"    tie {line}")


def where_lost(ops: list[Operation], state: LinkState, truth: dict[str, Any]) -> None:
    """For each true operation no record holds an account of: the cut's verdict on
    the groups its candidates formed (see the module docstring)."""
    reported = {a for op in ops for a in op.accounts}
    cands, graph, config = state.candidates, state.graph, state.config
    personas = frozenset(a for a, c in cands.items() if not c.established)
    groups = split_groups(graph, config, personas)
    rig_targets = {t for op in ops if not op.accounts for t in op.targets}
    for true in truth["operations"]:
        mine = set(true["accounts"])
        if mine & reported:
            continue
        if not mine:  # signed out throughout: only a rig record can hold its targets
            theirs = set(true.get("targets", []))
            print(
                f"\nRIG-ONLY {true['operation_id']}: {len(theirs & rig_targets)} of "
                f"{len(theirs)} targets held by account-less records"
            )
            continue
        phases = ",".join(true.get("phases", []))
        print(f"\nLOST {true['operation_id']} ({len(mine)} accounts, phases {phases}):")
        print(f"    candidates: {len(mine & set(cands))} of {len(mine)}")
        for group in groups:
            if not mine & set(group):
                continue
            kept = prune_group(group, graph, cands, config)
            head = f"    group {len(group)} ({len(mine & set(group))} of op) pruned to {len(kept)}"
            if not kept:
                print(f"{head}: nothing left")
                continue
            corr = corroboration(kept, cands, config, graph)
            best = max(cands[a].own_score for a in kept)
            ring = persona_ring(kept, graph, cands, config)
            watch = watch_ring(kept, graph, cands, config)
            verdict = "KEPT" if keep_group(kept, cands, config, graph) else "dropped"
            print(
                f"{head}: {verdict}; corroborated={corr.corroborated} "
                f"(families={corr.families} strong={corr.strong_ties}); "
                f"best own {best:.2f} vs strong {config.strong_threshold}; "
                f"ring {len(ring)}; approach "
                f"{sorted((round(cands[a].approach_score, 2) for a in kept), reverse=True)[:6]}; "
                f"watch ring {len(watch)}; aimed recon "
                f"{sorted((round(cands[a].aimed_recon, 2) for a in kept), reverse=True)[:6]}"
            )


def stages(ops: list[Operation], state: LinkState, truth: dict[str, Any]) -> None:
    """For every true account no record reports, in an operation that IS reported or
    not: the first step of ``build_operations`` that lost it, replayed step by step --
    not a candidate; the cut (``split_groups`` left it alone, ``prune_group`` pruned
    it, ``keep_group`` dropped its pruned group); membership (``judge_members``: a
    rooted account held by context only); ``keep_group`` after membership; or, having
    passed all of those, the bystander step (``scope.undriven_members``)."""
    reported = {a for op in ops for a in op.accounts}
    cands, graph, config = state.candidates, state.graph, state.config
    personas = frozenset(a for a, c in cands.items() if not c.established)
    split = split_groups(graph, config, personas)
    in_split = {a: g for g in split for a in g}
    pruned = {g: prune_group(g, graph, cands, config) for g in split}
    cut = sorted(p for p in pruned.values() if p and keep_group(p, cands, config, graph))
    in_cut = {a for g in cut for a in g}
    merged_groups = merge_rings(cut, [*state.rings, *state.crews])
    constructs = frozenset(
        [a for r in state.rings for a in r.senders] + [a for c in state.crews for a in c.senders]
    )
    judged = judge_members(merged_groups, cands, graph, config, constructs)
    in_judged = {a: g for g in judged.groups for a in g}
    kept = {g for g in judged.groups if keep_group(g, cands, config, graph) or constructs & set(g)}
    for true in truth["operations"]:
        lost = sorted(set(true["accounts"]) - reported)
        if not lost:
            continue
        why: Counter[str] = Counter()
        lines = []
        for a in lost:
            if a not in cands:
                step = "not a candidate"
            elif a not in in_split:
                step = "cut: in no group"
            elif a not in pruned[in_split[a]]:
                step = f"cut: pruned from a group of {len(in_split[a])}"
            elif a not in in_cut:
                g = pruned[in_split[a]]
                corr = corroboration(g, cands, config, graph)
                step = (
                    f"cut: keep_group dropped its group of {len(g)} "
                    f"(corroborated={corr.corroborated}, best own "
                    f"{max(cands[x].own_score for x in g):.2f})"
                )
            elif a in judged.dropped:
                step = "membership: rooted, held by context only"
            elif in_judged[a] not in kept:
                step = f"keep_group after membership (group of {len(in_judged[a])})"
            else:
                step = "bystander step (undriven) or later"
            why[step.split(" (")[0]] += 1
            lines.append(f"      {a}: {step}")
        print(
            f"\nSTAGES {true['operation_id']}: {len(lost)} of {len(true['accounts'])} "
            f"accounts not reported: {dict(why.most_common())}"
        )
        print("\n".join(lines))


def rigs_held(ops: list[Operation], truth: dict[str, Any]) -> None:
    """Account-less records (lone rigs) and the true operations whose targets they hold."""
    for op in ops:
        if op.accounts:
            continue
        held = {
            true["operation_id"]: len(set(op.targets) & set(true.get("targets", [])))
            for true in truth["operations"]
        }
        held = {k: n for k, n in held.items() if n}
        print(f"\nRIG {op.operation_id}: {len(op.targets)} targets; of true operations: {held}")


def _name_searches(con: Any, members: set[str], person: str) -> list[tuple[str, str, list[str]]]:
    """(member, search text, every account with that display name) for each exact-name
    search by a member that names ``person`` (what ``targets._search_hits`` matches)."""
    acc = con.table("accounts")
    mine = acc.filter(acc.account_id == person).to_pyarrow().to_pylist()
    name = ((mine[0]["display_name"] or "") if mine else "").strip().lower()
    if not name or not members:
        return []
    ev = con.table("events")
    found = (
        ev.filter((ev.type == "search") & ev.actor_id.isin(sorted(members)) & ev.text.notnull())
        .select("actor_id", "text")
        .distinct()
        .to_pyarrow()
        .to_pylist()
    )
    same = sorted(
        r["account_id"]
        for r in acc.filter(acc.display_name.notnull())
        .select("account_id", "display_name")
        .to_pyarrow()
        .to_pylist()
        if r["display_name"].strip().lower() == name
    )
    return [(r["actor_id"], r["text"], same) for r in found if r["text"].strip().lower() == name]


def _unwarned_acts(
    con: Any, ops: list[Operation], who: dict[str, str], truth: dict[str, Any], warned: set[str]
) -> None:
    """Per true target nobody warns: what its operation's accounts did to them (event
    types, and whether that account is in a record), and how many signed-out views
    they had (a rig's), so a target-recall gap is told apart from an account one."""
    reported = {a for op in ops for a in op.accounts}
    ev = con.table("events")
    for true in truth["operations"]:
        people = sorted(set(true["targets"]) - warned)
        if not people:
            continue
        mine = set(true["accounts"])
        rows = (
            ev.filter(ev.target_id.isin(people))
            .select("actor_id", "type", "target_id", "device_id")
            .to_pyarrow()
            .to_pylist()
        )
        for person in people:
            acts = Counter(
                f"{r['type']} by {'reported' if r['actor_id'] in reported else 'unreported'}"
                for r in rows
                if r["target_id"] == person and r["actor_id"] in mine
            )
            signed_out = sum(1 for r in rows if r["target_id"] == person and not r["actor_id"])
            print(
                f"  {person} of {true['operation_id']}: own acts {dict(acts)}; "
                f"signed-out views {signed_out}"
            )


def warned_not_targeted(
    con: Any, ops: list[Operation], who: dict[str, str], truth: dict[str, Any]
) -> None:
    """Every person some record names as a target (so notify would warn them) whom no
    true operation targeted: the records naming them at what level, their benign class,
    and what the records' accounts did to them (event types, by actor and true owner),
    so a target-precision failure is traced to the acts that made the person a target."""
    true_targets = {t for op in truth["operations"] for t in op["targets"]}
    naming: dict[str, list[Operation]] = {}
    for op in ops:
        for t in dict.fromkeys((*op.targets, *(t for t, _ in op.target_levels))):
            if t not in true_targets:
                naming.setdefault(t, []).append(op)
    warned = {t for op in ops for t in (*op.targets, *(t for t, _ in op.target_levels))}
    unwarned = {
        op["operation_id"]: f"{len(set(op['targets']) - warned)} of {len(op['targets'])}"
        for op in truth["operations"]
        if set(op["targets"]) - warned
    }
    print(f"\nTARGETS NOT WARNED, by true operation: {unwarned}")
    _unwarned_acts(con, ops, who, truth, warned)
    print(f"\nWARNED, NOT TARGETED: {len(naming)}")
    if not naming:
        return
    ev = con.table("events")
    rows = (
        ev.filter(ev.target_id.isin(sorted(naming)))
        .select("actor_id", "type", "target_id", "ts", "ip", "device_id", "url", "text")
        .to_pyarrow()
        .to_pylist()
    )
    for person, records in sorted(naming.items()):
        print(f"  {person} ({who.get(person, 'no class: ordinary user')})")
        for op in records:
            level = dict(op.target_levels).get(person)
            members = set(op.accounts)
            acts = Counter(
                (r["actor_id"], who.get(r["actor_id"], "-"), r["type"])
                for r in rows
                if r["target_id"] == person and r["actor_id"] in members
            )
            print(
                f"    named by {op.operation_id} ({len(op.accounts)} accounts, "
                f"{Counter(who.get(a, '-') for a in op.accounts).most_common(2)}) "
                f"level {level.value if level else '-'}"
            )
            for (actor, cls, kind), n in sorted(acts.items()):
                print(f"      {actor} [{cls}] {kind} x{n}")
            if not acts:
                print("      no event of a member names them (a search hit or a rig's view)")
            for actor, text, same in _name_searches(con, members, person):
                print(
                    f"      {actor} [{who.get(actor, '-')}] searched {text!r}, the name of "
                    + ", ".join(
                        f"{a}[{'targeted' if a in true_targets else 'not targeted'}]" for a in same
                    )
                )
        others = Counter(
            (who.get(r["actor_id"], "-"), r["type"]) for r in rows if r["target_id"] == person
        )
        print(f"    all acts on them: {dict(others.most_common(8))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generator", choices=("sim", "altsim"), default="altsim")
    parser.add_argument("--variant", default="baseline")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--users", type=int, default=10000)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--all", action="store_true", help="also list true operations")
    parser.add_argument("--evidence", action="store_true", help="per-member evidence")
    parser.add_argument(
        "--missed", action="store_true", help="true accounts not reported, with their ties"
    )
    parser.add_argument(
        "--warned",
        action="store_true",
        help="people a record names as targets whom no true operation targeted",
    )
    args = parser.parse_args()
    base = prepare(args.generator, args.variant, args.seed, args.users, args.work)
    export = base / "export"
    truth = json.loads((export / "truth.json").read_text(encoding="utf-8"))
    con = connect()
    ingest_export(export, con)
    signals = signals_of(con, base)
    config = LinkConfig()
    ops = build_operations(con, signals, None, config)
    state = link_state(con, signals, config)
    who = member_class(truth)
    print(
        f"{args.generator} {args.variant} seed {args.seed} users {args.users}: "
        f"{len(truth['operations'])} true operations, {len(ops)} reported"
    )
    rigs_held(ops, truth)
    for op in ops:
        if not op.accounts:
            continue
        labels = Counter(who.get(a, "-") for a in op.accounts)
        false = not any(k.startswith("OP:") for k in labels)
        if false or args.all:
            print("\nFALSE" if false else "\nTRUE")
            describe(op, state, who, args.evidence or false)
    fragments(ops, state, who, args.evidence, truth)
    merged(ops, state, who)
    found = {k for op in ops for k in (who.get(a, "-") for a in op.accounts)}
    lost = [
        op["operation_id"] for op in truth["operations"] if f"OP:{op['operation_id']}" not in found
    ]
    print(f"\nmissed true operations: {lost}")
    if args.warned:
        warned_not_targeted(con, ops, who, truth)
    if args.missed:
        missed(con, ops, state, who, truth)
        where_lost(ops, state, truth)
        stages(ops, state, truth)
    con.disconnect()


if __name__ == "__main__":
    main()
