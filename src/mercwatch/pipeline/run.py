"""The stages of ``mercwatch run`` in order, each timed for the run summary."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import duckdb
from ibis.backends import BaseBackend

from mercwatch.detectors import DetectionContext, DetectionResult, run_detectors
from mercwatch.detectors.base import Detector
from mercwatch.detectors.registry import all_detectors, check_params, select
from mercwatch.enforce.withdrawal import Reconciled
from mercwatch.errors import OutputError
from mercwatch.ingest import IngestReport
from mercwatch.ingest.spark_ingest import ingest_on_spark
from mercwatch.intel.eventtime import usable_at_event_time
from mercwatch.intel.report.counts import run_counts
from mercwatch.intel.report.render import (
    render_html,
    render_markdown,
    render_public_html,
    render_public_markdown,
)
from mercwatch.intel.report.targeting import with_targeting
from mercwatch.link.identity import stable_ids
from mercwatch.model import Action, Notification, Operation
from mercwatch.pipeline import guards, stages
from mercwatch.pipeline.checkpoints import reached
from mercwatch.pipeline.config import RunConfig
from mercwatch.pipeline.coverage import evidence_gaps
from mercwatch.pipeline.incremental import (
    IncrementalIngest,
    ingest_incremental,
    known_operations,
    single_file_stamps,
)
from mercwatch.pipeline.lock import locked_output
from mercwatch.pipeline.outputs import OutputSet, staged_outputs
from mercwatch.pipeline.progress import StageListener
from mercwatch.queries.run_tables import write_tables
from mercwatch.store.engine import connect, duckdb_connection, release, scratch_dir
from mercwatch.store.run_database import run_database
from mercwatch.store.state import StateStore

T = TypeVar("T")
SUMMARY_SCHEMA_VERSION = 1
INPUT_TABLES = ("accounts", "friendships", "events")


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
    evidence_gaps: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    loaded: IncrementalIngest | None = None
    # Earlier decisions this run no longer supports, moved (enforce/withdrawal.py);
    # ``None`` when the run did not reconsider (partial or dry run).
    reconciled: Reconciled | None = None

    @property
    def complete(self) -> bool:
        """False when a detector failed (a partial run, published only by flag)."""
        return not self.detection.failed

    sensitive: set[str] = field(default_factory=set)

    def summary(self) -> dict[str, Any]:
        """The run summary written to ``summary.json`` (counts, failures, time per stage)."""
        return {
            "schema_version": SUMMARY_SCHEMA_VERSION,
            "export": self.config.export.name,
            "tables": [dataclasses.asdict(t) for t in self.ingest.tables],
            "rows_read": self.ingest.rows_read,
            "rows_rejected": self.ingest.rejected,
            "reject_reasons": dict(self.ingest.reject_reasons),
            "rejects_not_kept": self.ingest.rejects_not_kept,
            "ingest_warnings": list(self.ingest.warnings),
            "detectors": [dataclasses.asdict(r) for r in self.detection.runs],
            "detectors_run": len(self.detection.runs),
            "detectors_failed": [r.detector for r in self.detection.failed],
            "complete": self.complete,
            "warnings": list(self.warnings),
            "signals": self.detection.signals.num_rows,
            "actions": len(self.actions),
            "notifications": len(self.notifications),
            # operations, phases_reached, people, indicators, countries ...: the one
            # function the report and the dashboard count with.
            **run_counts(
                self.operations,
                notifications=self.notifications,
                actions=self.actions,
                sensitive=self.sensitive,
            ).to_summary(),
            "dry_run": self.config.dry_run,
            "evidence_gaps": list(self.evidence_gaps),
            "stage_seconds": {k: round(v, 3) for k, v in self.stage_seconds.items()},
            **self._incremental(),
            **self._reconciled(),
        }

    def _reconciled(self) -> dict[str, Any]:
        """Extension: earlier runs' decisions held because no later run makes them again,
        per status (the state after this run, not what it moved: a rerun after a crash
        must publish the same summary)."""
        if self.reconciled is None or not self.reconciled.held:
            return {}
        return {"enforcement_held": dict(self.reconciled.held)}

    def _incremental(self) -> dict[str, Any]:
        """Extension: how much of a part-file export was read again (absent otherwise)."""
        if self.loaded is None or not (self.loaded.new_parts or self.loaded.cached_parts):
            return {}
        return {
            "ingest_mode": {
                "mode": self.loaded.mode,
                "new_parts": self.loaded.new_parts,
                "cached_parts": self.loaded.cached_parts,
                "reason": self.loaded.reason,
                "single_files": self.loaded.single_files,
            }
        }


class _Timer:
    def __init__(self, listener: StageListener | None = None) -> None:
        self.seconds: dict[str, float] = {}
        self.listener = listener

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        reached(f"stage:{name}")
        if self.listener is not None:
            self.listener(name)
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started

    def call(self, name: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        with self.stage(name):
            return fn(*args, **kwargs)


def run_pipeline(config: RunConfig, progress: StageListener | None = None) -> RunResult:
    """Run every stage on ``config.export`` and publish the outputs in ``config.out``.

    ``progress`` is told the name of each stage as it starts (pipeline/progress.py).

    The run holds OUT's lock throughout. It stops before enforcement, notification
    and publication when a guard refuses (failed detectors, a shrunken export), and
    publishes the outputs as one set only when every stage succeeded.

    Raises:
        MercwatchError: bad input or settings (exit 2), or a run that failed or was
            refused (:class:`~mercwatch.errors.RunFailed`, exit 1); the outputs
            published before stay as they were.
    """
    _detectors(config)  # an unknown detector id or tunable is refused before anything runs
    with locked_output(config.out):
        return _run_locked(config, progress)


def _run_locked(config: RunConfig, progress: StageListener | None) -> RunResult:
    timer = _Timer(progress)
    with run_database(config.engine) as con:
        return _run_on(config, timer, con)


def _run_on(config: RunConfig, timer: _Timer, con: BaseBackend) -> RunResult:
    analytics = con
    store = StateStore.open(config.resolved_state_url())
    try:
        if config.engine.kind != "duckdb":
            analytics = connect(config.engine)
        loaded = timer.call("ingest", _ingest, config, con, analytics)
        report = loaded.report
        warnings = guards.check_shrink(
            report, guards.previous_summary(config.out), config.shrink_ratio, config.allow_shrink
        )
        now = stages.data_horizon(con)
        feed = timer.call("intel_import", stages.import_intel, config, now)
        # Each indicator judged at the time of the events that carry it (eventtime.py).
        usable = (
            timer.call("intel_import", usable_at_event_time, con, feed, now)
            if feed is not None
            else None
        )
        bad = stages.known_bad(feed, now, usable)
        detection = timer.call("detect", _detect, analytics, config, bad)
        warnings += guards.check_detectors(detection, config.allow_failed_detectors)
        result = RunResult(config, report, detection, warnings=warnings, loaded=loaded)
        result.evidence_gaps = timer.call("coverage", evidence_gaps, con)
        found = timer.call("link", stages.link, analytics, detection.signals, feed, now, usable)
        result.operations = stable_ids(found, known_operations(store))
        result.operations = with_targeting(con, result.operations)  # countries, sectors
        with timer.stage("intel_export"):
            sensitive = stages.target_names(con, result.operations)
            result.sensitive = sensitive
            bundle = _indicators(result, sensitive, now)
        created = stages.account_created(con, result.operations)
        result.actions, result.reconciled = timer.call(
            "enforce", stages.enforce, store, config, result.operations, created, result.complete
        )
        result.notifications = timer.call(
            "notify",
            stages.notify,
            store,
            result.operations,
            config.dry_run,
            stages.target_languages(con, result.operations),
            result.reconciled is not None,
        )
        _publish(config, con, result, bundle, sensitive, timer, now)
    finally:
        store.dispose()
        if analytics is not con:
            release(analytics)
    return result


def _ingest(config: RunConfig, con: BaseBackend, analytics: BaseBackend) -> IncrementalIngest:
    """DuckDB ingests only new parts; another engine reads and checks the whole export
    itself (ingest/spark_ingest.py), and the driver's ``con`` sees the clean tables."""
    if analytics is con:
        return ingest_incremental(
            config.export,
            config.out,
            con,
            config.ingest_limits,
            full=config.full_ingest,
            ready=config.part_filter,
        )
    workdir = scratch_dir(analytics) / "ingest"
    report = ingest_on_spark(
        config.export, analytics, con, config.ingest_limits, workdir, config.part_filter
    )
    singles = single_file_stamps(config.export)
    return IncrementalIngest(report, "full", 0, 0, "the Spark engine reads every part", singles)


