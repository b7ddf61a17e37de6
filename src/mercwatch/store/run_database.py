"""The DuckDB database one ``mercwatch run`` works in: a file in a scratch folder.

Why a file and not memory: an in-memory DuckDB keeps every table (the validated
export, the detectors' shared tables, the signals) in RAM for the whole run, all
columns of it, whether a query reads them or not; on the 1M-user platform (11.3M
events) that was 8.4 GB. A file-backed database keeps the tables on disk and reads
back only the column segments a query touches, into a buffer pool DuckDB may evict
under its ``memory_limit``; what a query needs beyond that spills to
``temp_directory``. The outputs are the same (tests/pipeline/test_run_database.py).

The folder is the run's own and is removed when the run ends; it is only a copy of
the export, never state. A run killed outright (SIGKILL, power loss) cannot remove
it, so each run first removes the folders of runs whose process is gone (the owner's
pid is written inside). ``EngineConfig.database`` still names a
database to keep, and ``in_memory`` keeps the old behaviour for small exports.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ibis.backends import BaseBackend

from mercwatch.store.engine import EngineConfig, connect

# Share of the machine's memory DuckDB may hold before it evicts and spills. Half
# leaves room for Python, Arrow results and the link stage's scoring workers.
MEMORY_SHARE = 0.5
PREFIX = "mercwatch-run-"
OWNER_FILE = "owner.pid"


def machine_memory_bytes() -> int | None:
    """Physical memory of this machine, ``None`` where the OS does not say."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def default_memory_limit(share: float = MEMORY_SHARE) -> str | None:
    """``share`` of physical memory as a DuckDB size (``"11776MB"``), or ``None``."""
    total = machine_memory_bytes()
    if not total:
        return None
    return f"{max(int(total * share) // 2**20, 256)}MB"


@contextmanager
def run_database(config: EngineConfig) -> Iterator[BaseBackend]:
    """Open the run's DuckDB (see the module docstring); close and remove it after.

    A configured ``database`` or ``in_memory`` is used as given (with the derived
    memory limit unless one is set); otherwise the database file and its spill
    folder live in a fresh folder under ``config.work_dir`` (default: the OS temp).
    """
    config = dataclasses.replace(
        config, kind="duckdb", memory_limit=config.memory_limit or default_memory_limit()
    )
    if config.database is not None or config.in_memory:
        con = connect(config)
        try:
            yield con
        finally:
            con.disconnect()
        return
    if config.work_dir is not None:
        config.work_dir.mkdir(parents=True, exist_ok=True)
    remove_abandoned(Path(config.work_dir or tempfile.gettempdir()))
    here = Path(tempfile.mkdtemp(prefix=PREFIX, dir=config.work_dir))
    try:
        (here / OWNER_FILE).write_text(str(os.getpid()), encoding="utf-8")
        con = connect(
            dataclasses.replace(
                config,
                database=here / "run.duckdb",
                temp_directory=config.temp_directory or here / "spill",
            )
        )
        try:
            yield con
        finally:
            con.disconnect()
    finally:
        shutil.rmtree(here, ignore_errors=True)


def remove_abandoned(parent: Path) -> list[Path]:
    """Remove scratch folders under ``parent`` whose run's process no longer exists.

    A folder without a readable owner is left alone (it may be a run that is just
    starting); returns what was removed.
    """
    removed = []
    for folder in parent.glob(f"{PREFIX}*"):
        try:
            owner = int((folder / OWNER_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not _alive(owner):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True
