"""A run file parsed once and re-parsed only when it changes on disk.

Operations, notifications: files as long as what a run found (not the platform), read
on nearly every request. The file's identity (inode, mtime, size) is checked per call,
so a new run's publish (a symlink switch to another inode) is picked up at once.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")


class ParsedFile(ABC, Generic[T]):
    """Subclasses say how to parse (:meth:`_read`); :meth:`all` caches by file identity.

    Args:
        path: the file; absent until a run has written it.
    """

    def __init__(self, path: Path, empty: T) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._value: T = empty

    def all(self) -> T:
        """The parsed content as the file is now.

        Raises:
            FileNotFoundError: no run output yet.
            StateError: the file does not parse (from :meth:`_read`).
        """
        st = self.path.stat()
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        with self._lock:
            if stamp != self._stamp:
                self._value = self._read()
                self._stamp = stamp
            return self._value

    @abstractmethod
    def _read(self) -> T: ...
