"""Hostile and careless exports: every limit ends in a reject with a reason or one error.

Small limits stand in for the defaults, so a "3 GB line" here is a few hundred bytes;
bench/bench_ingest_hostile.py measures the same paths at full size.
"""

from __future__ import annotations

import gzip
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from _ingest_samples import ACCOUNTS, EVENTS, write_table

from mercwatch.errors import ConfigError, InputError
from mercwatch.ingest import ingest_export
from mercwatch.ingest.limits import IngestLimits

GOOD = {"event_id": "ok", "ts": "2021-11-03T14:05:00Z", "type": "login", "actor_id": "a1"}
SECRET = "root:x:0:0:root:/root:/bin/bash"


def _rejects(con) -> list[dict]:
    sql = 'SELECT * FROM rejects ORDER BY "table", source, line'
    return con.con.sql(sql).to_arrow_table().to_pylist()


def _export(tmp_path: Path, events_text: bytes | None = None, name: str = "events.jsonl") -> Path:
    folder = tmp_path / "export"
    folder.mkdir(exist_ok=True)
    write_table(folder, "accounts", ACCOUNTS, "jsonl")
    if events_text is not None:
        path = folder / name
        path.write_bytes(gzip.compress(events_text) if name.endswith(".gz") else events_text)
    return folder


def _lines(*rows: dict) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


# ------------------------------------------------------------------ links


def _secret_file(tmp_path: Path) -> Path:
    outside = tmp_path / "outside" / "passwd"
    outside.parent.mkdir()
    outside.write_text(SECRET + "\n")
    return outside


def test_a_linked_table_file_is_refused_and_never_read(tmp_path, con):
    export = _export(tmp_path)
    (export / "events.jsonl").symlink_to(_secret_file(tmp_path))
    with pytest.raises(InputError, match="symbolic link") as err:
        ingest_export(export, con)
    assert err.value.path == "events.jsonl"
    assert SECRET not in str(err.value)


def test_a_linked_part_file_is_refused(tmp_path, con):
    export = _export(tmp_path)
    (export / "events").mkdir()
    (export / "events" / "part-1.jsonl").write_bytes(_lines(GOOD))
    (export / "events" / "part-2.jsonl").symlink_to(_secret_file(tmp_path))
    with pytest.raises(InputError, match="symbolic link") as err:
        ingest_export(export, con)
    assert err.value.path == "events/part-2.jsonl"


def test_a_linked_folder_inside_a_table_folder_is_refused(tmp_path, con):
    export = _export(tmp_path)
    (export / "events").mkdir()
    (export / "events" / "part-1.jsonl").write_bytes(_lines(GOOD))
    (export / "events" / "more").symlink_to(_secret_file(tmp_path).parent)
    with pytest.raises(InputError, match="symbolic link"):
        ingest_export(export, con)


def test_a_linked_table_folder_is_refused(tmp_path, con):
    export = _export(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "part.jsonl").write_bytes(_lines(GOOD))
    (export / "events").symlink_to(elsewhere)
    with pytest.raises(InputError, match="symbolic link"):
        ingest_export(export, con)


def test_a_fifo_is_refused_without_hanging(tmp_path, con):
    export = _export(tmp_path)
    os.mkfifo(export / "events.jsonl")
    with pytest.raises(InputError, match="not a regular file"):
        ingest_export(export, con)


def test_the_export_folder_itself_may_be_a_link(tmp_path, con):
    export = _export(tmp_path, _lines(GOOD))
    link = tmp_path / "latest"
    link.symlink_to(export)
    assert ingest_export(link, con).table("events").rows_loaded == 1


# ------------------------------------------------------------ line sizes


@pytest.mark.parametrize("name", ["events.jsonl", "events.jsonl.gz"])
def test_a_line_over_the_limit_is_a_reject_with_an_excerpt(tmp_path, con, name):
    huge = {**GOOD, "event_id": "huge", "text": "A" * 5000}
    export = _export(tmp_path, _lines(GOOD, huge, {**GOOD, "event_id": "after"}), name)
    limits = IngestLimits(max_line_bytes=1000, reject_excerpt_chars=40)
    report = ingest_export(export, con, limits)
    assert report.table("events").rows_loaded == 2
    (reject,) = _rejects(con)
    assert (reject["source"], reject["line"], reject["field"]) == (name, 2, None)
    size = len(json.dumps(huge))
    assert reject["reason"] == (
        f"line longer than 1,000 bytes (ingest limit max_line_bytes): {size:,} bytes"
    )
    assert reject["raw"] == json.dumps(huge)[:40]
    assert reject["is_json"] is False


