"""Lone rigs: a signed-out watcher no reported operation explains still gets its people warned.

A low-and-slow operation may do nothing but watch: weeks of signed-out profile views
from one automated browser through a rented pool of residential exits, and no
account of it ever acts. The detectors see the rig (its exits are flagged for
reconnaissance) but no account links it to anything, so :mod:`.watchers` has no
operation to give it to and the people it studied are never warned (altsim
low-and-slow 74103: three such operations, target recall 0.68).

A rig (:func:`.watchers.rigs`) that no reported operation explains becomes a
RECON-ONLY record: an :class:`~mercwatch.model.Operation` with no accounts (there is
nobody to enforce against), its watched people as targets at the reconnaissance
level (to warn), its browser as its only infrastructure. Each rule stands for
something a benign signed-out crowd (an office team, a carrier or university NAT,
fans reading a star) does not do all at once:

* it is a BROWSER (a ``device:`` rig), one no signed-in account ever used
  (:func:`.watchers.rigs` already drops any key an account used): a person's own
  browser would have logged in some day; an address-only rig is a NAT's crowd;
* it came through at least ``LONE_MIN_NETWORKS`` networks (autonomous systems):
  one browser hopping between providers is a rented proxy pool, not a household;
* it watched at least ``LONE_MIN_AT_RISK`` at-risk people;
* a recon detector flagged one of its exits, or judged the browser itself a watcher
  (its evidence). An exit's signal must reach the flag threshold, as for any address;
  the browser's own signal counts at whatever score its detector emits it
  (``recon.targeted_watching`` scores a browser that spends 97 % of its views on
  protected people 0.28 on a platform whose ordinary attention is 66 % on them: focus
  is measured against the platform, altsim low-and-slow 85302). The flag threshold
  decides when a key ties the accounts that used it; a lone rig ties no account, and
  the other rules here are what tell it from a crowd;
* no reported operation explains it: a rig whose at-risk people are mostly
  (``EXPLAINED_SHARE``) one operation's targets belongs to that operation and its
  watched people are added to that operation's targets; it is never a second record
  of the same operation (ops-as-crowds 52001 once showed fragmentation 1.25 from it).

Exported intelligence never carries a target's identity: the record's infrastructure
is its browser fingerprint only (not its exits, residential addresses real people may
share), and the indicator export does not export devices.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from mercwatch.link.context import LinkContext, fetch, keys_table
from mercwatch.link.scoring import select_evidence
from mercwatch.link.signals import Flags
from mercwatch.model import Evidence, Infrastructure, Operation, Phase

LONE_MIN_NETWORKS = 3
"""Distinct networks (ASNs; the address when the ASN is unknown) a lone rig came from."""

LONE_MIN_AT_RISK = 5
"""At-risk people a lone rig must have watched."""

EXPLAINED_SHARE = 0.5
"""Share of a rig's at-risk people that, when one reported operation already targets
them, makes the rig that operation's (never a record of its own)."""

DEVICE = "device:"


@dataclass(frozen=True, slots=True)
class RigReach:
    """Where one signed-out browser came from: networks, exits, when."""

    networks: int
    ips: tuple[str, ...]
    first_seen: datetime | None
    last_seen: datetime | None


def rig_reach(ctx: LinkContext, keys: Sequence[str]) -> dict[str, RigReach]:
    """``device:…`` rig key -> its signed-out views' networks, exits and time span."""
    devices = sorted(k.removeprefix(DEVICE) for k in keys if k.startswith(DEVICE))
    if not devices:
        return {}
    ev = ctx.events
    wanted = keys_table("device_id", devices)
    views = ev.filter(ev.actor_id.isnull() & ev.device_id.notnull())
    views = views.semi_join(wanted, views.device_id == wanted.device_id)
    net = views.asn.cast("string").fill_null("ip " + views.ip.fill_null(""))
    rows = fetch(
        views.group_by("device_id")
        .agg(
            networks=net.nunique(),
            ips=views.ip.collect(),
            first=views.ts.min(),
            last=views.ts.max(),
        )
        .order_by("device_id")
    )
    return {
        DEVICE + row["device_id"]: RigReach(
            networks=int(row["networks"]),
            ips=tuple(sorted({ip for ip in row["ips"] or () if ip})),
            first_seen=row["first"],
            last_seen=row["last"],
        )
        for row in rows
    }


def browser_signals(ctx: LinkContext, keys: Sequence[str]) -> dict[str, list[Evidence]]:
    """``device:…`` rig key -> the reconnaissance signals on that browser itself, at any
    score (a detector emits a signal only when its own bar is crossed)."""
    devices = sorted(k.removeprefix(DEVICE) for k in keys if k.startswith(DEVICE))
    if not devices:
        return {}
    sig = ctx.signals
    mine = sig.filter(
        (sig.subject_type == "device")
        & sig.subject.isin(devices)
        & (sig.phase == Phase.RECONNAISSANCE.value)
    )
    found: dict[str, list[Evidence]] = {}
    order = ["subject", "detector", "score", "detail"]
    for row in fetch(mine.select("detector", "subject", "score", "detail").order_by(order)):
        found.setdefault(DEVICE + row["subject"], []).append(
            Evidence(
                detector=row["detector"],
                phase=Phase.RECONNAISSANCE,
                subject=row["subject"],
                score=float(row["score"]),
                detail=row["detail"] or "",
            )
        )
    return found


