"""Per-stage progress for long commands (``run``, ``watch``, ``simulate``).

A run on a large export spends minutes in ingest and detection with nothing on the
screen; here each stage shows as it starts and the bar counts stages done with an
estimate of the time left. Progress goes to the terminal only: it is off when stdout
is not a terminal (CI logs, pipes, notebooks) and under ``mercwatch -q`` (which sets
the root logger to ERROR, see ``mercwatch/cli.py``).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Protocol

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

# The stages of ``run`` in order, for the bar's total (a stage not run is skipped).
RUN_STAGES = (
    "ingest",
    "intel_import",
    "detect",
    "coverage",
    "link",
    "intel_export",
    "enforce",
    "notify",
    "write",
    "report",
)


class StageListener(Protocol):
    """Told when a stage starts; ``None`` where progress is not wanted."""

    def __call__(self, stage: str) -> None: ...


def progress_wanted(console: Console | None = None) -> bool:
    """Whether to draw progress: a terminal on stdout and not ``-q``."""
    terminal = console.is_terminal if console is not None else sys.stdout.isatty()
    return terminal and logging.getLogger().getEffectiveLevel() < logging.ERROR


def new_progress(console: Console | None = None) -> Progress:
    """The bar every verb uses: spinner, what, bar, done/total, elapsed, time left."""
    return Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )


@contextmanager
def stage_progress(
    title: str, stages: Sequence[str] = RUN_STAGES, console: Console | None = None
) -> Iterator[StageListener | None]:
    """A listener that advances one bar per stage, or ``None`` when progress is off."""
    if not progress_wanted(console):
        yield None
        return
    order = {name: i for i, name in enumerate(stages)}
    with new_progress(console) as bar:
        task = bar.add_task(title, total=len(stages))

        def started(stage: str) -> None:
            done = order.get(stage, 0)
            bar.update(task, completed=done, description=f"{title}: {stage}", refresh=True)

        yield started
        bar.update(task, completed=len(stages), description=f"{title}: done")


@contextmanager
def counted_progress(
    title: str, console: Console | None = None
) -> Iterator[Callable[[str, int, int], None] | None]:
    """A listener ``(step, done, total)`` drawing one bar with its ETA, or ``None``."""
    if not progress_wanted(console):
        yield None
        return
    with new_progress(console) as bar:
        task = bar.add_task(title, total=None)

        def update(step: str, done: int, total: int) -> None:
            bar.update(
                task, completed=done, total=total, description=f"{title}: {step}", refresh=True
            )

        yield update
