"""Export operations as a STIX 2.1 bundle, built with the ``stix2`` library.

What a peer receives, per operation: an ``intrusion-set`` (and a ``threat-actor`` with
``attributed-to`` when the operation was attributed), one ``indicator`` per shareable
value with ``indicates`` relationships, and a ``report`` grouping them (MVT names its
indicator collections after reports). Every object carries the publisher's
``identity`` as creator and a TLP 2.0 marking.

Reruns give the same bytes: ids are UUIDv5 from a mercwatch namespace and the object's
natural key (so the same domain is the same indicator in every bundle we publish), and
timestamps come from the operations, not the clock. The clock is only read to date a
revocation. Given the previously published bundle, indicators that are no longer
reported are re-issued as revoked versions (``new_version(revoked=True)``).
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, overload

import stix2

from mercwatch.errors import IntelFormatError
from mercwatch.intel.indicators import select_indicators
from mercwatch.intel.killchain import MERCWATCH_KILL_CHAIN, META_KILL_CHAIN, meta_phase_names
from mercwatch.intel.lifetime import DEFAULT_LIFETIME, IndicatorLifetime
from mercwatch.intel.patterns import build_pattern
from mercwatch.intel.tlp import STIX_DEFAULT_TLP, tlp_marking
from mercwatch.model import Indicator, Operation, Phase

NAMESPACE = uuid.UUID("23889cdc-e823-48de-b6cb-9b7cfe4f4679")
DEFAULT_VALIDITY = timedelta(days=365)
# The publisher identity must not change between runs; it is dated once, here.
_IDENTITY_CREATED = datetime(2021, 12, 16, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)


def stix_id(object_type: str, *key: str) -> str:
    """Deterministic STIX id: UUIDv5 of the type and natural key.

    The OASIS validator warns (check 103) that SDO ids SHOULD be UUIDv4; we choose
    UUIDv5 on purpose so every rerun and every peer sees the same id for the same thing
    and deduplicates it, as the spec itself recommends for observables.
    """
    return f"{object_type}--{uuid.uuid5(NAMESPACE, '|'.join((object_type, *key)))}"


@overload
def _utc(ts: datetime) -> datetime: ...
@overload
def _utc(ts: datetime | None) -> datetime | None: ...
def _utc(ts: datetime | None) -> datetime | None:
    """``ts`` as an aware UTC time (naive means UTC); None stays None."""
    if ts is None:
        return None
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def _system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class _Value:
    """One shareable value with everything the operations using it say about it."""

    indicator: Indicator
    operations: list[Operation] = field(default_factory=list)
    phases: set[Phase] = field(default_factory=set)


def _kill_chain(phases: Iterable[Phase]) -> list[stix2.KillChainPhase]:
    ordered = sorted(set(phases), key=lambda p: p.rank)
    ours = [
        stix2.KillChainPhase(kill_chain_name=MERCWATCH_KILL_CHAIN, phase_name=p.value)
        for p in ordered
    ]
    meta = [
        stix2.KillChainPhase(kill_chain_name=META_KILL_CHAIN, phase_name=name)
        for name in meta_phase_names(ordered)
    ]
    return ours + meta


def load_bundle(
    previous: stix2.Bundle | Mapping[str, Any] | str | Path,
) -> dict[str, dict[str, Any]]:
    """Objects of a previously published bundle by id (bundle, dict, JSON text or path)."""
    if isinstance(previous, stix2.Bundle):
        data: Any = json.loads(previous.serialize())
    elif isinstance(previous, Mapping):
        data = previous
    elif isinstance(previous, Path) or (
        isinstance(previous, str) and not previous.lstrip().startswith("{")
    ):
        data = json.loads(Path(previous).read_text(encoding="utf-8"))
    else:
        data = json.loads(previous)
    if not isinstance(data, Mapping) or data.get("type") != "bundle":
        raise IntelFormatError("previous bundle", "not a STIX bundle")
    return {
        obj["id"]: dict(obj)
        for obj in data.get("objects", [])
        if isinstance(obj, Mapping) and "id" in obj
    }


class _Builder:
    """Collects the objects of one bundle; one instance per export call."""

    def __init__(
        self,
        publisher: str,
        tlp: str,
        previous: dict[str, dict[str, Any]],
        clock: Callable[[], datetime],
    ) -> None:
        self.marking = tlp_marking(tlp)
        self.identity = stix2.Identity(
            id=stix_id("identity", publisher),
            name=publisher,
            identity_class="organization",
            created=_IDENTITY_CREATED,
            modified=_IDENTITY_CREATED,
            object_marking_refs=[self.marking.id],
        )
        self.publisher = publisher
        self.previous = previous
        self.clock = clock
        self.objects: dict[str, Any] = {}

    def common(self, object_id: str, created: datetime, modified: datetime) -> dict[str, Any]:
        """Id, creator, marking and timestamps; ``created`` stays what it was first published as."""
        before = self.previous.get(object_id)
        if before is not None and "created" in before:
            created = min(
                created, _utc(datetime.fromisoformat(before["created"].replace("Z", "+00:00")))
            )
        return {
            "id": object_id,
            "created": created,
            "modified": max(modified, created),
            "created_by_ref": self.identity.id,
            "object_marking_refs": [self.marking.id],
        }

    def add(self, obj: Any) -> Any:
        self.objects[obj.id] = obj
        return obj

    def threat_actor(self, actor: str, created: datetime, modified: datetime) -> str:
        object_id = stix_id("threat-actor", actor)
        if object_id in self.objects:
            return object_id
        self.add(
            stix2.ThreatActor(
                name=actor,
                threat_actor_types=["spy"],
                description=f"Surveillance-for-hire actor named {actor}.",
                **self.common(object_id, created, modified),
            )
        )
        return object_id

    def relationship(
        self, source: str, kind: str, target: str, created: datetime, modified: datetime
    ) -> str:
        object_id = stix_id("relationship", source, kind, target)
        self.add(
            stix2.Relationship(
                source_ref=source,
                relationship_type=kind,
                target_ref=target,
                **self.common(object_id, created, modified),
            )
        )
        return object_id

    def operation(self, op: Operation, fallback: datetime) -> str:
        created = _utc(op.first_seen) or fallback
        modified = _utc(op.last_seen) or created
        object_id = stix_id("intrusion-set", self.publisher, op.operation_id)
        phases = ", ".join(p.value for p in sorted(op.phases, key=lambda p: p.rank)) or "none"
        self.add(
            stix2.IntrusionSet(
                name=f"mercwatch operation {op.operation_id}",
                description=(
                    f"Surveillance-for-hire operation; kill-chain phases reached: {phases}."
                ),
                first_seen=_utc(op.first_seen),
                last_seen=_utc(op.last_seen)
                if op.last_seen and op.first_seen and op.last_seen >= op.first_seen
                else None,
                confidence=round(op.confidence * 100),
                **self.common(object_id, created, modified),
            )
        )
        if op.attribution is not None:
            actor_id = self.threat_actor(op.attribution.actor, created, modified)
            self.relationship(object_id, "attributed-to", actor_id, created, modified)
        return object_id

    def indicator(self, value: _Value, lifetime: IndicatorLifetime, fallback: datetime) -> str:
        ind = value.indicator
        starts = [_utc(o.first_seen) for o in value.operations if o.first_seen] or [
            _utc(ind.valid_from) or fallback
        ]
        ends = [_utc(o.last_seen) for o in value.operations if o.last_seen] or starts
        valid_from = min(starts)
        modified = max(ends)
        until = _utc(ind.valid_until) or lifetime.valid_until(ind, value.operations, modified)
        validity = {} if until is None else {"valid_until": max(until, valid_from + _ONE_MS)}
        object_id = self._indicator_id(ind)
        ops = ", ".join(sorted(o.operation_id for o in value.operations))
        self.add(
            stix2.Indicator(
                name=ind.value,
                description=f"{ind.type.value} used by mercwatch operation(s) {ops}.",
                indicator_types=["malicious-activity", *(["attribution"] if ind.actor else [])],
                pattern=build_pattern(ind.type, ind.value),
                pattern_type="stix",
                pattern_version="2.1",
                valid_from=valid_from,
                **validity,  # none: infrastructure of a named actor (lifetime policy)
                kill_chain_phases=_kill_chain(value.phases) or None,
                confidence=round(max(o.confidence for o in value.operations) * 100),
                **self.common(object_id, valid_from, modified),
            )
        )
        return object_id

    def _indicator_id(self, ind: Indicator) -> str:
        object_id = stix_id("indicator", ind.type.value, ind.value)
        before = self.previous.get(object_id)
        if before is not None and before.get("revoked"):
            # A revoked id can never be un-revoked: a value that comes back gets a new id.
            return stix_id("indicator", ind.type.value, ind.value, before["modified"])
        return object_id

    def report(self, op: Operation, refs: list[str], fallback: datetime) -> None:
        created = _utc(op.first_seen) or fallback
        modified = _utc(op.last_seen) or created
        self.add(
            stix2.Report(
                name=f"mercwatch operation {op.operation_id}",
                description="Indicators of one surveillance-for-hire operation.",
                report_types=["intrusion-set", *(["threat-actor"] if op.attribution else [])],
                published=modified,
                object_refs=refs,
                **self.common(
                    stix_id("report", self.publisher, op.operation_id), created, modified
                ),
            )
        )

    def revoke_withdrawn(self) -> None:
        """Re-issue previously published indicators that are gone, as revoked versions."""
        for object_id, before in sorted(self.previous.items()):
            if before.get("type") != "indicator" or object_id in self.objects:
                continue
            old = stix2.parse(before, allow_custom=True)
            if old.get("revoked"):
                self.add(old)
                continue
            when = max(_utc(self.clock()), old.modified + _ONE_MS)
            self.add(old.new_version(revoked=True, modified=when))


def _gather(
    operations: Iterable[Operation],
    extra: Mapping[str, Iterable[Indicator]],
    sensitive: Iterable[str],
) -> tuple[list[Operation], dict[tuple[str, str], _Value]]:
    ops = sorted(operations, key=lambda o: o.operation_id)
    values: dict[tuple[str, str], _Value] = {}
    terms = tuple(sensitive)
    for op in ops:
        chosen = select_indicators(op, extra=extra.get(op.operation_id, ()), sensitive=terms)
        for ind in chosen.indicators:
            entry = values.setdefault((ind.type.value, ind.value), _Value(ind))
            entry.operations.append(op)
            entry.phases.update(ind.phases or op.phases)
    return ops, values


def export_stix(
    operations: Iterable[Operation],
    *,
    publisher: str = "mercwatch",
    tlp: str = STIX_DEFAULT_TLP,
    previous: stix2.Bundle | Mapping[str, Any] | str | Path | None = None,
    extra: Mapping[str, Iterable[Indicator]] | None = None,
    sensitive: Iterable[str] = (),
    validity: timedelta | None = None,
    lifetime: IndicatorLifetime | None = None,
    clock: Callable[[], datetime] = _system_clock,
) -> stix2.Bundle:
    """Build the STIX 2.1 bundle of ``operations``' shareable indicators.

    Args:
        operations: the operations to publish; their targets never appear.
        publisher: name of the publishing organisation (the ``identity``).
        tlp: TLP 2.0 level for every object (``clear`` default; ``white`` = ``clear``).
        previous: the bundle published last time; withdrawn indicators are revoked.
        extra: more indicators per operation id (file hashes, sender addresses).
        sensitive: strings identifying targets beyond their ids (display names ...);
            values containing them are withheld.
        validity: how long unattributed indicators stay valid after their operation
            was last seen (shorthand for ``lifetime``'s ``unattributed``).
        lifetime: the validity policy; default :data:`DEFAULT_LIFETIME` (no
            ``valid_until`` for a named actor's infrastructure, 365 days otherwise).
        clock: time source, read only to date revocations and undated operations.

    Returns:
        The bundle; its id is derived from its content so a rerun gives the same one.
    """
    fallback = _utc(clock()).replace(microsecond=0)
    policy = lifetime or DEFAULT_LIFETIME
    if validity is not None:
        policy = dataclasses.replace(policy, unattributed=validity)
    builder = _Builder(publisher, tlp, load_bundle(previous) if previous is not None else {}, clock)
    ops, values = _gather(operations, extra or {}, sensitive)
    sets = {op.operation_id: builder.operation(op, fallback) for op in ops}
    refs: dict[str, list[str]] = {op.operation_id: [sets[op.operation_id]] for op in ops}
    for key in sorted(values):
        value = values[key]
        indicator_id = builder.indicator(value, policy, fallback)
        for op in value.operations:
            rel = builder.relationship(
                indicator_id, "indicates", sets[op.operation_id], *_span(op, fallback)
            )
            refs[op.operation_id] += [indicator_id, rel]
    for op in ops:
        builder.report(op, refs[op.operation_id], fallback)
    builder.revoke_withdrawn()
    return _bundle([builder.marking, builder.identity, *builder.objects.values()])


def _span(op: Operation, fallback: datetime) -> tuple[datetime, datetime]:
    created = _utc(op.first_seen) or fallback
    return created, _utc(op.last_seen) or created


_ORDER = [
    "marking-definition",
    "identity",
    "threat-actor",
    "intrusion-set",
    "indicator",
    "relationship",
    "report",
]


def _bundle(objects: list[Any]) -> stix2.Bundle:
    ordered = sorted(
        objects, key=lambda o: (_ORDER.index(o.type) if o.type in _ORDER else 99, o.id)
    )
    fingerprint = "|".join(f"{o.id}@{o.get('modified', '')}" for o in ordered)
    return stix2.Bundle(
        objects=ordered, id=f"bundle--{uuid.uuid5(NAMESPACE, fingerprint)}", allow_custom=True
    )


def stix_text(bundle: stix2.Bundle) -> str:
    """A bundle as pretty, key-sorted JSON (stable bytes for stable content)."""
    text = json.dumps(json.loads(bundle.serialize()), indent=2, sort_keys=True, ensure_ascii=False)
    return text + "\n"


def write_stix(bundle: stix2.Bundle, path: str | Path) -> Path:
    """Write a bundle as :func:`stix_text` does."""
    target = Path(path)
    target.write_text(stix_text(bundle), encoding="utf-8")
    return target
