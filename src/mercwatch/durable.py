"""Making a write survive a power cut: flush a file's data or a folder's entries.

One helper for every place that writes, renames into place and must not lose the rename
(published outputs, landed stream parts): after ``os.replace`` the new name lives in the
folder, and only an fsync of the folder makes it durable.
"""

from __future__ import annotations

import os
from pathlib import Path


def fsync_path(path: Path) -> None:
    """Flush a file, or a folder's entries (renames), to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
