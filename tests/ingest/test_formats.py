"""Every input format of SCHEMA.md loads to the same typed tables."""

from __future__ import annotations

import gzip
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from _ingest_samples import EVENTS, write_table

from mercwatch.errors import InputError
from mercwatch.ingest import ingest_export
from mercwatch.ingest.contract import TABLES

FORMATS = ["jsonl", "jsonl.gz", "csv", "parquet"]


def _rows(con, table: str) -> list[dict]:
    return sorted(con.table(table).to_pyarrow().to_pylist(), key=lambda r: str(r))


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_loads_every_row(make_export, con, fmt):
    report = ingest_export(make_export(fmt), con)
    assert report.rejected == 0
    assert report.table("events").rows_loaded == len(EVENTS)
    assert report.table("accounts").rows_loaded == 2
    # a2->a1 repeats a1->a2: friendships are undirected, so the second is a no-op.
    assert report.table("friendships").rows_loaded == 1
    assert report.table("friendships").duplicates == 1


@pytest.mark.parametrize("fmt", FORMATS[1:])
def test_formats_agree_with_jsonl(make_export, con, fmt, tmp_path):
    from mercwatch.store.engine import connect

    ingest_export(make_export("jsonl"), con)
    other = connect()
    ingest_export(make_export(fmt), other)
    for table in ("accounts", "friendships", "events"):
        assert _rows(con, table) == _rows(other, table), table


def test_values_are_typed_and_normalised(make_export, con):
    ingest_export(make_export("jsonl"), con)
    accounts = {r["account_id"]: r for r in con.table("accounts").to_pyarrow().to_pylist()}
    a1, a2 = accounts["a1"], accounts["a2"]
    assert a1["tags"] == ["journalist", "researcher"]
    assert a1["country"] == "GB"
    assert a1["photo_hash"] == "00ff00ff00ff00ff"
    assert a1["email_domain"] == "example.org"
    assert "\n" in a1["bio"]
    # +02:00 is converted to UTC.
    assert a2["created_at"] == datetime(2021, 10, 30, 8, 0)
    events = {r["event_id"]: r for r in con.table("events").to_pyarrow().to_pylist()}
    assert events["e1"]["asn"] == 64500
    assert events["e2"]["actor_id"] is None
    assert events["e3"]["url"] == "https://example.com/x?a=1"


def test_folder_of_parquet_parts(tmp_path, con, make_export):
    export = make_export("jsonl")
    (export / "events.jsonl").unlink()
    parts = export / "events"
    parts.mkdir()
    write_table(parts, "part-0001", EVENTS[:2], "parquet", fields=TABLES["events"].field_names)
    write_table(parts, "part-0002", EVENTS[2:], "parquet", fields=TABLES["events"].field_names)
    report = ingest_export(export, con)
    assert report.table("events").rows_loaded == len(EVENTS)
    assert report.table("events").files == ("events/part-0001.parquet", "events/part-0002.parquet")


def test_parquet_native_timestamps_and_lists(tmp_path, con, make_export):
    export = make_export("jsonl")
    (export / "accounts.jsonl").unlink()
    table = pa.table(
        {
            "account_id": ["p1"],
            "created_at": pa.array([datetime(2020, 1, 2, 3, 4, 5)], pa.timestamp("us", tz="UTC")),
            "tags": pa.array([["activist"]], pa.list_(pa.string())),
        }
    )
    pq.write_table(table, export / "accounts.parquet")
    ingest_export(export, con)
    row = con.table("accounts").to_pyarrow().to_pylist()[0]
    assert row["created_at"] == datetime(2020, 1, 2, 3, 4, 5)
    assert row["tags"] == ["activist"]


def test_friendships_are_optional(make_export, con):
    report = ingest_export(make_export("jsonl", friendships=None), con)
    assert report.table("friendships").rows_loaded == 0
    assert con.table("friendships").count().execute() == 0


def test_missing_required_table_is_an_input_error(tmp_path, con):
    (tmp_path / "accounts.jsonl").write_text("")
    with pytest.raises(InputError, match="required table 'events' not found"):
        ingest_export(tmp_path, con)


def test_table_given_twice_is_an_input_error(make_export, con):
    export = make_export("jsonl")
    (export / "events.csv").write_text("event_id\n")
    with pytest.raises(InputError, match="more than once"):
        ingest_export(export, con)


def test_corrupt_gzip_names_the_file(make_export, con):
    export = make_export("jsonl")
    (export / "events.jsonl").unlink()
    (export / "events.jsonl.gz").write_bytes(gzip.compress(b'{"a":1}\n')[:-6])
    with pytest.raises(InputError) as err:
        ingest_export(export, con)
    assert "events.jsonl.gz" in str(err.value)


def test_missing_folder(tmp_path: Path, con):
    with pytest.raises(InputError, match="export folder not found"):
        ingest_export(tmp_path / "nope", con)
