"""The run's scratch DuckDB file gives the outputs the in-memory database gave.

``mercwatch run`` works in a file-backed DuckDB under a scratch folder (bounded
memory, spill to disk: store/run_database.py); ``--in-memory`` keeps every table in
RAM. Where the rows live must not change what is decided: operations, enforcement
and notifications are compared byte for byte on one simulated platform, and the
scratch folder must be gone after the run, also after a failed one.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mercwatch.errors import MercwatchError
from mercwatch.pipeline import RunConfig, run_pipeline
from mercwatch.sim import SimConfig, simulate
from mercwatch.store.engine import EngineConfig, duckdb_connection
from mercwatch.store.run_database import (
    OWNER_FILE,
    default_memory_limit,
    remove_abandoned,
    run_database,
)

pytestmark = pytest.mark.slow

COMPARED = ("operations.json", "enforcement.jsonl", "notifications.jsonl")


def test_file_backed_run_publishes_what_the_in_memory_run_published(tmp_path: Path) -> None:
    export = tmp_path / "export"
    simulate(SimConfig(users=3000, seed=2), export)
    scratch = tmp_path / "scratch"
    outputs = {}
    for name, engine in (
        ("memory", EngineConfig(in_memory=True)),
        ("file", EngineConfig(work_dir=scratch)),
    ):
        out = tmp_path / name
        run_pipeline(RunConfig(export=export, out=out, engine=engine))
        outputs[name] = {f: (out / f).read_bytes() for f in COMPARED}
    assert b'"operation_id"' in outputs["memory"]["operations.json"]
    assert outputs["file"] == outputs["memory"]
    assert list(scratch.iterdir()) == []  # the scratch database was removed


def test_scratch_database_is_a_file_with_a_spill_folder_and_a_memory_cap(tmp_path: Path) -> None:
    with run_database(EngineConfig(work_dir=tmp_path)) as con:
        raw = duckdb_connection(con)
        (folder,) = tmp_path.iterdir()
        assert (folder / "run.duckdb").exists()
        spill = raw.execute("SELECT current_setting('temp_directory')").fetchone()[0]
        assert Path(spill) == folder / "spill"
        limit = raw.execute("SELECT current_setting('memory_limit')").fetchone()[0]
        assert limit not in ("", None)
    assert not folder.exists()


def test_scratch_database_is_removed_when_the_run_fails(tmp_path: Path) -> None:
    class Boom(MercwatchError):
        pass

    with pytest.raises(Boom), run_database(EngineConfig(work_dir=tmp_path)) as con:
        duckdb_connection(con).execute("CREATE TABLE t AS SELECT 1 AS x")
        raise Boom("stage failed")
    assert list(tmp_path.iterdir()) == []


def test_a_named_database_is_kept_and_memory_cap_is_half_the_machine(tmp_path: Path) -> None:
    kept = tmp_path / "kept.duckdb"
    config = dataclasses.replace(EngineConfig(), database=kept)
    with run_database(config) as con:
        duckdb_connection(con).execute("CREATE TABLE t AS SELECT 1 AS x")
    assert kept.exists()
    limit = default_memory_limit()
    assert limit is not None and limit.endswith("MB")


def test_a_killed_runs_scratch_folder_is_removed_by_the_next_run(tmp_path: Path) -> None:
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead = tmp_path / "mercwatch-run-killed"
    dead.mkdir()
    (dead / OWNER_FILE).write_text(finished.stdout.strip())
    (dead / "run.duckdb").write_bytes(b"left by a SIGKILL")
    alive = tmp_path / "mercwatch-run-running"
    alive.mkdir()
    (alive / OWNER_FILE).write_text(str(os.getpid()))
    starting = tmp_path / "mercwatch-run-starting"  # no owner written yet
    starting.mkdir()
    with run_database(EngineConfig(work_dir=tmp_path)):
        assert not dead.exists()
    assert alive.exists() and starting.exists()
    assert remove_abandoned(tmp_path) == []
