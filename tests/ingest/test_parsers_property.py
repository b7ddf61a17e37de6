"""Property tests: arbitrary lines and timestamps never crash ingest, never vanish."""

from __future__ import annotations

import csv
import io
import ipaddress
import json
from datetime import UTC, datetime, timedelta, timezone

from _ingest_samples import ACCOUNTS, write_table
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mercwatch.ingest import ingest_export
from mercwatch.ingest.limits import IngestLimits
from mercwatch.store.engine import connect

# Random lines are mostly junk: let every share of rejects through, these tests count them.
LENIENT = IngestLimits(max_reject_fraction=1.0)
WIDE_WINDOW = IngestLimits(
    earliest=datetime(1970, 1, 1, tzinfo=UTC), latest=datetime(2101, 1, 1, tzinfo=UTC)
)

SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(
    lines=st.lists(
        st.text(
            alphabet=st.characters(
                blacklist_categories=("Cs",),
                blacklist_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029",
            ),
            min_size=1,
            max_size=40,
        ),
        min_size=1,
        max_size=8,
    )
)
def test_every_nonblank_line_is_loaded_or_rejected(tmp_path_factory, lines):
    folder = tmp_path_factory.mktemp("fuzz")
    write_table(folder, "accounts", ACCOUNTS, "jsonl")
    (folder / "events.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    con = connect()
    report = ingest_export(folder, con, LENIENT)
    events = report.table("events")
    nonblank = sum(1 for line in lines if line.strip())
    assert events.rows_read == nonblank
    assert events.rows_loaded + events.rejected + events.duplicates == nonblank
    con.disconnect()


@SETTINGS
@given(
    moment=st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1)),
    offset_minutes=st.integers(min_value=-12 * 60, max_value=14 * 60),
    fraction=st.booleans(),
)
def test_rfc3339_timestamps_round_trip_to_utc(tmp_path_factory, moment, offset_minutes, fraction):
    moment = moment.replace(microsecond=moment.microsecond if fraction else 0)
    zone = timezone(timedelta(minutes=offset_minutes))
    text = moment.replace(tzinfo=zone).isoformat()
    folder = tmp_path_factory.mktemp("ts")
    write_table(folder, "accounts", ACCOUNTS, "jsonl")
    event = {"event_id": "e", "ts": text, "type": "login", "actor_id": "a1"}
    (folder / "events.jsonl").write_text(json.dumps(event) + "\n")
    con = connect()
    ingest_export(folder, con, WIDE_WINDOW)
    (row,) = con.table("events").to_pyarrow().to_pylist()
    expected = moment.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)
    assert row["ts"] == expected
    con.disconnect()


GOOD_EVENT = {"event_id": "e", "ts": "2021-11-03T14:05:00Z", "type": "login", "actor_id": "a1"}


@SETTINGS
@given(
    n=st.integers(min_value=1, max_value=6),
    ending=st.sampled_from(["\n", "\r\n", "\r"]),
    bom=st.booleans(),
    last_ending=st.booleans(),
    fmt=st.sampled_from(["jsonl", "csv"]),
)
def test_any_line_ending_and_a_bom_load_every_row(
    tmp_path_factory, n, ending, bom, last_ending, fmt
):
    """CR-only, CRLF and LF files with or without a byte order mark load the same rows."""
    folder = tmp_path_factory.mktemp("endings")
    write_table(folder, "accounts", ACCOUNTS, "jsonl")
    rows = [{**GOOD_EVENT, "event_id": f"e{i}"} for i in range(n)]
    if fmt == "jsonl":
        lines = [json.dumps(r) for r in rows]
    else:
        lines = ["event_id,ts,type,actor_id"] + [
            f"{r['event_id']},{r['ts']},{r['type']},{r['actor_id']}" for r in rows
        ]
    text = ("\ufeff" if bom else "") + ending.join(lines) + (ending if last_ending else "")
    (folder / f"events.{fmt}").write_bytes(text.encode("utf-8"))
    con = connect()
    report = ingest_export(folder, con)
    assert report.rejected == 0, con.con.sql("SELECT reason FROM rejects").fetchall()
    assert report.table("events").rows_loaded == n
    con.disconnect()


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


@SETTINGS
@given(
    ips=st.lists(
        st.one_of(
            st.ip_addresses().map(str),
            st.text(alphabet="0123456789abcdefABCDEF:.%x", min_size=1, max_size=50),
            st.text(min_size=1, max_size=20).filter(lambda t: t.strip() == t and "\x00" not in t),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_ip_verdict_matches_the_standard_library(tmp_path_factory, ips):
    """The SQL shape filter in front of ``ipaddress`` never changes a verdict."""
    folder = tmp_path_factory.mktemp("ips")
    write_table(folder, "accounts", ACCOUNTS, "jsonl")
    rows = [{**GOOD_EVENT, "event_id": f"e{i}", "ip": ip} for i, ip in enumerate(ips)]
    (folder / "events.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    con = connect()
    ingest_export(folder, con, LENIENT)
    rejected = {
        row[0] for row in con.con.sql("SELECT line FROM rejects WHERE field = 'ip'").fetchall()
    }
    assert rejected == {i + 1 for i, ip in enumerate(ips) if not _is_address(ip)}
    con.disconnect()


CELL = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x00"),
    max_size=30,
)


@SETTINGS
@given(texts=st.lists(CELL, min_size=1, max_size=6))
def test_csv_cells_round_trip(tmp_path_factory, texts):
    """Quotes, commas, semicolons and line breaks inside CSV cells come back unchanged."""
    folder = tmp_path_factory.mktemp("csv")
    write_table(folder, "accounts", ACCOUNTS, "jsonl")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["event_id", "ts", "type", "actor_id", "text"])
    for i, text in enumerate(texts):
        writer.writerow([f"e{i}", GOOD_EVENT["ts"], "login", "a1", text])
    (folder / "events.csv").write_text(buffer.getvalue(), encoding="utf-8")
    con = connect()
    ingest_export(folder, con, LENIENT)
    loaded = {r["event_id"]: r["text"] for r in con.table("events").to_pyarrow().to_pylist()}
    # An empty cell means absent; an all-blank line is not a row.
    assert loaded == {f"e{i}": (t or None) for i, t in enumerate(texts)}
    con.disconnect()
