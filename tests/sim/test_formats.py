"""Each export format is readable and every (non-injected) row follows SCHEMA.md."""

from __future__ import annotations

from collections import Counter

import pytest

from mercwatch.sim import SimResult

from .contract import (
    AT_RISK,
    EVENT_TYPES,
    event_problem,
    parse_ts,
    read_events_tolerant,
    read_rows,
    table_path,
)


def _check_accounts(result: SimResult) -> set[str]:
    rows = read_rows(table_path(result.out, "accounts"))
    assert len(rows) == result.accounts
    ids = [r["account_id"] for r in rows]
    assert len(set(ids)) == len(ids)
    for r in rows:
        assert parse_ts(r["created_at"]) is not None
        if r.get("photo_hash"):
            assert len(r["photo_hash"]) == 16
            int(r["photo_hash"], 16)
        if r.get("country"):
            assert len(r["country"]) == 2 and r["country"].isupper()
        if r.get("phone_cc"):
            assert r["phone_cc"].startswith("+")
    tags = Counter(t for r in rows for t in (r.get("tags") or []))
    assert set(tags) <= AT_RISK and tags["journalist"] > 0
    return set(ids)


def _check_events(result: SimResult, ids: set[str]) -> None:
    rows, broken = read_events_tolerant(table_path(result.out, "events"))
    bad = {b.position for b in result.bad_rows}
    assert set(broken) <= bad
    good = [r for i, r in enumerate(rows) if i not in bad]
    assert len(good) == result.events
    for r in good:
        assert event_problem(r) is None, r
        for key in ("actor_id", "target_id"):
            assert r.get(key) in (None, "") or r[key] in ids
    assert len({r["event_id"] for r in good}) == len(good)
    assert set(Counter(r["type"] for r in good)) == EVENT_TYPES  # every type occurs
    stamps = [r["ts"] for r in good]
    assert min(stamps) >= "2021-09-01T00:00:00Z"


@pytest.mark.parametrize("name", ["parquet_export", "jsonl_export", "csv_export"])
def test_export_conforms(name: str, request: pytest.FixtureRequest) -> None:
    result: SimResult = request.getfixturevalue(name)
    ids = _check_accounts(result)
    _check_events(result, ids)
    friends = read_rows(table_path(result.out, "friendships"))
    assert len(friends) == result.friendships > 0
    for r in friends:
        assert r["a"] in ids and r["b"] in ids and r["a"] != r["b"]
        assert parse_ts(r["since"]) is not None
    pairs = {frozenset((r["a"], r["b"])) for r in friends}
    assert len(pairs) == len(friends)


def test_file_names_follow_format(
    parquet_export: SimResult, jsonl_export: SimResult, csv_export: SimResult
) -> None:
    assert set(parquet_export.files) == {
        "accounts.parquet",
        "events.parquet",
        "friendships.parquet",
        "truth.json",
    }
    assert "events.jsonl" in jsonl_export.files
    assert "events.csv" in csv_export.files
    for result in (parquet_export, jsonl_export, csv_export):
        for name in result.files:
            assert (result.out / name).is_file()


def test_window_respects_days(csv_export: SimResult) -> None:
    rows, _ = read_events_tolerant(table_path(csv_export.out, "events"))
    stamps = [r["ts"] for r in rows if r and parse_ts(r.get("ts"))]
    assert max(stamps) < "2021-09-15T00:00:00Z"
