"""Property tests of the JSON Lines and CSV pre-scans (``one_object_lines``, ``one_line_records``).

The pre-scan judges each block's whole lines by byte counts over a range and copies
only the line that spans two blocks; whatever the bytes and the block size, it must
accept exactly the files a plain line-by-line reference accepts, with the same count.
"""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from mercwatch.ingest.jsonl_direct import one_object_lines
from mercwatch.ingest.limits import IngestLimits
from mercwatch.ingest.lines import ByteBudget, one_line_records

LIMITS = IngestLimits(max_line_bytes=24, max_depth=3)
LINES = st.sampled_from(
    [b'{"a": 1}', b"{}", b'{"b": "\xc3\xa9"}', b'{"a": [["x"]]}', b"{{{{}}}}", b"", b" {}"]
    + [b"[1]", b"{\xff}", b'{"a": "\xe2\x82"}', b'{"x": "' + b"y" * 24 + b'"}', b"{\r}"]
)


def _reference(data: bytes) -> int | None:
    """Lines when every line is one plain object line by the module's rules, else None."""
    if data.startswith(b"\xef\xbb\xbf") or b"\r" in data:
        return None
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    for line in lines:
        if not line.startswith(b"{") or len(line) > LIMITS.max_line_bytes:
            return None
        if line.count(b"{") + line.count(b"[") > LIMITS.max_depth:
            return None
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return len(lines) or None


@settings(max_examples=400, deadline=None)
@given(
    lines=st.lists(LINES, max_size=8),
    final_newline=st.booleans(),
    block=st.integers(min_value=1, max_value=80),
)
def test_the_pre_scan_accepts_what_a_line_by_line_reference_accepts(lines, final_newline, block):
    data = b"\n".join(lines) + (b"\n" if final_newline else b"")
    scan = one_object_lines(io.BytesIO(data), "t", LIMITS, ByteBudget(1 << 30), block_bytes=block)
    assert (scan.lines if scan else None) == _reference(data)
    if scan:
        assert scan.size == len(data)


CSV_LIMITS = IngestLimits(max_line_bytes=20)
CSV_LINES = st.sampled_from(
    [b"a,b", b'"x,y",1', b"\xc3\xa9,2", b"", b" ", b'"open', b"z" * 25, b"\xff", b"\xe2\x82"]
    + [b"\r", b'""""']
)


def _csv_reference(data: bytes) -> bool:
    """Whether every line is a non-empty, whole CSV record by ``one_line_records``' rules."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    if b"\r" in data:
        return False
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    for line in lines:
        if not line or len(line) > CSV_LIMITS.max_line_bytes or line.count(b'"') % 2:
            return False
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            return False
    return True


@settings(max_examples=400, deadline=None)
@given(
    lines=st.lists(CSV_LINES, max_size=8),
    final_newline=st.booleans(),
    bom=st.booleans(),
    block=st.integers(min_value=3, max_value=80),
)
def test_the_csv_pre_scan_accepts_what_a_line_by_line_reference_accepts(
    lines, final_newline, bom, block
):
    data = (b"\xef\xbb\xbf" if bom else b"") + b"\n".join(lines) + (b"\n" if final_newline else b"")
    got = one_line_records(
        io.BytesIO(data), "t", CSV_LIMITS, ByteBudget(1 << 30), block_bytes=block
    )
    assert got == _csv_reference(data)
