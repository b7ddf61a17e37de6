"""What the threat report shows, computed once for the HTML and the Markdown templates.

The shape follows Meta's December 2021 surveillance-for-hire report: for each operation,
what it did in each phase (from its evidence), how its personas worked, where its
targets were (counts per country), what was taken down, how many people were warned,
and its indicators. Everything here is already redacted (no target ids, URLs in their
shareable form, see :func:`mercwatch.iocs.shareable_url`) and defanged;
the templates only lay it out and escape it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from mercwatch.intel.killchain import phase_tactics
from mercwatch.intel.report.counts import RunCounts, phase_reached, run_counts, shared_indicators
from mercwatch.intel.report.safety import SharedEvidence, defang
from mercwatch.intel.report.summary import ReportSummary
from mercwatch.intel.tlp import edition_tlp, tlp_label
from mercwatch.model import (
    Action,
    ActionKind,
    ActionStatus,
    Evidence,
    Indicator,
    IndicatorType,
    Notification,
    Operation,
    Phase,
)

PHASES = (Phase.RECONNAISSANCE, Phase.ENGAGEMENT, Phase.EXPLOITATION)
PHASE_TITLES = {
    Phase.RECONNAISSANCE: "Reconnaissance",
    Phase.ENGAGEMENT: "Engagement",
    Phase.EXPLOITATION: "Exploitation",
}
PHASE_MEANING = {
    Phase.RECONNAISSANCE: "profiling targets and the people close to them",
    Phase.ENGAGEMENT: "contacting targets through fake personas to build trust",
    Phase.EXPLOITATION: "phishing links and malicious domains to compromise them",
}
# From the one TLP table (intel/tlp.py) the STIX export reads too.
INTERNAL_CLASSIFICATION = (
    f"{tlp_label(edition_tlp('internal'))} - internal; contains no identities of targeted people"
)
EXAMPLES_PER_DETECTOR = 3
ACCOUNTS_LISTED = 25


@dataclass(frozen=True, slots=True)
class EvidenceGroup:
    """One detector's findings within one phase of one operation."""

    detector: str
    description: str
    count: int
    top_score: float
    examples: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PhaseView:
    phase: Phase
    title: str
    meaning: str
    reached: bool
    groups: tuple[EvidenceGroup, ...]
    meta_tactics: tuple[str, ...] = ()

    @property
    def evidence_count(self) -> int:
        return sum(g.count for g in self.groups)


@dataclass(frozen=True, slots=True)
class OperationView:
    """One operation as the report tells it (no target ids; indicators defanged)."""

    operation_id: str
    confidence: float
    actor: str | None
    attribution_source: str
    attribution_matched: tuple[str, ...]
    first_seen: datetime | None
    last_seen: datetime | None
    phases: tuple[PhaseView, ...]
    accounts: tuple[str, ...]
    accounts_removed: int
    people_targeted: int
    people_warned: int
    warned_by_level: tuple[tuple[str, int], ...]
    countries: tuple[tuple[str, int], ...]
    domains: tuple[str, ...]
    urls: tuple[str, ...]
    ips: tuple[str, ...]
    email_domains: tuple[str, ...]
    photo_hashes: int
    devices: int

    @property
    def furthest(self) -> str:
        reached = [p.phase for p in self.phases if p.reached]
        return PHASE_TITLES[Phase.furthest(reached)] if reached else "none"

    @property
    def accounts_listed(self) -> tuple[str, ...]:
        return self.accounts[:ACCOUNTS_LISTED]

    @property
    def persona_groups(self) -> tuple[EvidenceGroup, ...]:
        return next(p.groups for p in self.phases if p.phase is Phase.ENGAGEMENT)


@dataclass(frozen=True, slots=True)
class ReportView:
    title: str
    classification: str
    generated_at: datetime
    operations: tuple[OperationView, ...]
    summary: ReportSummary | None
    counts: RunCounts

    @property
    def window(self) -> tuple[datetime | None, datetime | None]:
        firsts = [o.first_seen for o in self.operations if o.first_seen]
        lasts = [o.last_seen for o in self.operations if o.last_seen]
        return (min(firsts) if firsts else None, max(lasts) if lasts else None)

    @property
    def total_accounts(self) -> int:
        return self.counts.accounts_in_operations

    @property
    def total_indicators(self) -> int:
        return self.counts.indicators

    @property
    def countries(self) -> tuple[tuple[str, int], ...]:
        counts: Counter[str] = Counter()
        for o in self.operations:
            counts.update(dict(o.countries))
        return tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def phase_reached(self, phase: Phase) -> int:
        return self.counts.reached(phase)