def _indicators(result: RunResult, sensitive: set[str], now: datetime) -> str:
    """The STIX bundle, refused if a partial run would revoke published indicators."""
    config = result.config
    bundle, result.indicators = stages.stix_bundle(result.operations, config, sensitive, now)
    result.warnings += guards.check_revocations(
        json.loads(bundle),
        config.out / "indicators.stix.json",
        partial=not result.complete,
        allow=config.allow_shrink,
    )
    return bundle


def _publish(
    config: RunConfig,
    con: BaseBackend,
    result: RunResult,
    bundle: str,
    sensitive: set[str],
    timer: _Timer,
    now: datetime,
) -> None:
    with staged_outputs(config.out) as outputs:
        outputs.write_text("indicators.stix.json", bundle)
        with timer.stage("write"):
            _write_outputs(outputs, con, result)
        result.stage_seconds = timer.seconds
        outputs.write_json("summary.json", result.summary())
        with timer.stage("report"):
            _write_report(outputs, result, now, sensitive)
        result.files = list(outputs.names)


def _detectors(config: RunConfig) -> list[type[Detector]]:
    """The detectors the config selects, after checking its ids and tunables exist."""
    detectors = all_detectors()
    check_params(detectors, config.detector_params)
    return select(detectors, set(config.only_detectors), set(config.skip_detectors))


