"""The contract checks give the same verdicts on DuckDB and Spark (issue 15, item 1).

One Ibis expression (``ingest.checks``) is compiled for both engines; these tests prove
the portable pieces against their reference (Python's ``ipaddress``) on each engine,
and that a small export with every kind of bad row gets the same rejects (file, row,
field, reason), counts and clean rows from the embedded ingest and the Spark ingest,
in each input format.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ibis
import pytest
from _helpers.spark import SPARK, local_spark
from _ingest_samples import write_table
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mercwatch.ingest import ingest_export
from mercwatch.ingest.checks import IP_PATTERN
from mercwatch.ingest.limits import IngestLimits
from mercwatch.ingest.spark_ingest import ingest_on_spark
from mercwatch.store.engine import connect, duckdb_connection, scratch_dir

ZONE = re.compile(r"[0-9A-Za-z_.-]{1,32}")


def is_address(text: str) -> bool:
    """The reference: Python's reading, with the zone characters ingest allows."""
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    _, percent, zone = text.partition("%")
    return not percent or ZONE.fullmatch(zone) is not None


def _edited(text: str, at: int, char: str, op: int) -> str:
    """``text`` with one character inserted, replaced or deleted: a near miss."""
    at = at % (len(text) + 1)
    if op == 0:
        return text[:at] + char + text[at:]
    if op == 1:
        return text[:at] + char + text[at + 1 :]
    return text[:at] + text[at + 1 :]


_ADDRESS = st.one_of(
    st.ip_addresses().map(str),
    st.ip_addresses(v=6).map(lambda a: a.exploded),
    st.ip_addresses(v=4).map(lambda a: f"::ffff:{a}"),
    st.builds(
        lambda a, b: f"{a}::{b}", st.integers(0, 0xFFFF).map("{:x}".format), st.ip_addresses(v=4)
    ),
    st.builds(
        lambda a, z: f"{a}%{z}",
        st.ip_addresses(v=6),
        st.from_regex(r"[0-9A-Za-z_.%!-]{0,4}", fullmatch=True),
    ),
)
_CHARS = "0123456789abcdefABCDEF:.%g "
IP_TEXTS = st.one_of(
    _ADDRESS,
    st.builds(_edited, _ADDRESS, st.integers(0, 60), st.sampled_from(_CHARS), st.integers(0, 2)),
    st.text(alphabet=_CHARS, max_size=45),
)  # fmt: skip


def _verdicts(con: ibis.BaseBackend, texts: list[str]) -> list[bool]:
    table = ibis.memtable({"i": list(range(len(texts))), "ip": texts})
    expr = table.select("i", ok=table.ip.re_search(IP_PATTERN)).order_by("i")
    return [bool(v) for v in expr.to_pyarrow()["ok"].to_pylist()]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(IP_TEXTS, min_size=1, max_size=40))
def test_ip_pattern_is_ipaddress_on_duckdb(texts):
    assert _verdicts(ibis.duckdb.connect(), texts) == [is_address(t) for t in texts]


@pytest.fixture(scope="module")
def spark() -> Iterator[ibis.BaseBackend]:
    yield from local_spark()


@pytest.mark.parametrize("_", [pytest.param(None, marks=SPARK)])
def test_ip_pattern_is_ipaddress_on_spark(spark, _):
    # Each example is one Spark query: few examples, many addresses in each.
    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(IP_TEXTS, min_size=50, max_size=80))
    def check(texts):
        assert _verdicts(spark, texts) == [is_address(t) for t in texts]

    check()


