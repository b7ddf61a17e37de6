"""Find the files of each contract table in an export folder.

A table is ``NAME.jsonl``, ``NAME.jsonl.gz``, ``NAME.csv``, ``NAME.csv.gz``,
``NAME.parquet`` or a folder ``NAME/`` of such part files (one format per table).
"""

from __future__ import annotations

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

    Raises:
        InputError: the table is given twice (e.g. as ``.csv`` and ``.jsonl``), or a
            folder mixes formats or holds no data file.
    """
    candidates = [p for p in export.iterdir() if _strip_suffix(p.name) == table]
    files = [p for p in candidates if p.is_file() and file_format(p)]
    folders = [p for p in candidates if p.is_dir() and p.name == table]
    if len(files) + len(folders) > 1:
        names = ", ".join(sorted(p.name for p in files + folders))
        raise InputError(str(export), f"table {table!r} is given more than once ({names})")
    if files:
        return TableFiles(table, file_format(files[0]), (files[0],))  # type: ignore[arg-type]
    if folders:
        return _folder_table(folders[0], table)
    return None


def _folder_table(folder: Path, table: str) -> TableFiles:
    parts = sorted(
        (p for p in folder.rglob("*") if p.is_file() and file_format(p)),
        key=lambda p: p.relative_to(folder).as_posix(),
    )
    if not parts:
        raise InputError(
            str(folder), f"folder for table {table!r} holds no .jsonl/.csv/.parquet file"
        )
    formats = {file_format(p) for p in parts}
    if len(formats) > 1:
        raise InputError(
            str(folder), f"table {table!r} mixes formats: {sorted(f.value for f in formats)}"
        )  # type: ignore[union-attr]
    return TableFiles(table, formats.pop(), tuple(parts))  # type: ignore[arg-type]
