"""Find the files of each contract table in an export folder.

A table is ``NAME.jsonl``, ``NAME.jsonl.gz``, ``NAME.csv``, ``NAME.csv.gz``,
``NAME.parquet`` or a folder ``NAME/`` of such part files (one format per table).
Symbolic links and special files (FIFOs, devices) are refused with an error.
Inside a table folder, a name starting with a dot is a part still being written
(writers land ``.part-0003.jsonl`` and rename it when done, as ``*.tmp`` files are
never data): it is not read, and :func:`in_progress` lists them so ``watch`` can say so.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from mercwatch.errors import InputError


class FileFormat(str, Enum):
    """Input formats of SCHEMA.md."""

    JSONL = "jsonl"
    CSV = "csv"
    PARQUET = "parquet"


_SUFFIXES: dict[str, FileFormat] = {
    ".jsonl": FileFormat.JSONL,
    ".jsonl.gz": FileFormat.JSONL,
    ".ndjson": FileFormat.JSONL,
    ".csv": FileFormat.CSV,
    ".csv.gz": FileFormat.CSV,
    ".parquet": FileFormat.PARQUET,
}


@dataclass(frozen=True, slots=True)
class TableFiles:
    """The files that hold one table, all in one format, in a stable order."""

    table: str
    format: FileFormat
    paths: tuple[Path, ...]


def file_format(path: Path) -> FileFormat | None:
    """The format a file name announces, or ``None`` for files that are not data."""
    name = path.name.lower()
    for suffix in sorted(_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return _SUFFIXES[suffix]
    return None


def _strip_suffix(name: str) -> str:
    lower = name.lower()
    for suffix in sorted(_SUFFIXES, key=len, reverse=True):
        if lower.endswith(suffix):
            return name[: -len(suffix)]
    return name


def find_table(export: Path, table: str) -> TableFiles | None:
    """Locate ``table`` in ``export``; ``None`` when the export has no such table.

    Symbolic links are refused, not followed: a link inside an export can point
    anywhere (``/etc/passwd`` was once copied line by line into the rejects), and a
    link that stays inside the export is never needed. The export folder itself may
    be a link; nothing under it may.

    Raises:
        InputError: the table is given twice (e.g. as ``.csv`` and ``.jsonl``), a
            folder mixes formats or holds no data file, or a table file, folder or
            part is a symbolic link or not a regular file.
    """
    candidates = sorted(p for p in export.iterdir() if _strip_suffix(p.name) == table)
    for path in candidates:
        if file_format(path) or path.name == table:
            _refuse_link(path, export)
    files = [p for p in candidates if _is_regular(p) and file_format(p)]
    folders = [p for p in candidates if p.is_dir() and p.name == table]
    others = [p for p in candidates if file_format(p) and p not in files]
    if others:
        raise InputError(_rel(others[0], export), "not a regular file")
    if len(files) + len(folders) > 1:
        names = ", ".join(sorted(p.name for p in files + folders))
        raise InputError(str(export), f"table {table!r} is given more than once ({names})")
    if files:
        fmt = file_format(files[0])
        assert fmt is not None  # files keeps only paths that have a format
        return TableFiles(table, fmt, (files[0],))
    if folders:
        return _folder_table(folders[0], table, export)
    return None


def _rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _is_regular(path: Path) -> bool:
    return stat.S_ISREG(path.lstat().st_mode)


def _refuse_link(path: Path, root: Path) -> None:
    if path.is_symlink():
        raise InputError(
            _rel(path, root),
            "is a symbolic link; links inside an export are never followed "
            "(copy the file into the export instead)",
        )


def _walk(folder: Path, root: Path) -> list[Path]:
    """Every data file under ``folder``, refusing links and special files on the way."""
    found = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue  # a part still being written (module docstring)
        _refuse_link(path, root)
        mode = path.lstat().st_mode
        if stat.S_ISDIR(mode):
            found.extend(_walk(path, root))
        elif file_format(path):
            if not stat.S_ISREG(mode):
                raise InputError(_rel(path, root), "not a regular file")
            found.append(path)
    return found


def _folder_table(folder: Path, table: str, root: Path) -> TableFiles:
    parts = sorted(_walk(folder, root), key=lambda p: p.relative_to(folder).as_posix())
    if not parts:
        raise InputError(
            str(folder), f"folder for table {table!r} holds no .jsonl/.csv/.parquet file"
        )
    formats = {f for p in parts if (f := file_format(p)) is not None}
    if len(formats) > 1:
        raise InputError(
            str(folder), f"table {table!r} mixes formats: {sorted(f.value for f in formats)}"
        )
    return TableFiles(table, formats.pop(), tuple(parts))


def in_progress(export: Path, table: str) -> list[str]:
    """Dot-files under the folder of ``table``: parts not yet landed, never read."""
    folder = export / table
    if not folder.is_dir() or folder.is_symlink():
        return []
    return sorted(p.relative_to(export).as_posix() for p in folder.rglob(".*") if file_format(p))
