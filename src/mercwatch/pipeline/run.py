"""The stages of ``mercwatch run`` in order, each timed for the run summary."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ibis.backends import BaseBackend

from mercwatch.detectors import DetectionContext, DetectionResult, run_detectors
from mercwatch.detectors.registry import all_detectors, select
from mercwatch.ingest import IngestReport, ingest_export
from mercwatch.model import Action, Notification, Operation
from mercwatch.pipeline.config import RunConfig
from mercwatch.pipeline.outputs import OutputSet, staged_outputs
from mercwatch.store.engine import connect, duckdb_connection

T = TypeVar("T")
SUMMARY_SCHEMA_VERSION = 1


@dataclass
class RunResult:
    """Everything a run produced, for the CLI, the demo and notebooks."""

    config: RunConfig
    ingest: IngestReport
    detection: DetectionResult
    operations: list[Operation] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    indicators: int = 0
    stage_seconds: dict[str, float] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """The run summary written to ``summary.json`` (counts, failures, time per stage)."""
        return {
            "schema_version": SUMMARY_SCHEMA_VERSION,
            "export": self.config.export.name,
            "tables": [dataclasses.asdict(t) for t in self.ingest.tables],
            "rows_read": self.ingest.rows_read,
            "rows_rejected": self.ingest.rejected,
            "reject_reasons": dict(self.ingest.reject_reasons),
            "detectors": [dataclasses.asdict(r) for r in self.detection.runs],
            "detectors_run": len(self.detection.runs),
            "detectors_failed": [r.detector for r in self.detection.failed],
            "signals": self.detection.signals.num_rows,
            "operations": len(self.operations),
            "accounts_in_operations": len({a for op in self.operations for a in op.accounts}),
            "actions": len(self.actions),
            "notifications": len(self.notifications),
            "indicators": self.indicators,
            "dry_run": self.config.dry_run,
            "stage_seconds": {k: round(v, 3) for k, v in self.stage_seconds.items()},
        }


class _Timer:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started

    def call(self, name: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        with self.stage(name):
            return fn(*args, **kwargs)


def run_pipeline(config: RunConfig) -> RunResult:
    """Run every stage on ``config.export`` and publish the outputs in ``config.out``.

    Raises:
        MercwatchError: bad input or settings; nothing is published then.
    """
    timer = _Timer()
    config.out.mkdir(parents=True, exist_ok=True)
    con = connect(config.engine)
    try:
        report = timer.call("ingest", ingest_export, config.export, con)
        detection = timer.call("detect", _detect, con, config)
        result = RunResult(config, report, detection)
        with staged_outputs(config.out) as outputs:
            with timer.stage("write"):
                _write_outputs(outputs, con, result)
            result.stage_seconds = timer.seconds
            outputs.write_json("summary.json", result.summary())
            result.files = list(outputs.names)
    finally:
        con.disconnect()
    return result


def _detect(con: BaseBackend, config: RunConfig) -> DetectionResult:
    detectors = select(all_detectors(), set(config.only_detectors), set(config.skip_detectors))
    ctx = DetectionContext(con, params=config.detector_params)
    return run_detectors(ctx, detectors)


def _write_outputs(outputs: OutputSet, con: BaseBackend, result: RunResult) -> None:
    outputs.write_json("operations.json", {"operations": [op.to_dict() for op in result.operations]})
    outputs.write_jsonl("notifications.jsonl", (n.to_dict() for n in result.notifications))
    outputs.write_jsonl("enforcement.jsonl", (a.to_dict() for a in result.actions))
    _write_rejects(outputs, con)


def _write_rejects(outputs: OutputSet, con: BaseBackend) -> None:
    """``rejects.jsonl``: each rejected row with ``table``, ``row``, ``reason`` (SCHEMA.md),
    plus where it was (``source``, ``line``, ``location``) and the ``field`` at fault."""
    path = outputs.path("rejects.jsonl")
    raw = duckdb_connection(con)
    target = path.as_posix().replace("'", "''")
    raw.execute(
        "COPY (SELECT \"table\", CASE WHEN is_json THEN raw::JSON ELSE to_json(raw) END AS row, reason, "
        "source, line, source || ':' || line AS location, field FROM rejects "
        f"ORDER BY \"table\", source, line) TO '{target}' (FORMAT JSON)"
    )
