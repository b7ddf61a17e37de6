"""The run counts a threat report shows beside the operations (``summary.json``'s content).

A plain frozen record so that the report does not depend on the pipeline's classes:
:meth:`ReportSummary.from_dict` reads what ``mercwatch run`` writes and ignores what
it does not know, so older and newer summaries both render.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class DetectorStat:
    """How one detector went in the run."""

    detector: str
    phase: str = ""
    status: str = "ok"
    signals: int = 0
    seconds: float = 0.0
    error: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DetectorStat:
        return cls(
            detector=str(data.get("detector", "?")),
            phase=str(data.get("phase") or ""),
            status=str(data.get("status") or "ok"),
            signals=int(data.get("signals") or 0),
            seconds=float(data.get("seconds") or 0.0),
            error=data.get("error"),
        )


@dataclass(frozen=True, slots=True)
class ReportSummary:
    """Counts of one run: what was read, rejected and run, and how long each stage took.

    Attributes:
        rows_read: input rows read across tables.
        rows_rejected: rows rejected with a reason (see ``rejects.jsonl``).
        reject_reasons: (reason, count), most frequent first.
        detectors_run: detectors that ran.
        detectors: per-detector results.
        detectors_failed: ids of detectors that raised (the run went on).
        signals: detector findings.
        actions: enforcement actions decided.
        notifications: people-to-warn records written.
        indicators: indicators exported.
        stage_seconds: (stage, seconds) in run order.
        export: name of the export folder read.
        dry_run: whether enforcement was only simulated.
        evidence_gaps: kinds of evidence the export lacks, with what they blind.
        warnings: why this run is not a complete, normal one (a partial run published
            with failed detectors, a shrunken export published by flag); shown first.
    """

    rows_read: int = 0
    rows_rejected: int = 0
    reject_reasons: tuple[tuple[str, int], ...] = ()
    detectors_run: int = 0
    detectors: tuple[DetectorStat, ...] = ()
    detectors_failed: tuple[str, ...] = ()
    signals: int = 0
    actions: int = 0
    notifications: int = 0
    indicators: int = 0
    stage_seconds: tuple[tuple[str, float], ...] = field(default=())
    export: str = ""
    dry_run: bool = False
    evidence_gaps: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def total_seconds(self) -> float:
        return sum(s for _, s in self.stage_seconds)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReportSummary:
        """Read a ``summary.json`` mapping; unknown keys are ignored, missing ones are 0."""
        reasons = data.get("reject_reasons") or {}
        detectors = tuple(
            DetectorStat.from_dict(d) for d in data.get("detectors") or () if isinstance(d, Mapping)
        )
        return cls(
            rows_read=int(data.get("rows_read") or 0),
            rows_rejected=int(data.get("rows_rejected") or 0),
            reject_reasons=tuple(
                sorted(
                    ((str(k), int(v)) for k, v in reasons.items()), key=lambda kv: (-kv[1], kv[0])
                )
            ),
            detectors_run=int(data.get("detectors_run") or len(detectors)),
            detectors=detectors,
            detectors_failed=tuple(str(d) for d in data.get("detectors_failed") or ()),
            signals=int(data.get("signals") or 0),
            actions=int(data.get("actions") or 0),
            notifications=int(data.get("notifications") or 0),
            indicators=int(data.get("indicators") or 0),
            stage_seconds=tuple(
                (str(k), float(v)) for k, v in (data.get("stage_seconds") or {}).items()
            ),
            export=str(data.get("export") or ""),
            dry_run=bool(data.get("dry_run", False)),
            evidence_gaps=tuple(str(g) for g in data.get("evidence_gaps") or ()),
            warnings=tuple(str(w) for w in data.get("warnings") or ()),
        )
