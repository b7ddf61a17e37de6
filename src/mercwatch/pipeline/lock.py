"""One run at a time per output folder: an exclusive ``fcntl`` lock on ``OUT/.lock``.

Two runs into the same OUT used to race on the state store's migration and on
publishing, and the last writer won. The lock is taken before the state store is
opened and held until the outputs are published. The kernel releases it when the
process ends, however it ends (kill -9 included), so a crashed run never leaves a
stale lock behind; the file itself stays and is reused.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mercwatch.errors import OutputError, OutputLocked

LOCK_NAME = ".lock"


@contextmanager
def locked_output(out: Path) -> Iterator[None]:
    """Hold OUT's lock for the block; create OUT if needed.

    Raises:
        OutputLocked: another process holds the lock (it is not waited for).
        OutputError: OUT or its lock file cannot be created (read-only, disk full).
    """
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd = os.open(out / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise OutputError(str(exc.filename or out), exc.strerror or str(exc)) from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise OutputLocked(str(out)) from exc
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