def rig_evidence(
    key: str, reach: RigReach, flags: Flags, own: Sequence[Evidence] = ()
) -> list[Evidence]:
    """Reconnaissance signals on the rig's browser (``own``: its signals at any score;
    flagged ones are in ``flags`` too) or its flagged exits."""
    found = [*own, *flags.evidence.get(("device", key.removeprefix(DEVICE)), ())]
    for ip in reach.ips:
        found += flags.evidence.get(("ip", ip), ())
    return sorted(
        {e for e in found if e.phase is Phase.RECONNAISSANCE},
        key=lambda e: (-e.score, e.detector, e.subject, e.detail),
    )


def explaining(subjects: set[str], targets: Sequence[set[str]]) -> int | None:
    """Index of the operation whose targets hold most of ``subjects`` (at least
    ``EXPLAINED_SHARE`` of them; ties: the lower index), else None."""
    if not subjects or not targets:
        return None
    shared = [len(subjects & mine) for mine in targets]
    best = max(range(len(shared)), key=lambda i: (shared[i], -i))
    return best if shared[best] >= EXPLAINED_SHARE * len(subjects) else None


def recon_only_id(key: str) -> str:
    """``op-`` + 12 hex digits of SHA-256 over ``rig`` and the rig's key: stable across
    reruns, and never equal to an account operation's id (those hash account ids)."""
    return "op-" + hashlib.sha256(f"rig\n{key}".encode()).hexdigest()[:12]


def with_lone_rigs(
    ctx: LinkContext,
    operations: Sequence[Operation],
    found: Mapping[str, tuple[set[str], set[str]]],
    flags: Flags,
    calibrate: Callable[[float], float] = float,
    evidence_per_detector: int = 3,
) -> list[Operation]:
    """``operations`` with the people of rigs they explain added to their targets
    (reconnaissance level), plus one recon-only record per lone rig.

    ``found``: the platform's rigs (:func:`.watchers.rigs`). A rig already given to an
    operation (:func:`.watchers.with_watched`) has all its people among that
    operation's targets, so it is explained and changes nothing. ``calibrate`` maps a
    record's raw score (its strongest recon signal) to its confidence.
    """
    candidates = {
        key: rig
        for key, rig in found.items()
        if key.startswith(DEVICE) and len(rig[1]) >= LONE_MIN_AT_RISK
    }
    reach = rig_reach(ctx, sorted(candidates))
    own = browser_signals(ctx, sorted(candidates))
    ops = list(operations)
    records: list[Operation] = []
    # The widest rigs first, so a second browser of one watcher joins the first's record.
    for key in sorted(candidates, key=lambda k: (-len(candidates[k][1]), k)):
        viewed, subjects = candidates[key]
        where = reach.get(key)
        if where is None or where.networks < LONE_MIN_NETWORKS:
            continue
        evidence = rig_evidence(key, where, flags, own.get(key, ()))
        if not evidence:
            continue
        owner = explaining(subjects, [set(op.targets) for op in ops])
        if owner is not None:
            ops[owner] = _with_watched(ops[owner], viewed)
            continue
        record = _recon_only(key, viewed, where, evidence, evidence_per_detector)
        tied = explaining(subjects, [set(r.targets) for r in records])
        if tied is not None:
            records[tied] = tied_rigs(records[tied], record, evidence_per_detector)
        else:
            records.append(record)
    return ops + [dataclasses.replace(r, confidence=calibrate(r.confidence)) for r in records]


def tied_rigs(first: Operation, second: Operation, per_detector: int = 3) -> Operation:
    """One recon-only record of two lone rigs tied to one another: the second watched
    mostly the people the first did (``EXPLAINED_SHARE`` of its at-risk people), so it is
    the same watcher on another browser (a rotated fingerprint), never a second record.
    The first rig (the wider) keeps the record's id."""
    levels = dict(second.target_levels) | dict(first.target_levels)
    spans = [t for t in (first.first_seen, second.first_seen) if t is not None]
    ends = [t for t in (first.last_seen, second.last_seen) if t is not None]
    devices = sorted({*first.infrastructure.devices, *second.infrastructure.devices})
    return dataclasses.replace(
        first,
        confidence=max(first.confidence, second.confidence),
        raw_confidence=max(first.raw_confidence or 0.0, second.raw_confidence or 0.0),
        targets=tuple(sorted({*first.targets, *second.targets})),
        target_levels=tuple(sorted(levels.items())),
        infrastructure=dataclasses.replace(first.infrastructure, devices=tuple(devices)),
        first_seen=min(spans) if spans else None,
        last_seen=max(ends) if ends else None,
        evidence=select_evidence((*first.evidence, *second.evidence), per_detector),
    )


def _with_watched(op: Operation, viewed: set[str]) -> Operation:
    new = sorted(viewed - set(op.targets) - set(op.accounts))
    if not new:
        return op
    levels = dict(op.target_levels)
    levels.update({t: Phase.RECONNAISSANCE for t in new if t not in levels})
    return dataclasses.replace(
        op,
        targets=tuple(sorted({*op.targets, *new})),
        target_levels=tuple(sorted(levels.items())) if op.target_levels else (),
    )


def _recon_only(
    key: str, viewed: set[str], where: RigReach, evidence: list[Evidence], per_detector: int
) -> Operation:
    raw = round(max(e.score for e in evidence), 4)
    return Operation(
        operation_id=recon_only_id(key),
        confidence=raw,
        raw_confidence=raw,
        phases=(Phase.RECONNAISSANCE,),
        accounts=(),
        targets=tuple(sorted(viewed)),
        infrastructure=Infrastructure(devices=(key.removeprefix(DEVICE),)),
        first_seen=where.first_seen,
        last_seen=where.last_seen,
        evidence=select_evidence(evidence, per_detector),
        target_levels=tuple(sorted((t, Phase.RECONNAISSANCE) for t in viewed)),
    )