def _detect(con: BaseBackend, config: RunConfig, known_bad: frozenset[str]) -> DetectionResult:
    ctx = DetectionContext(con, params=config.detector_params, known_bad=known_bad)
    return run_detectors(ctx, _detectors(config))


def _write_outputs(outputs: OutputSet, con: BaseBackend, result: RunResult) -> None:
    outputs.write_json(
        "operations.json", {"operations": [op.to_dict() for op in result.operations]}
    )
    outputs.write_jsonl("notifications.jsonl", (n.to_dict() for n in result.notifications))
    outputs.write_jsonl("enforcement.jsonl", (a.to_dict() for a in result.actions))
    # signals.parquet / accounts.parquet: what the API pages through (mercwatch.queries).
    write_tables(outputs.path, result.detection.signals, result.operations)
    _write_rejects(outputs, con)


def _write_report(
    outputs: OutputSet, result: RunResult, now: datetime, sensitive: set[str]
) -> None:
    options = {
        "identities": sorted(sensitive),  # targets' names: URLs holding one are cut
        "notifications": result.notifications,
        "actions": result.actions,
        "detector_descriptions": {d.id: d.description for d in all_detectors()},
        "generated_at": now,
    }
    summary = result.summary()
    outputs.write_text("report.html", render_html(result.operations, summary, **options))
    outputs.write_text("report.md", render_markdown(result.operations, summary, **options))
    # The public edition (TLP:CLEAR), with the targets' names known here to withhold.
    outputs.write_text("report.public.html", render_public_html(result.operations, **options))
    outputs.write_text("report.public.md", render_public_markdown(result.operations, **options))


def _write_rejects(outputs: OutputSet, con: BaseBackend) -> None:
    """``rejects.jsonl``: each rejected row with ``table``, ``row``, ``reason`` (SCHEMA.md),
    plus where it was (``source``, ``line``, ``location``) and the ``field`` at fault."""
    path = outputs.path("rejects.jsonl")
    raw = duckdb_connection(con)
    target = path.as_posix().replace("'", "''")
    try:
        raw.execute(
            'COPY (SELECT "table", '
            "CASE WHEN is_json THEN raw::JSON ELSE to_json(raw) END AS row, reason, "
            "source, line, source || ':' || line AS location, field FROM rejects "
            f"ORDER BY \"table\", source, line) TO '{target}' (FORMAT JSON)"
        )
    except duckdb.Error as exc:  # DuckDB writes this file itself: disk full, read-only
        raise OutputError(str(path), str(exc)) from exc
