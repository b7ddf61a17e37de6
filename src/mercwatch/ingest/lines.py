"""Split an input file into lines with bounded memory, whatever the file holds.

Reading a line with ``readline`` or ``for line in file`` holds the whole line in memory:
one 3 GB line (a 14 MB gzip) took 6 GB. Here the file is read in blocks; a line that
grows past ``max_line_bytes`` is not kept but skipped to its end, and comes out as one
line carrying a problem (its size) and a short excerpt, so it becomes a reject like
any other bad row. Memory stays under one block plus one line.

Line ends are ``\\n``, ``\\r\\n`` and a lone ``\\r`` (old Mac exports): a file with
CR-only endings used to be one huge line. (JSON cannot hold a raw CR inside a string;
in CSV a CR or CRLF inside a quoted cell is read as LF, the same line break.) A UTF-8
byte order mark at the start of a file is dropped. Files are opened without following
symbolic links.

With ``arrow=True`` a block of ordinary lines (all valid UTF-8, none over the limit)
is split by NumPy into one Arrow array without a Python object per line: JSON Lines
ingest of 1M rows spent most of its Python time building and converting line strings.
Any block that is not ordinary takes the line-by-line path, so both give the same lines.
"""

from __future__ import annotations

import codecs
import gzip
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mercwatch.errors import InputError
from mercwatch.ingest.limits import IngestLimits

BLOCK_BYTES = 32 << 20
_BOM = b"\xef\xbb\xbf"


class ByteBudget:
    """Bytes read from all files of one export, against ``max_input_bytes``.

    Counted after decompression, so a small gzip that inflates without end stops at
    the limit with one clear error instead of filling the disk or the memory.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def take(self, size: int, source: str) -> None:
        """Count ``size`` more bytes read from ``source``.

        Raises:
            InputError: the export as a whole is now over the limit.
        """
        self.used += size
        if self.used > self.limit:
            raise InputError(
                source,
                f"the export is larger than {self.limit:,} bytes once decompressed "
                "(ingest limit max_input_bytes); stopped reading here",
            )


def open_input(path: Path, source: str) -> IO[bytes]:
    """Open a regular file for reading, never through a symbolic link (``O_NOFOLLOW``).

    Discovery already refuses links; opening without following them closes the gap
    between that check and the read. ``.gz`` files are decompressed on the fly.

    Raises:
        InputError: the path is a link, not a regular file, or cannot be opened.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise InputError(source, f"cannot open (symbolic links are not followed): {exc}") from exc
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise InputError(source, "not a regular file")
    handle: IO[bytes] = os.fdopen(fd, "rb")
    if path.name.lower().endswith(".gz"):
        # Closing the GzipFile leaves ``handle`` open: wrap so both close together.
        return cast(IO[bytes], _GzipOwner(handle))
    return handle


class _GzipOwner(gzip.GzipFile):
    """A GzipFile that also closes the file it reads from."""

    def __init__(self, raw: IO[bytes]) -> None:
        super().__init__(fileobj=raw, mode="rb")
        self._raw = raw

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._raw.close()


@dataclass(slots=True)
class LineBlock:
    """Consecutive lines of a file.

    Attributes:
        lines: the text of each line (for a line with a problem, an excerpt).
        numbers: 1-based line number of each line.
        problems: per line, why it cannot be read (too long, not UTF-8), or ``None``.
        blank: blank lines left out of this block (when blank lines are skipped).
        tables: more lines, already in Arrow (``arrow=True``): columns ``_line``,
            ``_row`` and ``_problem`` as in :meth:`to_arrow`.
    """

    lines: list[str] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    problems: list[str | None] = field(default_factory=list)
    blank: int = 0
    tables: list[pa.Table] = field(default_factory=list)

    def to_arrow(self) -> pa.Table:
        """Every line of the block as one table (``_line``, ``_row``, ``_problem``)."""
        listed = _line_table(
            pa.array(self.lines, pa.large_string()),
            pa.array(self.numbers, pa.int64()),
            pa.array(self.problems, pa.string()),
        )
        return pa.concat_tables([*self.tables, listed]) if self.tables else listed

    def __len__(self) -> int:
        return len(self.lines) + sum(t.num_rows for t in self.tables)


