"""Every way a row can break the contract is rejected with file, line, field and reason."""

from __future__ import annotations

import json

import pytest
from _ingest_samples import ACCOUNTS, EVENTS

from mercwatch.ingest import ingest_export

GOOD = {"event_id": "x", "ts": "2021-11-03T14:05:00Z", "type": "login", "actor_id": "a1"}

# (event row, field at fault, fragment of the reason)
BAD_EVENTS = [
    ({**GOOD, "event_id": None}, "event_id", "missing required field 'event_id'"),
    ({**GOOD, "ts": "yesterday"}, "ts", "not an RFC 3339 timestamp: 'yesterday'"),
    ({**GOOD, "ts": "2021-02-30T00:00:00Z"}, "ts", "not an RFC 3339 timestamp"),
    ({**GOOD, "ts": ""}, "ts", "missing required field 'ts'"),
    ({**GOOD, "type": "teleport"}, "type", "unknown event type 'teleport'"),
    ({**GOOD, "actor_id": None}, "actor_id", "an event of type 'login' needs actor_id"),
    ({**GOOD, "type": "view_profile", "actor_id": None}, "target_id", "needs target_id"),
    (
        {**GOOD, "type": "message", "target_id": None},
        "target_id",
        "an event of type 'message' needs target_id",
    ),
    ({**GOOD, "type": "search", "target_id": "a2"}, "target_id", "takes no target_id"),
    ({**GOOD, "asn": "AS123"}, "asn", "not an autonomous system number"),
    ({**GOOD, "asn": -1}, "asn", None),  # JSON number of the wrong range
    ({**GOOD, "ip": "300.1.1.1"}, "ip", "not an IPv4 or IPv6 address: '300.1.1.1'"),
    ({**GOOD, "event_id": 12}, "event_id", "expected a string"),
    ({**GOOD, "text": {"nested": 1}}, "text", "expected a string, got object"),
]


def _export(make_export, events):
    return make_export("jsonl", events=events)


def _rejects(con) -> list[dict]:
    return (
        con.con.sql('SELECT * FROM rejects ORDER BY "table", source, line')
        .to_arrow_table()
        .to_pylist()
    )


@pytest.mark.parametrize(("row", "field", "reason"), BAD_EVENTS)
def test_bad_event_is_rejected_with_reason(make_export, con, row, field, reason):
    report = ingest_export(_export(make_export, [GOOD | {"event_id": "ok"}, row]), con)
    assert report.table("events").rows_loaded == 1
    (reject,) = _rejects(con)
    assert reject["table"] == "events"
    assert reject["source"] == "events.jsonl"
    assert reject["line"] == 2
    assert reject["field"] == field
    if reason:
        assert reason in reject["reason"]
    assert json.loads(reject["raw"])["ts"] == row["ts"]


BAD_ACCOUNTS = [
    (
        {"account_id": "b", "created_at": "2020-01-01T00:00:00Z", "photo_hash": "xyz"},
        "photo_hash",
        "16 hex digits",
    ),
    (
        {"account_id": "b", "created_at": "2020-01-01T00:00:00Z", "country": "GBR"},
        "country",
        "alpha-2",
    ),
    (
        {"account_id": "b", "created_at": "2020-01-01T00:00:00Z", "phone_cc": "44"},
        "phone_cc",
        "calling code",
    ),
    (
        {"account_id": "b", "created_at": "2020-01-01T00:00:00Z", "email_domain": "nodot"},
        "email_domain",
        "domain",
    ),
    (
        {"account_id": "b", "created_at": "2020-01-01T00:00:00Z", "tags": "journalist"},
        "tags",
        "list of strings",
    ),
    (
        {"account_id": "b", "created_at": "2020-01-01T00:00:00Z", "tags": [1, 2]},
        "tags",
        "list items must be strings",
    ),
    ({"account_id": "b"}, "created_at", "missing required field 'created_at'"),
]


@pytest.mark.parametrize(("row", "field", "reason"), BAD_ACCOUNTS)
def test_bad_account_is_rejected_with_reason(make_export, con, row, field, reason):
    ingest_export(make_export("jsonl", accounts=[ACCOUNTS[0], row]), con)
    (reject,) = _rejects(con)
    assert (reject["table"], reject["line"], reject["field"]) == ("accounts", 2, field)
    assert reason in reject["reason"]


def test_unreadable_lines_are_rejected_not_dropped(make_export, con):
    export = _export(make_export, EVENTS)
    with (export / "events.jsonl").open("ab") as handle:
        handle.write(b"{not json\n\n[1, 2]\n\xff\xfe{}\n")
    report = ingest_export(export, con)
    reasons = {r["line"]: r["reason"] for r in _rejects(con)}
    n = len(EVENTS)
    assert reasons == {
        n + 1: "line is not valid JSON",
        n + 3: "line is a JSON array, not an object",
        n + 4: "line is not valid UTF-8",
    }
    assert report.table("events").blank_lines == 1
    assert report.table("events").rows_loaded == n


def test_csv_row_with_wrong_width(make_export, con):
    export = make_export("csv")
    with (export / "events.csv").open("a") as handle:
        handle.write("e9,2021-11-03T14:05:00Z,login\n")
    ingest_export(export, con)
    (reject,) = _rejects(con)
    assert reject["source"] == "events.csv"
    assert reject["line"] == len(EVENTS) + 2  # header is line 1
    assert "row has 3 cells, the header has 11" in reject["reason"]
    assert reject["raw"] == "e9,2021-11-03T14:05:00Z,login"


def test_exact_duplicate_event_is_a_noop(make_export, con):
    report = ingest_export(_export(make_export, EVENTS + [EVENTS[0]]), con)
    assert report.table("events").duplicates == 1
    assert report.rejected == 0
    assert con.table("events").count().execute() == len(EVENTS)


def test_conflicting_duplicate_names_the_first_copy(make_export, con):
    changed = {**EVENTS[0], "ts": "2021-12-01T00:00:00Z"}
    ingest_export(_export(make_export, EVENTS + [changed]), con)
    (reject,) = _rejects(con)
    assert reject["field"] == "event_id"
    assert reject["reason"] == "duplicate event_id 'e1' differs from the row at events.jsonl:1"
    loaded = con.table("events").filter(lambda t: t.event_id == "e1").to_pyarrow().to_pylist()
    assert loaded[0]["ts"].year == 2021 and loaded[0]["ts"].month == 11


def test_duplicates_across_part_files(tmp_path, con, make_export):
    export = make_export("jsonl")
    (export / "events.jsonl").unlink()
    parts = export / "events"
    parts.mkdir()
    (parts / "part-1.jsonl").write_text("".join(json.dumps(e) + "\n" for e in EVENTS))
    (parts / "part-2.jsonl").write_text("".join(json.dumps(e) + "\n" for e in EVENTS[:2]))
    report = ingest_export(export, con)
    assert report.table("events").duplicates == 2
    assert con.table("events").count().execute() == len(EVENTS)


def test_reingest_gives_identical_tables(make_export, con):
    export = _export(make_export, EVENTS + [EVENTS[0], {**GOOD, "type": "teleport"}])
    first = ingest_export(export, con)
    snapshot = {
        t: sorted(map(str, con.table(t).to_pyarrow().to_pylist()))
        for t in ("accounts", "events", "friendships")
    }
    rejects = _rejects(con)
    second = ingest_export(export, con)
    assert [t.rows_loaded for t in first.tables] == [t.rows_loaded for t in second.tables]
    assert snapshot == {
        t: sorted(map(str, con.table(t).to_pyarrow().to_pylist())) for t in snapshot
    }
    assert rejects == _rejects(con)
