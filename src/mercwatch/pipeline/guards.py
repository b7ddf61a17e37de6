"""Checks that stop a run before it publishes something wrong as if it were right.

Two ways a run used to fail silently and still exit 0:

* a detector raised (one row dated after 2038 made 3 of 8 fail): the run went on
  without their signals and an operation was lost;
* the export was empty or broken: the run diffed it against the last published
  set and revoked every indicator shared before.

Everything that diffs against the previous run is in the second class. In mercwatch
that is the STIX bundle: ``previous`` indicators missing from this run are
re-issued as revoked (``intel.stix.export_stix``). Enforcement actions, the
operations table and the notification outbox are only ever added to by a run (a
rerun adds nothing twice), so a small export cannot undo them; they are still
guarded, because the run stops before them.

The checks run before enforcement, notification and publication, so a refused run
writes nothing new. The operator can allow each case by flag; the run then says so
in ``summary.json`` (``complete``, ``warnings``), the CLI and the report.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mercwatch.detectors import DetectionResult
from mercwatch.errors import DetectorsFailed, ExportShrank, RunFailed
from mercwatch.ingest import IngestReport


def previous_summary(out: Path) -> Mapping[str, Any] | None:
    """``summary.json`` of the set published in OUT; ``None`` before the first run.

    A published set whose summary cannot be read gives ``{}``: there was a run, but
    its size is unknown, so :func:`check_shrink` cannot rule a shrink out.
    """
    path = out / "summary.json"
    if not path.exists():
        return {} if (out / "indicators.stix.json").exists() else None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def check_shrink(
    report: IngestReport,
    previous: Mapping[str, Any] | None,
    ratio: float,
    allow: bool,
) -> list[str]:
    """Refuse an export much smaller than the last one published into the same OUT.

    A table with fewer than ``ratio`` times the rows it had last time, or with none
    when it had some, counts as a shrink (an empty table always does, whatever the
    ratio). Rows that were read but rejected do not count: a broken file is as
    empty as a missing one.

    Returns:
        Warnings to publish when ``allow`` is set and the export shrank.

    Raises:
        ExportShrank: the export shrank and ``allow`` is not set.
        RunFailed: the published summary is unreadable and ``allow`` is not set.
    """
    if previous is None:
        return []
    before = _rows_loaded(previous)
    if before is None:
        if allow:
            return ["the last run's summary.json is unreadable; its size was not compared"]
        raise RunFailed(
            "the summary.json published in this output folder cannot be read, so whether "
            "this export is much smaller than the last one is unknown; nothing published "
            "or revoked. Rerun with --allow-shrink to publish anyway"
        )
    now = {t.table: t.rows_loaded for t in report.tables}
    warnings = []
    for table, old in sorted(before.items()):
        rows = now.get(table, 0)
        if old <= 0 or rows >= ratio * old and rows > 0:
            continue
        reason = "now empty" if rows == 0 else f"fewer than {ratio:.0%} of them"
        if not allow:
            raise ExportShrank(table, rows, old, reason)
        warnings.append(
            f"export shrank: {table} has {rows} valid rows, the last run {old} "
            "(published with --allow-shrink)"
        )
    return warnings


def _rows_loaded(summary: Mapping[str, Any]) -> dict[str, int] | None:
    try:
        return {str(t["table"]): int(t["rows_loaded"]) for t in summary["tables"]}
    except (KeyError, TypeError, ValueError):
        return None


def check_detectors(detection: DetectionResult, allow: bool) -> list[str]:
    """Refuse a partial run: one in which a detector raised.

    Returns:
        Warnings naming each failed detector when ``allow`` is set.

    Raises:
        DetectorsFailed: a detector failed and ``allow`` is not set.
    """
    failures = [(r.detector, r.error or "failed") for r in detection.failed]
    if failures and not allow:
        raise DetectorsFailed(failures)
    return [
        f"PARTIAL RUN: detector {d} failed ({e}); its signals are missing "
        "(published with --allow-failed-detectors)"
        for d, e in failures
    ]


def check_revocations(
    bundle: Mapping[str, Any], previous: Path, partial: bool, allow: bool
) -> list[str]:
    """A partial run may not revoke what a complete run published.

    Indicators missing from a run whose detectors failed may be missing because of
    the failure, so revoking them would withdraw live intelligence from every peer.

    Returns:
        A warning when ``allow`` (``--allow-shrink``) lets the revocations through.

    Raises:
        ExportShrank: ``partial`` and the bundle revokes indicators live in ``previous``.
    """
    if not partial or not previous.exists():
        return []
    live_before = {
        o["id"]
        for o in json.loads(previous.read_text(encoding="utf-8")).get("objects", [])
        if o.get("type") == "indicator" and not o.get("revoked")
    }
    revoked = {
        o["id"]
        for o in bundle.get("objects", [])
        if o.get("type") == "indicator" and o.get("revoked") and o["id"] in live_before
    }
    if revoked and allow:
        return [f"a partial run revoked {len(revoked)} indicators (--allow-shrink)"]
    if revoked:
        raise ExportShrank(
            "indicators",
            len(live_before) - len(revoked),
            len(live_before),
            f"a partial run would revoke {len(revoked)} of them",
        )
    return []
