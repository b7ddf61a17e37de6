"""The public edition of the threat report (TLP:CLEAR): what Meta publishes, no more.

Per actor -- its attributed name, else "Unattributed operation N" -- a profile: when it
was active, the phases it reached and Meta's Online Operations Kill Chain tactics they
map to, the methods seen, the services its domains impersonate, where and which
communities it targeted *in aggregate*, how much infrastructure it ran, and its
indicators defanged. Nothing here names or points at a person:

* no account id at all (neither targets nor operation accounts: a false positive in
  the operator list would be a person named in public), no evidence text;
* indicators are the exporter's selection (:func:`counts.shared_indicators`), URLs cut
  to :func:`mercwatch.iocs.shareable_url`, anything holding a target identity dropped;
* every count of people and every country or sector is held to a k-anonymity floor
  (default 10): below it the report says "fewer than 10", and a country or sector
  below it is not named. A count over several operations uses the largest single
  operation's count, a lower bound on distinct people, so two operations' 6 + 6
  people in one country never add up to "12" when they may be the same 6.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from mercwatch.intel.killchain import meta_tactic_labels
from mercwatch.intel.report.counts import (
    PHASE_ORDER,
    RunCounts,
    phase_reached,
    run_counts,
    shared_indicators,
)
from mercwatch.intel.report.safety import SharedEvidence, defang
from mercwatch.intel.report.view import removed_by_operation
from mercwatch.intel.tlp import edition_tlp, tlp_label
from mercwatch.model import Action, Indicator, IndicatorType, Notification, Operation, Phase

DEFAULT_K_FLOOR = 10
_KINDS = {
    IndicatorType.DOMAIN: "domain",
    IndicatorType.URL: "url",
    IndicatorType.IPV4: "ip",
    IndicatorType.IPV6: "ip",
}


@dataclass(frozen=True, slots=True)
class Floored:
    """A count of people as the public may see it: exact at or above the floor."""

    value: int
    floor: int

    @property
    def shown(self) -> bool:
        return self.value >= self.floor

    def __str__(self) -> str:
        return f"{self.value:,}" if self.shown else f"fewer than {self.floor}"


@dataclass(frozen=True, slots=True)
class ActorProfile:
    """One actor (or one unattributed operation) as published."""

    name: str
    attributed: bool
    operations: int
    first_seen: datetime | None
    last_seen: datetime | None
    phases: tuple[str, ...]
    tactics: tuple[str, ...]
    methods: tuple[str, ...]
    services: tuple[str, ...]
    people_targeted: Floored
    countries: tuple[tuple[str, Floored], ...]
    sectors: tuple[tuple[str, Floored], ...]
    countries_withheld: bool
    sectors_withheld: bool
    accounts_removed: int
    infrastructure: tuple[tuple[str, int], ...]
    indicators: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class PublicReport:
    title: str
    tlp: str
    floor: int
    generated_at: datetime
    actors: tuple[ActorProfile, ...]
    counts: RunCounts
    countries: tuple[tuple[str, Floored], ...]
    sectors: tuple[tuple[str, Floored], ...]

    @property
    def people_targeted(self) -> Floored:
        return Floored(self.counts.people_targeted, self.floor)

    @property
    def people_warned(self) -> Floored:
        return Floored(self.counts.people_warned, self.floor)

    @property
    def window(self) -> tuple[datetime | None, datetime | None]:
        firsts = [a.first_seen for a in self.actors if a.first_seen]
        lasts = [a.last_seen for a in self.actors if a.last_seen]
        return (min(firsts) if firsts else None, max(lasts) if lasts else None)


def build_public(
    operations: Sequence[Operation],
    *,
    notifications: Sequence[Notification] | None = None,
    actions: Sequence[Action] | None = None,
    identities: Iterable[str] = (),
    detector_descriptions: Mapping[str, str] | None = None,
    floor: int = DEFAULT_K_FLOOR,
    title: str = "Surveillance-for-hire threat report",
    generated_at: datetime | None = None,
) -> PublicReport:
    """The public edition's content, from the same operations and counts as the internal.

    Raises:
        ValueError: ``floor`` is below 1.
    """
    if floor < 1:
        raise ValueError(f"the k-anonymity floor must be at least 1, not {floor}")
    names = tuple(identities)
    ops = sorted(operations, key=lambda o: (-o.confidence, o.operation_id))
    shared = shared_indicators(ops, names)
    counts = run_counts(ops, notifications=notifications, actions=actions, indicators=shared)
    groups: dict[str, list[Operation]] = {}
    unattributed = 0
    for op in ops:
        if op.attribution is not None and op.attribution.actor.strip():
            groups.setdefault(op.attribution.actor.strip(), []).append(op)
        else:
            unattributed += 1
            groups[f"Unattributed operation {unattributed}"] = [op]
    removed = removed_by_operation(actions)
    descriptions = dict(detector_descriptions or {})
    actors = tuple(
        _profile(
            name,
            members,
            attributed=members[0].attribution is not None,
            shared=shared,
            identities=names,
            floor=floor,
            removed=removed,
            descriptions=descriptions,
        )
        for name, members in groups.items()
    )
    return PublicReport(
        title=title,
        tlp=tlp_label(edition_tlp("public")),
        floor=floor,
        generated_at=generated_at or datetime.now(UTC).replace(tzinfo=None, microsecond=0),
        actors=actors,
        counts=counts,
        countries=_floored(ops, "target_countries", floor)[0],
        sectors=_floored(ops, "target_sectors", floor)[0],
    )


def _profile(
    name: str,
    ops: list[Operation],
    *,
    attributed: bool,
    shared: Mapping[str, tuple[Indicator, ...]],
    identities: tuple[str, ...],
    floor: int,
    removed: Mapping[str, int] | None,
    descriptions: Mapping[str, str],
) -> ActorProfile:
    phases = tuple(p for p in PHASE_ORDER if any(phase_reached(op, p) for op in ops))
    countries, countries_withheld = _floored(ops, "target_countries", floor)
    sectors, sectors_withheld = _floored(ops, "target_sectors", floor)
    indicators = _indicators(ops, shared, identities)
    firsts = [o.first_seen for o in ops if o.first_seen]
    lasts = [o.last_seen for o in ops if o.last_seen]
    return ActorProfile(
        name=name,
        attributed=attributed,
        operations=len(ops),
        first_seen=min(firsts) if firsts else None,
        last_seen=max(lasts) if lasts else None,
        phases=tuple(p.value.capitalize() for p in phases),
        tactics=meta_tactic_labels(phases),
        methods=_methods(ops, descriptions),
        services=_services(v for kind, v in indicators if kind == "domain"),
        people_targeted=Floored(len({t for op in ops for t in op.targets}), floor),
        countries=countries,
        sectors=sectors,
        countries_withheld=countries_withheld,
        sectors_withheld=sectors_withheld,
        accounts_removed=sum(
            (removed.get(o.operation_id, 0) if removed is not None else len(o.accounts))
            for o in ops
        ),
        infrastructure=_infrastructure(ops, indicators),
        indicators=tuple((kind, defang(value)) for kind, value in indicators),
    )


def _floored(
    ops: Sequence[Operation], attribute: str, floor: int
) -> tuple[tuple[tuple[str, Floored], ...], bool]:
    """Values with at least ``floor`` people (largest single-operation count: a lower
    bound on distinct people), and whether any value was withheld."""
    best: Counter[str] = Counter()
    for op in ops:
        for key, n in getattr(op, attribute):
            best[key] = max(best[key], n)
    kept = sorted(((k, n) for k, n in best.items() if n >= floor), key=lambda kv: (-kv[1], kv[0]))
    return tuple((k, Floored(n, floor)) for k, n in kept), len(kept) < len(best)


def _indicators(
    ops: Sequence[Operation],
    shared: Mapping[str, tuple[Indicator, ...]],
    identities: tuple[str, ...],
) -> tuple[tuple[str, str], ...]:
    """(kind, value) pairs, URLs in shareable form; none that holds a target identity."""
    out: set[tuple[str, str]] = set()
    for op in ops:
        cleaner = SharedEvidence(op.targets, identities, defanged=False)
        for ind in shared.get(op.operation_id, ()):
            kind = _KINDS.get(ind.type)
            if kind is None or cleaner.matcher.find(ind.value) is not None:
                continue
            value = cleaner.url(ind.value) if kind == "url" else ind.value
            if value:
                out.add((kind, value))
    order = {"domain": 0, "url": 1, "ip": 2}
    return tuple(sorted(out, key=lambda kv: (order[kv[0]], kv[1])))


def _infrastructure(
    ops: Sequence[Operation], indicators: tuple[tuple[str, str], ...]
) -> tuple[tuple[str, int], ...]:
    kinds = Counter(kind for kind, _ in indicators)
    return (
        ("domains", kinds["domain"]),
        ("URLs", kinds["url"]),
        ("IP addresses", kinds["ip"]),
        ("operation accounts", len({a for o in ops for a in o.accounts})),
        ("shared devices", len({d for o in ops for d in o.infrastructure.devices})),
        ("reused profile photos", len({h for o in ops for h in o.infrastructure.photo_hashes})),
    )


def _methods(ops: Sequence[Operation], descriptions: Mapping[str, str]) -> tuple[str, ...]:
    """What the operation was seen doing, by phase, in the detectors' own words."""
    seen: dict[str, Phase] = {}
    for op in ops:
        for e in op.evidence:
            seen.setdefault(e.detector, e.phase)
    ordered = sorted(seen.items(), key=lambda kv: (kv[1].rank, kv[0]))
    return tuple(descriptions.get(d) or d for d, _ in ordered)


def _services(domains: Iterable[str]) -> tuple[str, ...]:
    """Brands and services the operation's domains pretend to be (offline link scoring)."""
    from mercwatch.linkscore import score_link

    found: set[str] = set()
    for domain in domains:
        reasons = " ".join(score_link(domain).reasons)
        found.update(b for b in _brand_names() if b in reasons)
    return tuple(sorted(found))


@cache
def _brand_names() -> tuple[str, ...]:
    from mercwatch.linkscore import load

    return tuple(sorted({b.name for b in load().brands if len(b.name) >= 3}))
