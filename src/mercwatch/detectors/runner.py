"""Run detectors, one at a time, into one signals table.

A detector that raises is recorded with its error (mvt's ``run_module``) and the
run goes on; its output is checked for the contract columns and score range.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from mercwatch.detectors.base import DETECTOR_OUTPUT, SIGNAL_COLUMNS, DetectionContext, Detector
from mercwatch.detectors.gcpause import collector_paused
from mercwatch.detectors.scoring import clamp01

log = logging.getLogger(__name__)
SIGNALS_TABLE = "signals"
SIGNALS_SCHEMA = pa.schema(
    [
        ("detector", pa.string()),
        ("phase", pa.string()),
        ("subject_type", pa.string()),
        ("subject", pa.string()),
        ("score", pa.float64()),
        ("detail", pa.string()),
    ]
)


@dataclass(frozen=True, slots=True)
class DetectorRun:
    """How one detector went."""

    detector: str
    phase: str
    version: int
    status: str  # "ok" | "failed"
    signals: int
    seconds: float
    error: str | None = None


@dataclass(frozen=True, slots=True)
class DetectionResult:
    """All signals of a run (also materialised as the engine table ``signals``)."""

    signals: pa.Table
    runs: tuple[DetectorRun, ...]

    @property
    def failed(self) -> tuple[DetectorRun, ...]:
        return tuple(r for r in self.runs if r.status != "ok")


def _normalise(detector: Detector, table: ir.Table) -> ir.Table:
    missing = set(DETECTOR_OUTPUT) - set(table.columns)
    if missing:
        raise ValueError(f"output lacks column(s) {sorted(missing)}")
    return table.select(
        detector=ibis.literal(detector.id),
        phase=ibis.literal(detector.phase.value),
        subject_type=table.subject_type.cast("string"),
        subject=table.subject.cast("string"),
        score=clamp01(table.score),
        detail=table.detail.cast("string"),
    ).filter(lambda t: t.subject.notnull() & (t.score > 0))


def run_detectors(ctx: DetectionContext, detectors: Sequence[type[Detector]]) -> DetectionResult:
    """Run each detector; collect signals and a per-detector run record."""
    parts: list[pa.Table] = []
    runs: list[DetectorRun] = []
    for cls in detectors:
        detector = cls()
        started = time.perf_counter()
        try:
            with collector_paused():
                arrow = _normalise(detector, detector.detect(ctx)).to_pyarrow()
            arrow = arrow.select(list(SIGNAL_COLUMNS)).cast(SIGNALS_SCHEMA)
        except Exception as exc:  # a failing detector is recorded; the run goes on
            log.warning("detector %s failed: %s", cls.id, exc)
            runs.append(
                DetectorRun(
                    cls.id,
                    cls.phase.value,
                    cls.version,
                    "failed",
                    0,
                    time.perf_counter() - started,
                    f"{type(exc).__name__}: {exc}",
                )
            )
            continue
        parts.append(arrow)
        runs.append(
            DetectorRun(
                cls.id,
                cls.phase.value,
                cls.version,
                "ok",
                arrow.num_rows,
                time.perf_counter() - started,
            )
        )
    signals = pa.concat_tables(parts) if parts else SIGNALS_SCHEMA.empty_table()
    signals = signals.sort_by(
        [
            ("detector", "ascending"),
            ("subject_type", "ascending"),
            ("subject", "ascending"),
            ("score", "descending"),
        ]
    )
    ctx.con.create_table(SIGNALS_TABLE, signals, overwrite=True)
    return DetectionResult(signals, tuple(runs))
