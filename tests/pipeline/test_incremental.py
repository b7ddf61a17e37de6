"""Incremental runs: an export that grows by part files, run again into the same OUT.

The end state must equal one run over everything: the same events loaded, the same
operations (a continuing one keeps its first id), the same actions and warnings, and
nothing emitted twice.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from _runs import simulated_export

from mercwatch.errors import InputError
from mercwatch.ingest import ingest_export
from mercwatch.ingest.limits import IngestLimits
from mercwatch.pipeline import RunConfig, run_pipeline
from mercwatch.pipeline.incremental import ingest_incremental
from mercwatch.store.engine import EngineConfig, connect, duckdb_connection


def _event(n: int, ts: str = "2021-11-03T14:05:00Z", text: str = "hi") -> str:
    row = {"event_id": f"e{n}", "ts": ts, "type": "message", "actor_id": "a1", "target_id": "a1"}
    row["text"] = text
    return json.dumps(row) + "\n"


def _tiny(folder: Path) -> Path:
    (folder / "events").mkdir(parents=True)
    (folder / "accounts.jsonl").write_text(
        json.dumps({"account_id": "a1", "created_at": "2019-05-01T08:00:00Z"}) + "\n"
    )
    return folder


def _tables(con) -> dict[str, list]:
    raw = duckdb_connection(con)
    return {
        t: sorted(map(repr, raw.execute(f"SELECT * FROM {t}").fetchall()))
        for t in ("accounts", "friendships", "events")
    }


def _ingest(export: Path, out: Path, **kw):
    con = connect(EngineConfig(kind="duckdb"))
    loaded = ingest_incremental(export, out, con, IngestLimits(), **kw)
    return con, loaded


def _full(export: Path):
    con = connect(EngineConfig(kind="duckdb"))
    return con, ingest_export(export, con, IngestLimits())


def test_only_new_parts_are_read_and_the_tables_equal_a_full_ingest(tmp_path: Path):
    export, out = _tiny(tmp_path / "export"), tmp_path / "out"
    (export / "events" / "part-0001.jsonl").write_text("".join(_event(i) for i in range(5)))
    _, first = _ingest(export, out)
    assert (first.mode, first.new_parts) == ("full", 1)
    # Day 2: a new part with new events, one exact repeat and one conflicting repeat.
    day2 = "".join(_event(i) for i in range(5, 9)) + _event(0) + _event(1, text="changed")
    (export / "events" / "part-0002.jsonl").write_text(day2)
    con, second = _ingest(export, out)
    assert (second.mode, second.new_parts, second.cached_parts) == ("incremental", 1, 1)
    # Only the new part was read (and accounts.jsonl, a table given as one file).
    accounts = (export / "accounts.jsonl").stat().st_size
    assert second.report.bytes_read == len(day2.encode()) + accounts
    full_con, full = _full(export)
    assert _tables(con) == _tables(full_con)
    for mine, theirs in zip(second.report.tables, full.tables, strict=True):
        assert (mine.rows_read, mine.rows_loaded, mine.rejected, mine.duplicates) == (
            theirs.rows_read,
            theirs.rows_loaded,
            theirs.rejected,
            theirs.duplicates,
        ), mine.table
    reasons = duckdb_connection(con).execute("SELECT field, reason FROM rejects").fetchall()
    assert reasons == [
        ("event_id", "duplicate event_id 'e1' differs from a row read in an earlier run")
    ]


def test_nothing_new_reads_nothing_and_a_third_part_still_adds_up(tmp_path: Path):
    export, out = _tiny(tmp_path / "export"), tmp_path / "out"
    (export / "events" / "part-0001.jsonl").write_text(_event(1))
    _ingest(export, out)
    _, again = _ingest(export, out)
    accounts = (export / "accounts.jsonl").stat().st_size
    assert (again.mode, again.new_parts) == ("incremental", 0)
    assert again.report.bytes_read == accounts
    (export / "events" / "part-0002.jsonl").write_text(_event(2))
    _ingest(export, out)
    (export / "events" / "part-0003.jsonl").write_text(_event(3))
    con, third = _ingest(export, out)
    assert third.report.table("events").rows_loaded == 3
    assert third.report.table("events").files == tuple(
        f"events/part-000{i}.jsonl" for i in (1, 2, 3)
    )
    assert _tables(con) == _tables(_full(export)[0])


@pytest.mark.parametrize(
    "change",
    ["rewrite_old_part", "remove_old_part", "part_sorting_first", "other_limits", "full_flag"],
)
def test_anything_but_appended_parts_falls_back_to_a_full_ingest(tmp_path: Path, change: str):
    export, out = _tiny(tmp_path / "export"), tmp_path / "out"
    part1 = export / "events" / "part-0002.jsonl"
    part1.write_text(_event(1) + _event(2))
    _ingest(export, out)
    kw = {}
    if change == "rewrite_old_part":
        part1.write_text(_event(1) + _event(2, text="rewritten after it was read"))
    elif change == "remove_old_part":
        (export / "events" / "part-0003.jsonl").write_text(_event(3))
        part1.unlink()
    elif change == "part_sorting_first":
        (export / "events" / "part-0001.jsonl").write_text(_event(2, text="earlier copy"))
    elif change == "full_flag":
        kw["full"] = True
    con = connect(EngineConfig(kind="duckdb"))
    limits = IngestLimits(max_rejects_kept=5) if change == "other_limits" else IngestLimits()
    loaded = ingest_incremental(export, out, con, limits, **kw)
    assert loaded.mode == "full" and loaded.reason
    assert _tables(con) == _tables(_full(export)[0])


def test_a_part_written_while_it_is_read_stops_the_ingest(tmp_path: Path, monkeypatch):
    export, out = _tiny(tmp_path / "export"), tmp_path / "out"
    part = export / "events" / "part-0001.jsonl"
    part.write_text(_event(1))
    from mercwatch.pipeline import incremental

    real = incremental.ingest_export

    def appending(folder, con, limits):
        report = real(folder, con, limits)
        with part.open("a") as f:  # the writer was not done
            f.write(_event(2))
        return report

    monkeypatch.setattr(incremental, "ingest_export", appending)
    with pytest.raises(InputError, match="changed while it was being read"):
        ingest_incremental(export, out, connect(EngineConfig(kind="duckdb")), IngestLimits())


# ---------------------------------------------------------------- whole runs


def _split_export(source: Path, folder: Path, share: float) -> tuple[Path, str]:
    """``source`` with its events as part-0001 (the first ``share``, by time) and the
    rest returned, to land later as part-0002."""
    folder.mkdir(parents=True)
    for name in ("accounts.jsonl", "friendships.jsonl"):
        shutil.copy(source / name, folder / name)
    lines = (source / "events.jsonl").read_text().splitlines(keepends=True)
    lines.sort(key=lambda line: json.loads(line)["ts"])
    cut = int(len(lines) * share)
    (folder / "events").mkdir()
    (folder / "events" / "part-0001.jsonl").write_text("".join(lines[:cut]))
    return folder, "".join(lines[cut:])


def _state(out: Path) -> dict[str, list]:
    with sqlite3.connect(out / "state.db") as con:
        return {
            "actions": sorted(con.execute("SELECT action, subject FROM actions").fetchall()),
            # One warning per person; a follow-up (ordinal 2) only for a further phase.
            "warned": sorted(
                con.execute("SELECT DISTINCT account_id FROM notification_outbox").fetchall()
            ),
            "outbox": sorted(
                con.execute("SELECT account_id, ordinal FROM notification_outbox").fetchall()
            ),
            "operations": sorted(r[0] for r in con.execute("SELECT operation_id FROM operations")),
        }


def _operations(out: Path) -> list[dict]:
    return json.loads((out / "operations.json").read_text())["operations"]


def _without_ids(ops: list[dict]) -> list[str]:
    return sorted(json.dumps({**op, "operation_id": None}, sort_keys=True) for op in ops)


def test_two_runs_over_a_growing_export_equal_one_run_over_everything(tmp_path: Path):
    sim = simulated_export(tmp_path / "sim")
    export, later = _split_export(sim, tmp_path / "export", 0.6)
    out = tmp_path / "out"
    run_pipeline(RunConfig(export=export, out=out))
    day1 = {tuple(op["accounts"]): op["operation_id"] for op in _operations(out)}
    assert day1, "the first part alone must already show operations"
    (export / "events" / "part-0002.jsonl").write_text(later)
    day2 = run_pipeline(RunConfig(export=export, out=out))
    assert day2.summary()["ingest_mode"]["mode"] == "incremental"
    after_day2 = _state(out)

    once = tmp_path / "once"
    whole, _ = _split_export(sim, tmp_path / "whole", 1.0)
    run_pipeline(RunConfig(export=whole, out=once))

    # Same operations, actions and warnings as one run over everything ...
    assert _without_ids(_operations(out)) == _without_ids(_operations(once))
    assert after_day2["actions"] == _state(once)["actions"]
    assert after_day2["warned"] == _state(once)["warned"]
    # ... with each continuing operation under its day-1 id, and no case opened twice.
    for op in _operations(out):
        continued = [i for accounts, i in day1.items() if set(accounts) & set(op["accounts"])]
        if continued:
            assert op["operation_id"] in continued
    assert len(after_day2["operations"]) == len(
        set(day1.values()) | {op["operation_id"] for op in _operations(out)}
    )
    # A third run with nothing new emits nothing new.
    run_pipeline(RunConfig(export=export, out=out))
    assert _state(out) == after_day2
    assert os.path.exists(out / ".incremental" / "manifest.json")
