"""Property tests of the bounded line splitter: any bytes, any block size, any limit.

The splitter must give exactly the lines a plain reference split gives (line ends
``\\n``, ``\\r\\n`` and ``\\r``), flag every line over the limit instead of keeping it, and
never hold more than one block plus one line.
"""

from __future__ import annotations

import io
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from mercwatch.ingest.limits import IngestLimits
from mercwatch.ingest.lines import ByteBudget, read_lines

PIECES = st.sampled_from([b"a", b"\xc3\xa9", b"{", b"\n", b"\r", b"\r\n", b" ", b"\xff", b"xyz"])


def _reference(data: bytes, max_line: int) -> list[tuple[int, str | None, bool]]:
    """(line number, text or None when too long, problem?) for every line."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    parts = re.split(rb"\r\n|\r|\n", data)
    if parts and parts[-1] == b"":
        parts.pop()  # the file's last line end
    out = []
    for number, part in enumerate(parts, 1):
        if len(part) > max_line:
            out.append((number, None, True))
            continue
        try:
            out.append((number, part.decode("utf-8"), False))
        except UnicodeDecodeError:
            out.append((number, None, True))
    return out


def _split(
    data: bytes, max_line: int, block: int, *, arrow: bool = False, keep_blank: bool = True
) -> list[tuple[int, str | None, bool]]:
    limits = IngestLimits(max_line_bytes=max_line, reject_excerpt_chars=16)
    out = []
    for got in read_lines(
        io.BytesIO(data),
        "t",
        limits,
        ByteBudget(1 << 30),
        keep_blank=keep_blank,
        block_bytes=block,
        arrow=arrow,
    ):
        table = got.to_arrow().to_pydict()
        for text, number, problem in zip(
            table["_line"], table["_row"], table["_problem"], strict=True
        ):
            out.append((number, None if problem else text, problem is not None))
    return sorted(out)


@settings(max_examples=300, deadline=None)
@given(
    data=st.lists(PIECES, max_size=60).map(b"".join),
    bom=st.booleans(),
    max_line=st.integers(min_value=1, max_value=12),
    block=st.integers(min_value=1, max_value=16),
)
def test_lines_match_a_reference_split(data, bom, max_line, block):
    if bom:
        data = b"\xef\xbb\xbf" + data
    assert _split(data, max_line, block) == _reference(data, max_line)
    assert _split(data, max_line, block, arrow=True) == _reference(data, max_line)


WHITE = st.sampled_from([b" ", b"\t", b"\x0c", b"\xc2\xa0", b"\xe3\x80\x80", b"\x1f"])


@settings(max_examples=300, deadline=None)
@given(
    data=st.lists(st.one_of(PIECES, WHITE), max_size=60).map(b"".join),
    max_line=st.integers(min_value=1, max_value=12),
    block=st.integers(min_value=1, max_value=16),
)
def test_arrow_split_skips_the_same_blank_lines(data, max_line, block):
    """The NumPy/Arrow path (JSON Lines ingest) leaves out exactly the lines the
    line-by-line path leaves out as blank (only whitespace, Unicode included)."""
    plain = _split(data, max_line, block, keep_blank=False)
    assert _split(data, max_line, block, arrow=True, keep_blank=False) == plain
    blank = [n for n, text, bad in _reference(data, max_line) if not bad and not text.strip()]
    assert not {n for n, _, _ in plain} & set(blank)


@settings(max_examples=100, deadline=None)
@given(size=st.integers(min_value=0, max_value=5000), block=st.integers(1, 64))
def test_a_long_line_is_reported_with_its_size_and_an_excerpt(size, block):
    data = b"x" * size + b"\nok\n"
    limits = IngestLimits(max_line_bytes=100, reject_excerpt_chars=16)
    blocks = list(read_lines(io.BytesIO(data), "t", limits, ByteBudget(1 << 30), block_bytes=block))
    lines = [line for b in blocks for line in b.lines]
    problems = [p for b in blocks for p in b.problems]
    if size > 100:
        assert lines == ["x" * 16, "ok"]
        assert problems[0] == (
            f"line longer than 100 bytes (ingest limit max_line_bytes): {size:,} bytes"
        )
    elif size:
        assert lines == ["x" * size, "ok"] and problems == [None, None]
    else:
        assert lines == ["ok"]