def test_a_file_that_is_one_long_line_is_one_reject(tmp_path, con):
    """The 1 GB single-line gzip in small: no newline at all, far over the limit."""
    export = _export(tmp_path, _lines(GOOD) + b"x" * 300_000, "events.jsonl.gz")
    limits = IngestLimits(max_line_bytes=1000, reject_excerpt_chars=20)
    report = ingest_export(export, con, limits)
    (reject,) = _rejects(con)
    assert reject["line"] == 2 and reject["raw"] == "x" * 20
    assert "300,000 bytes" in reject["reason"]
    assert report.table("events").rows_loaded == 1


def test_a_csv_record_over_the_limit_is_a_reject(tmp_path, con):
    header = "event_id,ts,type,actor_id,text\n"
    good = "ok,2021-11-03T14:05:00Z,login,a1,hi\n"
    long_line = "big,2021-11-03T14:05:00Z,login,a1," + "B" * 4000 + "\n"
    export = _export(tmp_path, (header + good + long_line + good.replace("ok", "ok2")).encode())
    (export / "events.jsonl").rename(export / "events.csv")
    report = ingest_export(export, con, IngestLimits(max_line_bytes=1000))
    assert report.table("events").rows_loaded == 2
    (reject,) = _rejects(con)
    assert (reject["source"], reject["line"]) == ("events.csv", 3)
    assert "ingest limit max_line_bytes" in reject["reason"]
    assert len(reject["raw"]) <= IngestLimits().reject_excerpt_chars + 1


def test_an_unclosed_csv_quote_stops_at_the_limit_with_one_error(tmp_path, con):
    header = "event_id,ts,type,actor_id,text\n"
    body = 'x,2021-11-03T14:05:00Z,login,a1,"never closed\n' + "more text\n" * 500
    export = _export(tmp_path, (header + body).encode())
    (export / "events.jsonl").rename(export / "events.csv")
    with pytest.raises(InputError, match="field larger than field limit") as err:
        ingest_export(export, con, IngestLimits(max_line_bytes=1000))
    assert err.value.path == "events.csv"


# ------------------------------------------------------ fields and depth


def test_a_field_over_the_limit_names_the_field_in_every_format(tmp_path, con, make_export):
    long_text = {**GOOD, "event_id": "long", "text": "T" * 3000}
    limits = IngestLimits(max_field_chars=2000)
    for fmt in ("jsonl", "csv", "parquet"):
        ingest_export(make_export(fmt, events=[*EVENTS, long_text]), con, limits)
        (reject,) = _rejects(con)
        assert reject["field"] == "text", fmt
        assert reject["reason"] == (
            "value longer than 2,000 characters (ingest limit max_field_chars): 3,000 characters"
        )
        assert len(reject["raw"]) <= limits.reject_excerpt_chars + 1


def test_json_nested_too_deep_is_a_reject(tmp_path, con):
    deep = '{"event_id": "d", "text": ' + "[" * 40 + "]" * 40 + "}\n"
    brackets_in_strings = {**GOOD, "event_id": "s", "text": "[" * 40}
    export = _export(tmp_path, _lines(GOOD) + deep.encode() + _lines(brackets_in_strings))
    report = ingest_export(export, con, IngestLimits(max_depth=16))
    (reject,) = _rejects(con)
    assert reject["line"] == 2
    assert (
        reject["reason"] == "JSON nested deeper than 16 levels (ingest limit max_depth): 41 levels"
    )
    assert report.table("events").rows_loaded == 2  # brackets inside a string are text


# ------------------------------------------------------- reject volume


def test_rejects_past_the_cap_are_counted_not_kept(tmp_path, con):
    junk = b"".join(f"junk {i}\n".encode() for i in range(50))
    export = _export(tmp_path, _lines(*[{**GOOD, "event_id": f"g{i}"} for i in range(60)]) + junk)
    limits = IngestLimits(max_rejects_kept=10)
    report = ingest_export(export, con, limits)
    kept = _rejects(con)
    assert [r["line"] for r in kept] == list(range(61, 71))
    assert report.rejected == 50 and report.rejects_kept == 10
    assert report.rejects_not_kept == 40
    assert dict(report.reject_reasons) == {"events: line is not valid JSON": 50}
    (warning,) = report.warnings
    assert "max_rejects_kept" in warning and "40" in warning


