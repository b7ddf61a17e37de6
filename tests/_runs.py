"""Helpers for tests of ``mercwatch run``'s outputs and state: what is published, what
is stored, and a small simulated export with operations in it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from mercwatch.pipeline.outputs import POINTER
from mercwatch.sim import SimConfig, simulate
from mercwatch.sim.config import ExportFormat

OUTPUTS = (
    "operations.json",
    "notifications.jsonl",
    "enforcement.jsonl",
    "rejects.jsonl",
    "summary.json",
    "indicators.stix.json",
    "report.html",
    "report.md",
    "report.public.html",
    "report.public.md",
)
STATE_TABLES = ("actions", "audit_log", "notification_outbox", "operations", "review_queue")


def simulated_export(folder: Path, seed: int = 3, users: int = 300) -> Path:
    """A small JSON Lines export whose run finds operations (actions, warnings, indicators)."""
    simulate(SimConfig(users=users, seed=seed, format=ExportFormat.JSONL), folder)
    return folder


def published(out: Path) -> dict[str, bytes]:
    """Every output file as a reader of ``OUT/<name>`` sees it now."""
    return {n: (out / n).read_bytes() for n in OUTPUTS if (out / n).exists()}


def published_set(out: Path) -> dict[str, bytes]:
    """The files of the version ``OUT/current`` points at (one run's complete set)."""
    folder = (out / POINTER).resolve()
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def state_rows(out: Path) -> dict[str, int]:
    """Row counts of the state store's tables (the default ``OUT/state.db``)."""
    path = out / "state.db"
    if not path.exists():
        return {}
    with sqlite3.connect(path) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in STATE_TABLES}


def without_timings(files: dict[str, bytes]) -> dict[str, bytes]:
    """Outputs that must be byte-identical between reruns (the summary and the report
    show seconds per stage)."""
    return {n: b for n, b in files.items() if n not in ("summary.json", "report.html", "report.md")}
