"""JSON Lines read by DuckDB itself when a pre-scan shows that line n is record n.

The careful JSON Lines path (``readers``) splits the file into lines in Python, hands
them to DuckDB in Arrow batches and checks each with ``json_valid`` before parsing it:
on 1M events that staging was most of the ingest time. DuckDB's own
``read_json_objects`` reads the same file at about raw speed and keeps each line's
text, but it skips blank lines and numbers records, not lines. So it is used only
when a NumPy pre-scan of the bytes proves record n is line n and that the careful path
would find nothing wrong with the line as a line: no blank line, no ``\\r``, no byte
order mark, every line valid UTF-8, within ``max_line_bytes``, starting with ``{`` and
holding at most ``max_depth`` brackets. A line that is still not valid JSON makes
DuckDB fail; the caller then takes that file's rows back and reads it the careful way,
so every bad line gets its reject with its line number. Either path stages the same
rows (a test compares them on hostile files).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from mercwatch.ingest.limits import IngestLimits
from mercwatch.ingest.lines import ByteBudget, NotPlainLines, whole_line_ranges

_BLOCK = 32 << 20
#: Characters DuckDB reads as a glob pattern in a path: such a file takes the careful path.
_GLOB = set("*?[]{}")


@dataclass(frozen=True, slots=True)
class PreScan:
    """A file fit for the direct read: its number of lines and bytes (decompressed)."""

    lines: int
    size: int


def one_object_lines(
    handle: IO[bytes],
    source: str,
    limits: IngestLimits,
    budget: ByteBudget,
    *,
    block_bytes: int = _BLOCK,
) -> PreScan | None:
    """Whether every line of ``handle`` is one plain JSON object line (see the module
    docstring); ``None`` when any line is not, or the file is empty. Memory is bounded
    by one block plus one line.

    A block's whole lines are judged where they lie (byte counts over a range): only
    the line that spans two blocks is copied. Joining and cutting every 32 MB block
    cost as much as the counts themselves.
    """
    lines = size = 0
    try:
        for data, start, end in whole_line_ranges(
            handle, source, limits.max_line_bytes, budget, block_bytes, strip_bom=False
        ):
            counted = _object_lines(data, start, end, limits)
            if counted is None:
                return None
            lines += counted
            size += end - start  # no BOM is allowed: the ranges hold every byte once
    except NotPlainLines:
        return None
    return PreScan(lines, size) if lines else None


def _object_lines(data: bytes, start: int, end: int, limits: IngestLimits) -> int | None:
    """Lines in ``data[start:end]`` (whole lines) if each is a plain object line, else
    ``None``.

    Byte counts (C speed) decide the common case: every line starts with ``{`` when
    each line end but the last is followed by ``{`` (which also rules out empty lines);
    no line has more brackets than the range's total less one per other line. Only a
    range that fails such a bound is looked at line by line with NumPy.
    """
    if start >= end:
        return 0
    lines = data.count(b"\n", start, end) + (0 if data.endswith(b"\n", start, end) else 1)
    if data[start] != ord("{") or data.count(b"\n{", start, end) != lines - 1:
        return None
    if not _lines_within(data, start, end, limits.max_line_bytes):
        return None
    brackets = data.count(b"{", start, end) + data.count(b"[", start, end)
    deep = brackets - (lines - 1) > limits.max_depth
    if deep and _deepest(data, start, end, lines) > limits.max_depth:
        return None
    # An ASCII block is valid UTF-8 (a check ~10x faster than decoding).
    if not data.isascii():
        try:
            codecs.utf_8_decode(memoryview(data)[start:end], "strict", True)
        except UnicodeDecodeError:
            return None
    return lines


def _lines_within(data: bytes, start: int, end: int, limit: int) -> bool:
    """Whether no line of ``data[start:end]`` is longer than ``limit`` bytes.

    A line longer than ``limit`` covers a whole aligned window of ``limit // 2`` bytes
    with no line end; only when some window has none are line lengths measured.
    """
    window = max(limit // 2, 1)
    starts = range(start, end - window + 1, window)
    if all(data.find(b"\n", i, i + window) >= 0 for i in starts):
        return True
    buf = np.frombuffer(data, np.uint8, end - start, start)
    ends = np.concatenate(([-1], np.flatnonzero(buf == 10), [end - start]))
    return int(np.diff(ends).max()) - 1 <= limit


def _deepest(data: bytes, start: int, end: int, lines: int) -> int:
    """Most ``{`` and ``[`` on one line of ``data[start:end]`` (an upper bound of its
    nesting)."""
    buf = np.frombuffer(data, np.uint8, end - start, start)
    ends = np.flatnonzero(buf == 10)
    if len(ends) < lines:
        ends = np.concatenate((ends, [end - start]))
    brackets = np.flatnonzero((buf == ord("{")) | (buf == ord("[")))
    return int(np.bincount(np.searchsorted(ends, brackets), minlength=len(ends)).max())


def direct_source_sql(path: Path, limits: IngestLimits) -> str | None:
    """FROM clause giving ``_line``, ``_row``, ``_problem`` (NULL) of every line of
    ``path`` read by DuckDB, or ``None`` when its name cannot be passed to DuckDB as is."""
    text = str(path)
    if _GLOB & set(text):
        return None
    file = text.replace("'", "''")
    # DuckDB refuses objects over maximum_object_size; the pre-scan already bounded lines.
    size = max(16 << 20, limits.max_line_bytes + 1)
    return (
        "(SELECT json::VARCHAR AS _line, ordinality AS _row, NULL::VARCHAR AS _problem "
        f"FROM read_json_objects('{file}', format = 'newline_delimited', "
        f"maximum_object_size = {size}) WITH ORDINALITY)"
    )