def test_a_mostly_rejected_table_stops_ingest_with_its_reasons(tmp_path, con):
    junk = b"".join(f"junk {i}\n".encode() for i in range(9))
    export = _export(tmp_path, _lines(GOOD) + junk)
    with pytest.raises(InputError) as err:
        ingest_export(export, con)
    assert err.value.path == "events.jsonl:2"
    assert "9 of 10 rows of table 'events' rejected (90%" in err.value.reason
    assert "events: line is not valid JSON (9)" in err.value.reason
    report = ingest_export(export, con, IngestLimits(max_reject_fraction=0.95))
    assert report.rejected == 9


def test_a_decompression_bomb_stops_at_the_byte_limit(tmp_path, con):
    export = _export(tmp_path, _lines(GOOD) + b"\n" * 2_000_000, "events.jsonl.gz")
    assert (export / "events.jsonl.gz").stat().st_size < 10_000
    with pytest.raises(InputError, match="max_input_bytes") as err:
        ingest_export(export, con, IngestLimits(max_input_bytes=1_000_000))
    assert err.value.path == "events.jsonl.gz"


def test_parquet_counts_against_the_byte_limit(tmp_path, con, make_export):
    export = make_export("parquet")
    with pytest.raises(InputError, match="max_input_bytes"):
        ingest_export(export, con, IngestLimits(max_input_bytes=100))


# -------------------------------------------------------------- time


@pytest.mark.parametrize(
    "ts", ["2040-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "2106-02-07T06:28:16Z"]
)
def test_an_implausible_timestamp_is_a_reject(tmp_path, con, ts):
    export = _export(tmp_path, _lines(GOOD, {**GOOD, "event_id": "t", "ts": ts}))
    ingest_export(export, con)
    (reject,) = _rejects(con)
    assert reject["field"] == "ts"
    assert reject["reason"].startswith(
        "timestamp outside the plausible window (ingest limits earliest / latest): "
        f"'{ts}' is not in 2000-01-01T00:00:00Z .. "
    )


def test_the_window_is_configurable(tmp_path, con):
    export = _export(tmp_path, _lines(GOOD, {**GOOD, "event_id": "t", "ts": "2040-01-01T00:00Z"}))
    limits = IngestLimits(latest=datetime(2050, 1, 1, tzinfo=UTC))
    assert ingest_export(export, con, limits).table("events").rows_loaded == 2


def test_the_window_ends_a_day_after_now():
    start, end = IngestLimits().window(datetime(2026, 1, 2, 12, 0, tzinfo=UTC))
    assert (start, end) == (datetime(2000, 1, 1), datetime(2026, 1, 3, 12, 0))


# ------------------------------------------------------------- options


def test_limits_from_run_options():
    limits = IngestLimits().with_options(
        ["max_line_bytes=2MB", "max-rejects-kept=5", "latest=2030-01-01", "max_reject_fraction=1"]
    )
    assert limits.max_line_bytes == 2 << 20
    assert limits.max_rejects_kept == 5
    assert limits.latest == datetime(2030, 1, 1, tzinfo=UTC)
    assert limits.max_reject_fraction == 1.0


@pytest.mark.parametrize(
    "option",
    ["nope=1", "max_line_bytes", "max_line_bytes=lots", "max_line_bytes=0", "latest=1990-01-01"],
)
def test_bad_limit_options_are_config_errors(option):
    with pytest.raises(ConfigError):
        IngestLimits().with_options([option])


def test_parquet_row_numbers_name_the_rejected_row(tmp_path, con, make_export):
    export = make_export("jsonl")
    (export / "events.jsonl").unlink()
    table = pa.table(
        {"event_id": ["p1", "p2"], "ts": ["2021-11-03T14:05:00Z", "2041-01-01T00:00Z"]}
    )
    table = table.append_column("type", pa.array(["login", "login"]))
    table = table.append_column("actor_id", pa.array(["a1", "a1"]))
    pq.write_table(table, export / "events.parquet")
    ingest_export(export, con)
    (reject,) = _rejects(con)
    assert (reject["source"], reject["line"], reject["field"]) == ("events.parquet", 2, "ts")


def test_a_csv_line_that_is_not_utf8_is_one_reject(tmp_path, con):
    header = b"event_id,ts,type,actor_id,text\n"
    good = b"ok,2021-11-03T14:05:00Z,login,a1,hi\n"
    latin1 = "l1,2021-11-03T14:05:00Z,login,a1,café\n".encode("latin-1")
    export = _export(tmp_path, header + good + latin1 + good.replace(b"ok", b"ok2"))
    (export / "events.jsonl").rename(export / "events.csv")
    report = ingest_export(export, con)
    assert report.table("events").rows_loaded == 2
    (reject,) = _rejects(con)
    assert (reject["line"], reject["reason"]) == (3, "line is not valid UTF-8")