GOOD_EVENT = {"event_id": "e0", "ts": "2021-11-03T14:05:00Z", "type": "login", "actor_id": "a1"}
LONG = "x" * 60  # past max_field_chars=50 below
EVENTS = [
    GOOD_EVENT,
    {**GOOD_EVENT, "event_id": "e1", "ip": "fe80::1%eth0", "asn": "64500"},
    {**GOOD_EVENT, "event_id": "e2", "ip": "::ffff:10.0.0.1", "asn": " 12 "},
    {**GOOD_EVENT, "event_id": None},
    {**GOOD_EVENT, "event_id": "b1", "ts": "yesterday"},
    {**GOOD_EVENT, "event_id": "b2", "ts": "2021-02-30T00:00:00Z"},
    {**GOOD_EVENT, "event_id": "b3", "ts": "1999-12-31T23:00:00-02:00"},
    {**GOOD_EVENT, "event_id": "b4", "type": "teleport"},
    {**GOOD_EVENT, "event_id": "b5", "actor_id": None},
    {**GOOD_EVENT, "event_id": "b6", "type": "search", "target_id": "a2"},
    {**GOOD_EVENT, "event_id": "b7", "type": "message"},
    {**GOOD_EVENT, "event_id": "b8", "asn": "AS123"},
    {**GOOD_EVENT, "event_id": "b9", "asn": "1e3"},
    {**GOOD_EVENT, "event_id": "b10", "ip": "300.1.1.1"},
    {**GOOD_EVENT, "event_id": "b11", "ip": "01.2.3.4"},
    {**GOOD_EVENT, "event_id": "b12", "ip": "1::2::3"},
    {**GOOD_EVENT, "event_id": "b13", "text": LONG},
    {**GOOD_EVENT, "event_id": "e1", "ip": "fe80::1%eth0", "asn": "64500"},  # same row again
    {**GOOD_EVENT, "event_id": "e1", "actor_id": "a2"},  # same id, different row
]
ACCOUNTS = [
    {"account_id": "a1", "created_at": "2019-05-01T08:00:00Z", "country": "gb"},
    {
        "account_id": "a2",
        "created_at": "2020-05-01T08:00:00+0200",
        "photo_hash": "00FF00FF00FF00FF",
    },
    {"account_id": "a3", "created_at": None},
    {"account_id": "a4", "created_at": "2019-05-01T08:00:00Z", "photo_hash": "xyz"},
    {"account_id": "a5", "created_at": "2019-05-01T08:00:00Z", "country": "GBR"},
    {"account_id": "a6", "created_at": "2019-05-01T08:00:00Z", "phone_cc": "44"},
    {"account_id": "a7", "created_at": "2019-05-01T08:00:00Z", "email_domain": "no-dot"},
    {"account_id": "a8", "created_at": "2019-05-01T08:00:00Z", "tags": ["ok", "fine"]},
]
FRIENDSHIPS = [
    {"a": "a1", "b": "a2", "since": "2020-01-01T00:00:00Z"},
    {"a": "a2", "b": "a1"},  # the same edge restated: a no-op
    {"a": "a3", "b": "a3"},
    {"a": "a1", "b": None},
]
LIMITS = IngestLimits(max_field_chars=50, max_reject_fraction=1.0)


def _export(folder: Path, fmt: str) -> Path:
    folder.mkdir()
    write_table(folder, "accounts", ACCOUNTS, fmt)
    write_table(folder, "friendships", FRIENDSHIPS, fmt)
    write_table(folder, "events", EVENTS, fmt)
    return folder


def _outcome(duck: ibis.BaseBackend, report: Any) -> dict[str, Any]:
    raw = duckdb_connection(duck)
    rejects = raw.execute(
        'SELECT "table", source, line, field, reason FROM rejects ORDER BY ALL'
    ).fetchall()
    clean = {
        name: raw.execute(f'SELECT * FROM "{name}" ORDER BY ALL').fetchall()
        for name in ("accounts", "friendships", "events")
    }
    counts = [
        (t.table, t.rows_read, t.rows_loaded, t.rejected, t.duplicates) for t in report.tables
    ]
    return {"rejects": rejects, "clean": clean, "counts": counts, "reasons": report.reject_reasons}


@pytest.mark.parametrize("fmt", [pytest.param(f, marks=SPARK) for f in ("parquet", "jsonl", "csv")])
def test_same_rejects_on_duckdb_and_spark(spark, tmp_path: Path, fmt: str):
    export = _export(tmp_path / "export", fmt)
    on_duckdb = connect()
    expected = _outcome(on_duckdb, ingest_export(export, on_duckdb, LIMITS))
    driver = connect()
    workdir = scratch_dir(spark) / f"ingest-{fmt}"
    got = _outcome(driver, ingest_on_spark(export, spark, driver, LIMITS, workdir))
    assert len(expected["rejects"]) >= 17  # every bad row above, each with its reason
    assert got == expected
