"""The versioned run folders of an output folder (``OUT/.runs/NNNNNN``) and their summaries.

The layout is :mod:`mercwatch.pipeline.outputs`'s; this module only reads it. A run's
"manifest" is the list of files it published with their sizes; its summary is the
``summary.json`` the run wrote (SCHEMA.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mercwatch.errors import StateError
from mercwatch.pipeline.outputs import RUNS_DIR, published_version


@dataclass(frozen=True, slots=True)
class RunFile:
    name: str
    bytes: int


@dataclass(frozen=True, slots=True)
class RunInfo:
    """One published run: its id (the folder's number), whether it is current, its files."""

    run_id: str
    current: bool
    files: tuple[RunFile, ...]
    summary: dict[str, Any] = field(default_factory=dict)


def list_runs(out: Path) -> list[RunInfo]:
    """Every kept run of ``out``, newest first (empty before the first run)."""
    runs = out / RUNS_DIR
    if not runs.is_dir():
        return []
    ids = sorted((p.name for p in runs.iterdir() if p.name.isdigit()), reverse=True)
    found = (run_info(out, run_id) for run_id in ids)
    return [r for r in found if r is not None]


def run_info(out: Path, run_id: str) -> RunInfo | None:
    """One run by id (``000007`` or ``7``), or ``None`` when it is not kept (pruned).

    Raises:
        StateError: its ``summary.json`` is not readable JSON.
    """
    if not run_id.isdigit() or len(run_id) > 12:
        return None
    folder = out / RUNS_DIR / f"{int(run_id):06d}"
    try:
        entries = sorted(p for p in folder.iterdir() if p.is_file())
    except OSError:  # pruned between listing and reading, or never there
        return None
    current = published_version(out)
    return RunInfo(
        run_id=folder.name,
        current=current is not None and current == folder.resolve(),
        files=tuple(RunFile(p.name, p.stat().st_size) for p in entries),
        summary=_summary(folder / "summary.json"),
    )


def _summary(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise StateError(f"{path}: not a readable summary: {exc!r}") from exc
    return data if isinstance(data, dict) else {}