def _line_table(lines: pa.Array, numbers: pa.Array, problems: pa.Array) -> pa.Table:
    return pa.table({"_line": lines, "_row": numbers, "_problem": problems})


def read_lines(
    handle: IO[bytes],
    source: str,
    limits: IngestLimits,
    budget: ByteBudget,
    *,
    keep_blank: bool = False,
    block_bytes: int = BLOCK_BYTES,
    arrow: bool = False,
) -> Iterator[LineBlock]:
    """Yield the lines of ``handle`` block by block, never holding more than one block
    plus ``limits.max_line_bytes``.

    Args:
        handle: the open file (see :func:`open_input`).
        source: the file's name in messages.
        limits: ``max_line_bytes`` and ``reject_excerpt_chars`` are used.
        budget: counts every byte read.
        keep_blank: yield blank lines too (CSV needs every line to number rows).
        block_bytes: read size; small values let tests cross block edges everywhere.
        arrow: put ordinary lines into ``LineBlock.tables`` (see the module docstring).
    """
    splitter = _Splitter(limits, keep_blank, arrow)
    carry = b""
    first_read = True
    while True:
        chunk = handle.read(max(block_bytes, len(_BOM)) if first_read else block_bytes)
        budget.take(len(chunk), source)
        eof = not chunk
        if first_read:
            first_read = False
            if chunk.startswith(_BOM):
                chunk = chunk[len(_BOM) :]
        data = carry + chunk
        # A "\r" at the end of a block may be the first half of "\r\n": wait for the next.
        carry = b""
        if not eof and data.endswith(b"\r"):
            data, carry = data[:-1], b"\r"
        if b"\r" in data:
            data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        block = splitter.feed(data, eof)
        if len(block) or block.blank:
            yield block
        if eof:
            return


