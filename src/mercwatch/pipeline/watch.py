"""``mercwatch watch``: keep OUT current while part files land in an export.

Each poll lists the part files (``events/part-*.jsonl`` ...) and runs the pipeline
incrementally (pipeline/incremental.py) on those that have finished landing:

* a file whose name starts with a dot, or that does not end in a data suffix
  (``*.tmp``), is never read (ingest/discover.py);
* a part is ready once its size and mtime were the same at the previous poll, or
  its mtime is at least ``settle`` seconds old; one still changing waits;
* a part that changes while it is read stops that batch (the next poll retries).

Restarting is safe at any moment, kill -9 included: OUT's lock dies with the process,
the incremental cache and published outputs are replaced atomically, and the state
store records each action and warning once, so a batch cut short is simply run again.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from mercwatch.errors import InputError
from mercwatch.ingest.contract import TABLES
from mercwatch.ingest.discover import in_progress
from mercwatch.pipeline.config import RunConfig
from mercwatch.pipeline.guards import previous_summary
from mercwatch.pipeline.incremental import PartStamp, part_tables, single_file_stamps
from mercwatch.pipeline.progress import StageListener
from mercwatch.pipeline.run import RunResult, run_pipeline
from mercwatch.store.state import StateStore


@dataclass(frozen=True, slots=True)
class Batch:
    """What one poll did, for the screen and for tests."""

    number: int
    new_parts: tuple[str, ...]
    waiting: tuple[str, ...]
    operations: int
    new_actions: int
    new_warnings: int
    seconds: float
    lag_seconds: float | None  # newest part landed -> its outputs published
    mode: str


@dataclass(slots=True)
class Watcher:
    """Polls one export into one OUT; ``poll`` is one step (the CLI loops over it)."""

    config: RunConfig
    settle: float = 2.0
    clock: Callable[[], float] = time.time
    seen: dict[str, PartStamp] = field(default_factory=dict)
    batches: int = 0

    def poll(self, progress: StageListener | None = None) -> Batch | None:
        """Run once if anything new has landed; ``None`` when there was nothing to do."""
        export, out = self.config.export, self.config.out
        if not export.is_dir():
            raise InputError(str(export), "export folder not found")
        stamps = {
            p.relative_to(export).as_posix(): PartStamp.of(p)
            for files in part_tables(export).values()
            for p in files.paths
        }
        now = self.clock()
        ready = {
            name
            for name, stamp in stamps.items()
            if self.seen.get(name) == stamp or now - stamp.mtime_ns / 1e9 >= self.settle
        }
        waiting = sorted(set(stamps) - ready) + [n for t in TABLES for n in in_progress(export, t)]
        self.seen = stamps
        if stamps and not ready:
            return None  # every part is still landing
        # What the published outputs were computed from, not what the ingest cache
        # holds: a run killed after ingest has cached parts it never published.
        published = previous_summary(out) or {}
        done = {f for t in published.get("tables", ()) for f in t.get("files", ())}
        new = sorted(ready - done)
        singles = published.get("ingest_mode", {}).get("single_files")
        if published and not new and singles == single_file_stamps(export):
            return None
        before = _state_counts(self.config)
        started = time.perf_counter()
        result = run_pipeline(
            dataclasses.replace(self.config, part_filter=ready.__contains__), progress
        )
        self.batches += 1
        after = _state_counts(self.config)
        landed = [stamps[n].mtime_ns / 1e9 for n in new]
        return Batch(
            number=self.batches,
            new_parts=tuple(new),
            waiting=tuple(waiting),
            operations=len(result.operations),
            new_actions=after[0] - before[0],
            new_warnings=after[1] - before[1],
            seconds=time.perf_counter() - started,
            lag_seconds=self.clock() - max(landed) if landed else None,
            mode=_mode(result),
        )


def _mode(result: RunResult) -> str:
    return result.loaded.mode if result.loaded is not None else "full"


def _state_counts(config: RunConfig) -> tuple[int, int]:
    """Rows in the actions table and the outbox (to report what a batch added)."""
    from sqlalchemy import func, select

    from mercwatch.store.state import actions, notification_outbox

    if config.state_url is None and not (config.out / "state.db").exists():
        return 0, 0
    store = StateStore.open(config.resolved_state_url())
    try:
        with store.engine.connect() as conn:
            acted = conn.execute(select(func.count()).select_from(actions)).scalar_one()
            warned = conn.execute(
                select(func.count()).select_from(notification_outbox)
            ).scalar_one()
    finally:
        store.dispose()
    return int(acted), int(warned)
