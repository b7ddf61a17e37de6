"""--bad-rows injects rows that break the contract, each kind its own way."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq

from mercwatch.sim import SimConfig, SimResult, simulate

from .contract import event_problem, read_events_tolerant, table_path


def _check(result: SimResult, expected: int) -> Counter[str]:
    rows, broken = read_events_tolerant(table_path(result.out, "events"))
    assert len(result.bad_rows) == expected
    assert len(rows) == result.events + expected
    kinds: Counter[str] = Counter()
    ids = Counter(r.get("event_id") for r in rows if r)
    op_accounts = {a for o in result.operations for a in o.accounts}
    for bad in result.bad_rows:
        kinds[bad.kind] += 1
        row = rows[bad.position]
        assert not {row.get("actor_id"), row.get("target_id")} & op_accounts, "bad rows are benign"
        if bad.kind == "malformed_row":
            assert bad.position in broken
        elif bad.kind == "duplicate_event_id":
            assert row["event_id"] == bad.event_id and ids[bad.event_id] == 2
            assert event_problem(row) is None
        else:
            assert row["event_id"] == bad.event_id or bad.event_id is None
            assert event_problem(row) is not None, (bad, row)
    return kinds


def test_jsonl_bad_rows_cover_every_kind(jsonl_export: SimResult) -> None:
    kinds = _check(jsonl_export, 14)
    assert set(kinds) == {
        "unknown_type",
        "missing_field",
        "bad_timestamp",
        "bad_asn",
        "duplicate_event_id",
        "malformed_row",
    }


def test_csv_bad_rows(csv_export: SimResult) -> None:
    kinds = _check(csv_export, 12)
    assert kinds["malformed_row"] == 2
    broken = [b.position for b in csv_export.bad_rows if b.kind == "malformed_row"]
    lines = (csv_export.out / "events.csv").read_text("utf-8").splitlines()
    widths = sorted(len(next(iter(csv.reader([lines[p + 1]])))) for p in broken)
    assert widths[0] < 11 < widths[1]  # one row too short, one too long


def test_parquet_bad_rows_in_first_part(tmp_path: Path) -> None:
    result = simulate(
        SimConfig(users=2000, seed=3, days=5, bad_rows=10, part_rows=10_000), tmp_path
    )
    kinds = _check(result, 10)
    assert "malformed_row" not in kinds and kinds["bad_asn"] == 2
    assert {b.file for b in result.bad_rows} == {"events/part-00001.parquet"}
    first = pq.read_table(tmp_path / "events" / "part-00001.parquet")
    assert first.num_rows > max(b.position for b in result.bad_rows)


def test_missing_field_varies_by_type(tmp_path: Path) -> None:
    result = simulate(SimConfig(users=600, seed=4, days=5, bad_rows=60), tmp_path)
    details = {b.detail for b in result.bad_rows if b.kind == "missing_field"}
    assert len(details) >= 5


def test_no_bad_rows_by_default(parquet_export: SimResult) -> None:
    assert _check(parquet_export, 0) == Counter()
    truth_ids = {a for o in parquet_export.operations for a in o.accounts}
    assert truth_ids