def build_view(
    operations: Sequence[Operation],
    summary: ReportSummary | None = None,
    *,
    notifications: Sequence[Notification] | None = None,
    actions: Sequence[Action] | None = None,
    detector_descriptions: Mapping[str, str] | None = None,
    title: str = "Surveillance-for-hire threat report",
    classification: str = INTERNAL_CLASSIFICATION,
    generated_at: datetime | None = None,
    identities: Iterable[str] = (),
) -> ReportView:
    """Compute the report's content: operations by confidence, each redacted and defanged.

    ``identities`` are more strings naming targeted people (display names, handles)
    than the operations' account ids: URLs and evidence holding one are cut or redacted.
    """
    names = tuple(identities)
    warned = _warned(notifications)
    removed = removed_by_operation(actions)
    descriptions = dict(detector_descriptions or {})
    ops = sorted(operations, key=lambda o: (-o.confidence, o.operation_id))
    shared = shared_indicators(ops, names)
    views = tuple(
        _operation_view(
            op,
            descriptions,
            None if warned is None else warned.get(op.operation_id, Counter()),
            removed,
            names,
            shared[op.operation_id],
        )
        for op in ops
    )
    return ReportView(
        title,
        classification,
        generated_at or datetime.now(UTC).replace(tzinfo=None, microsecond=0),
        views,
        summary,
        run_counts(ops, notifications=notifications, actions=actions, indicators=shared),
    )


def _operation_view(
    op: Operation,
    descriptions: Mapping[str, str],
    warned: Counter[str] | None,
    removed: Mapping[str, int] | None,
    identities: tuple[str, ...],
    shared: tuple[Indicator, ...],
) -> OperationView:
    attribution = op.attribution
    infra = op.infrastructure
    matched = attribution.matched if attribution else ()
    cleaner = SharedEvidence(
        op.targets, identities, (*infra.domains, *infra.urls, *infra.ips, *matched)
    )
    return OperationView(
        operation_id=op.operation_id,
        confidence=float(op.confidence),
        actor=attribution.actor if attribution else None,
        attribution_source=attribution.source if attribution else "",
        attribution_matched=tuple(cleaner.subject(m) for m in matched),
        first_seen=op.first_seen,
        last_seen=op.last_seen,
        phases=_phases(op, cleaner, descriptions),
        accounts=tuple(sorted(op.accounts)),
        accounts_removed=removed.get(op.operation_id, 0)
        if removed is not None
        else len(op.accounts),
        people_targeted=len(set(op.targets)),
        people_warned=sum(warned.values()) if warned is not None else len(set(op.targets)),
        warned_by_level=tuple(
            (PHASE_TITLES[p], warned[p.value]) for p in PHASES if warned and warned[p.value]
        ),
        countries=tuple(sorted(op.target_countries, key=lambda kv: (-kv[1], kv[0]))),
        # The indicators the STIX export shares (one selection, see counts.py), defanged.
        domains=_defanged(shared, cleaner, IndicatorType.DOMAIN),
        urls=tuple(sorted({u for u in map(cleaner.url, _values(shared, IndicatorType.URL)) if u})),
        ips=_defanged(shared, cleaner, IndicatorType.IPV4, IndicatorType.IPV6),
        email_domains=tuple(sorted(infra.email_domains)),
        photo_hashes=len(infra.photo_hashes),
        devices=len(infra.devices),
    )


def _phases(
    op: Operation, redactor: SharedEvidence, descriptions: Mapping[str, str]
) -> tuple[PhaseView, ...]:
    by_phase: dict[Phase, list[Evidence]] = defaultdict(list)
    for item in op.evidence:
        by_phase[item.phase].append(item)
    tactics = phase_tactics()  # Meta's Online Operations Kill Chain, from its data file
    return tuple(
        PhaseView(
            phase,
            PHASE_TITLES[phase],
            PHASE_MEANING[phase],
            phase_reached(op, phase),
            _groups(by_phase[phase], redactor, descriptions),
            tuple(t.label for t in tactics.get(phase, ())),
        )
        for phase in PHASES
    )


def _values(shared: tuple[Indicator, ...], *kinds: IndicatorType) -> list[str]:
    return sorted({i.value for i in shared if i.type in kinds})


def _defanged(
    shared: tuple[Indicator, ...], cleaner: SharedEvidence, *kinds: IndicatorType
) -> tuple[str, ...]:
    return tuple(defang(v) for v in _values(shared, *kinds) if cleaner.matcher.find(v) is None)


def _groups(
    items: list[Evidence], redactor: SharedEvidence, descriptions: Mapping[str, str]
) -> tuple[EvidenceGroup, ...]:
    by_detector: dict[str, list[Evidence]] = defaultdict(list)
    for item in items:
        by_detector[item.detector].append(item)
    groups = []
    for detector, found in by_detector.items():
        found.sort(key=lambda e: (-e.score, e.subject))
        examples = tuple(
            dict.fromkeys(
                f"{redactor.subject(e.subject)}: {redactor.text(e.detail)}" for e in found
            )
        )[:EXAMPLES_PER_DETECTOR]
        groups.append(
            EvidenceGroup(
                detector,
                descriptions.get(detector, ""),
                len(found),
                max(e.score for e in found),
                examples,
            )
        )
    return tuple(sorted(groups, key=lambda g: (-g.count, g.detector)))


def _warned(notifications: Sequence[Notification] | None) -> dict[str, Counter[str]] | None:
    if notifications is None:
        return None
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for n in notifications:  # contract v2: one per person, every operation listed
        for operation_id in n.all_operation_ids():
            out[operation_id][n.level.value] += 1
    return out


def removed_by_operation(actions: Sequence[Action] | None) -> dict[str, int] | None:
    if actions is None:
        return None
    out: Counter[str] = Counter()
    for a in actions:
        if a.action is ActionKind.DISABLE_ACCOUNT and a.status is ActionStatus.APPLIED:
            out[a.operation_id] += 1
    return dict(out)