class _Splitter:
    """The state between blocks: the unfinished last line, or a too-long line being skipped."""

    def __init__(self, limits: IngestLimits, keep_blank: bool, arrow: bool = False) -> None:
        self.max_line = limits.max_line_bytes
        self.excerpt = limits.reject_excerpt_chars
        self.keep_blank = keep_blank
        self.arrow = arrow
        self.next_line = 1
        self.tail = b""
        self.skipping: tuple[int, bytes, int] | None = None  # line, excerpt, bytes so far

    def feed(self, data: bytes, eof: bool) -> LineBlock:
        out = LineBlock()
        if self.skipping is not None:
            end = data.find(b"\n")
            if end < 0 and not eof:
                self._skip_more(len(data))
                return out
            end = len(data) if end < 0 else end
            self._skip_more(end)
            self._end_skip(out)
            data = data[end + 1 :]
            if eof and not data:
                return out
        data = self.tail + data
        self.tail = b""
        cut = len(data) if eof else data.rfind(b"\n") + 1
        whole, rest = data[:cut], data[cut:]
        if whole:
            self._add_lines(out, whole[:-1] if whole.endswith(b"\n") else whole)
        if len(rest) > self.max_line:
            self.skipping = (self.next_line, rest[: self.excerpt], len(rest))
        else:
            self.tail = rest
        return out

    def _skip_more(self, size: int) -> None:
        assert self.skipping is not None  # called only while a long line is skipped
        line, excerpt, seen = self.skipping
        self.skipping = (line, excerpt, seen + size)

    def _end_skip(self, out: LineBlock) -> None:
        assert self.skipping is not None  # called only while a long line is skipped
        line, excerpt, seen = self.skipping
        self.skipping = None
        self._emit(out, line, excerpt.decode("utf-8", errors="replace"), self._too_long(seen))
        self.next_line = line + 1

    def _too_long(self, size: int) -> str:
        return (
            f"line longer than {self.max_line:,} bytes (ingest limit max_line_bytes): "
            f"{size:,} bytes"
        )

    def _emit(self, out: LineBlock, number: int, text: str, problem: str | None) -> None:
        out.lines.append(text)
        out.numbers.append(number)
        out.problems.append(problem)

    def _add_lines(self, out: LineBlock, block: bytes) -> None:
        if self.arrow and self._add_arrow(out, block):
            return
        first = self.next_line
        parts: list[bytes] | None = None
        texts: list[str] | None = None
        if len(block) <= self.max_line:
            try:
                texts = block.decode("utf-8").split("\n")
            except UnicodeDecodeError:
                parts = block.split(b"\n")
        else:
            parts = block.split(b"\n")
        if texts is not None:
            for i, text in enumerate(texts):
                self._keep(out, first + i, text, None)
            self.next_line = first + len(texts)
            return
        assert parts is not None
        for i, part in enumerate(parts):
            self._keep(out, first + i, *self._decode(part))
        self.next_line = first + len(parts)

    def _decode(self, part: bytes) -> tuple[str, str | None]:
        if len(part) > self.max_line:
            return part[: self.excerpt].decode("utf-8", errors="replace"), self._too_long(len(part))
        try:
            return part.decode("utf-8"), None
        except UnicodeDecodeError:
            return part.decode("utf-8", errors="replace"), "line is not valid UTF-8"

    def _keep(self, out: LineBlock, number: int, text: str, problem: str | None) -> None:
        if problem is None and not self.keep_blank and not text.strip():
            out.blank += 1
            return
        self._emit(out, number, text, problem)

    def _add_arrow(self, out: LineBlock, block: bytes) -> bool:
        """Split ``block`` (whole lines, ``\\n`` only) into Arrow with NumPy; ``False``
        (nothing done) when a line is over the limit or not UTF-8."""
        if not block:
            return False
        buf = np.frombuffer(block, np.uint8)
        ends = np.flatnonzero(buf == 10)
        starts = np.concatenate(([0], ends + 1))
        ends = np.concatenate((ends, [len(block)]))
        if int((ends - starts).max()) > self.max_line:
            return False
        # Each value keeps its line end (no copy to cut it out); trimmed in Arrow below.
        offsets = np.concatenate((starts, [len(block)])).astype(np.int64)
        lines = pa.LargeStringArray.from_buffers(
            len(starts), pa.py_buffer(offsets), pa.py_buffer(block)
        )
        try:
            lines.validate(full=True)  # UTF-8
        except pa.ArrowInvalid:
            return False
        numbers = np.arange(self.next_line, self.next_line + len(starts), dtype=np.int64)
        self.next_line += len(starts)
        lines = pc.utf8_rtrim(lines, characters="\n")
        if not self.keep_blank:
            # Blank = empty or only whitespace: only a line starting with a space or a
            # non-ASCII byte can be that, and only those few are checked one by one.
            first = buf[np.minimum(starts, len(block) - 1)]
            maybe = (ends == starts) | np.isin(first, _MAYBE_BLANK_START) | (first >= 0x80)
            candidates = np.flatnonzero(maybe)
            blank = [i for i in candidates if not block[starts[i] : ends[i]].decode().strip()]
            if blank:
                keep = np.ones(len(starts), dtype=bool)
                keep[blank] = False
                lines, numbers = lines.filter(pa.array(keep)), numbers[keep]
                out.blank += len(blank)
        if len(numbers):
            out.tables.append(
                _line_table(lines, pa.array(numbers), pa.nulls(len(numbers), pa.string()))
            )
        return True


#: Bytes a whitespace-only line can start with (ASCII whitespace and separators).
_MAYBE_BLANK_START = np.frombuffer(b" \t\x0b\x0c\x1c\x1d\x1e\x1f", np.uint8)


