"""Property tests: arbitrary lines and timestamps never crash ingest, never vanish."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

from _ingest_samples import ACCOUNTS, write_table
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mercwatch.ingest import ingest_export
from mercwatch.store.engine import connect

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
    report = ingest_export(folder, con)
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
    ingest_export(folder, con)
    (row,) = con.table("events").to_pyarrow().to_pylist()
    expected = moment.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)
    assert row["ts"] == expected
    con.disconnect()
