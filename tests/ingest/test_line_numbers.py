"""A rejected row names its line, whatever the file's shape: gzip, CRLF, a byte order
mark, empty lines, quotes inside JSON strings, line breaks inside quoted CSV cells.

These run through the fast readers (NumPy/Arrow line split for JSON Lines, Arrow's
CSV parser after a pre-scan) and through the careful ones, which they fall back to.
"""

from __future__ import annotations

import gzip
import json

import pytest
from _ingest_samples import ACCOUNTS, write_table

from mercwatch.ingest import ingest_export
from mercwatch.ingest.limits import IngestLimits

LENIENT = IngestLimits(max_reject_fraction=1.0)
GOOD = {"event_id": "e1", "ts": "2021-09-01T00:00:00Z", "type": "login", "actor_id": "a1"}


def _event(i: int, **changes: str) -> str:
    return json.dumps({**GOOD, "event_id": f"e{i}", **changes})


def _rejected_lines(folder, con) -> list[tuple[str, int, str]]:
    write_table(folder, "accounts", ACCOUNTS, "jsonl")
    report = ingest_export(folder, con, LENIENT)
    rows = con.con.sql("SELECT source, line, field FROM rejects ORDER BY line").fetchall()
    assert report.rejected == len(rows)
    return rows


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_jsonl_reject_lines(tmp_path, con, compress, newline):
    lines = [
        _event(1, text='she said "hi" {[ ]}'),
        "",
        "   ",
        _event(2, ts="not-a-time"),
        "{broken",
        "",
        _event(3, type="nope"),
    ]
    data = b"\xef\xbb\xbf" + newline.join(lines).encode() + newline.encode()
    name = "events.jsonl.gz" if compress else "events.jsonl"
    (tmp_path / name).write_bytes(gzip.compress(data) if compress else data)
    assert _rejected_lines(tmp_path, con) == [(name, 4, "ts"), (name, 5, None), (name, 7, "type")]
    loaded = con.con.sql("SELECT text FROM events").fetchall()
    assert loaded == [('she said "hi" {[ ]}',)]


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("quoted_break", [False, True])
def test_csv_reject_lines(tmp_path, con, compress, newline, quoted_break):
    text = '"two\nlines"' if quoted_break else '"a, ""quoted"" cell"'
    rows = [
        "event_id,ts,type,actor_id,text",
        f"e1,2021-09-01T00:00:00Z,login,a1,{text}",
        "e2,not-a-time,login,a1,",
        "e3,2021-09-01T00:00:00Z,nope,a1,",
    ]
    data = b"\xef\xbb\xbf" + newline.join(rows).encode() + newline.encode()
    name = "events.csv.gz" if compress else "events.csv"
    (tmp_path / name).write_bytes(gzip.compress(data) if compress else data)
    first = 4 if quoted_break else 3
    assert _rejected_lines(tmp_path, con) == [(name, first, "ts"), (name, first + 1, "type")]
    loaded = con.con.sql("SELECT text FROM events").fetchall()
    assert loaded == [("two\nlines" if quoted_break else 'a, "quoted" cell',)]


def test_csv_row_of_wrong_width_after_fast_rows_keeps_its_line(tmp_path, con):
    rows = ["event_id,ts,type,actor_id"] + [f"e{i},2021-09-01T00:00:00Z,login,a1" for i in range(5)]
    rows.insert(4, "e9,2021-09-01T00:00:00Z,login,a1,extra")
    (tmp_path / "events.csv").write_text("\n".join(rows) + "\n")
    assert _rejected_lines(tmp_path, con) == [("events.csv", 5, None)]
    assert con.con.sql("SELECT count(*) FROM events").fetchall() == [(5,)]