def one_line_records(
    handle: IO[bytes],
    source: str,
    limits: IngestLimits,
    budget: ByteBudget,
    *,
    block_bytes: int = BLOCK_BYTES,
) -> bool:
    """Whether every CSV record of ``handle`` is exactly one physical line, so that a
    fast CSV parser's n-th record is line n + 1: no quoted line break (each line holds
    an even number of ``"``), no empty line (parsers skip those), no ``\\r``, every
    line valid UTF-8 and within ``max_line_bytes``. A NumPy scan of the bytes, with
    memory bounded by one block plus one line; anything else takes the careful path.
    A block's whole lines are judged where they lie; only the line that spans two
    blocks is copied (joining and cutting each block was half the scan's time).
    """
    try:
        return all(
            _one_line_block(data, start, end, limits)
            for data, start, end in whole_line_ranges(
                handle, source, limits.max_line_bytes, budget, block_bytes, strip_bom=True
            )
        )
    except NotPlainLines:
        return False


class NotPlainLines(Exception):
    """The bytes rule out a pre-scan's fast path: a ``\r``, a byte order mark where
    none may be, or a line longer than the limit."""


def whole_line_ranges(
    handle: IO[bytes],
    source: str,
    max_line_bytes: int,
    budget: ByteBudget,
    block_bytes: int,
    *,
    strip_bom: bool,
) -> Iterator[tuple[bytes, int, int]]:
    """Every line of ``handle`` once, as ranges ``(data, start, end)`` of whole lines,
    for the pre-scans of CSV (:func:`one_line_records`) and JSON Lines
    (``jsonl_direct.one_object_lines``).

    A block's whole lines are handed over where they lie; only the line that spans two
    blocks is copied (joining and cutting each block was half a scan's time), so memory
    stays one block plus one line. Without ``strip_bom`` every byte read is in exactly
    one range. Raises :class:`NotPlainLines` as soon as the bytes rule the fast path out.
    """
    carry, first = b"", True
    while True:
        chunk = handle.read(block_bytes)
        budget.take(len(chunk), source)
        eof = not chunk  # (a first block that is only the BOM is not the end)
        if first and chunk.startswith(_BOM):
            if not strip_bom:
                raise NotPlainLines
            chunk = chunk[len(_BOM) :]
        first = False
        if b"\r" in chunk:
            raise NotPlainLines
        if eof:
            yield carry, 0, len(carry)
            return
        start, end = chunk.find(b"\n") + 1, chunk.rfind(b"\n") + 1
        if not start:  # no line ends in this block
            carry += chunk
            if len(carry) > max_line_bytes:
                raise NotPlainLines
            continue
        head, carry = carry + chunk[:start], chunk[end:]
        if len(head) - 1 > max_line_bytes or len(carry) > max_line_bytes:
            raise NotPlainLines
        yield head, 0, len(head)
        yield chunk, start, end


def _one_line_block(data: bytes, start: int, end: int, limits: IngestLimits) -> bool:
    """Whether every line of ``data[start:end]`` (whole lines) passes
    :func:`one_line_records`."""
    if start >= end:
        return True
    buf = np.frombuffer(data, np.uint8, end - start, start)
    ends = np.flatnonzero(buf == 10)
    if not data.endswith(b"\n", start, end):
        ends = np.concatenate((ends, [end - start]))
    starts = np.concatenate(([0], ends[:-1] + 1))
    lengths = ends - starts
    if int(lengths.min()) == 0 or int(lengths.max()) > limits.max_line_bytes:
        return False
    quotes = np.flatnonzero(buf == 34)
    per_line = np.bincount(np.searchsorted(ends, quotes), minlength=len(ends))
    if np.any(per_line % 2):
        return False
    if data.isascii():  # valid UTF-8, ~10x faster to tell than decoding
        return True
    try:
        codecs.utf_8_decode(memoryview(data)[start:end], "strict", True)
    except UnicodeDecodeError:
        return False
    return True
