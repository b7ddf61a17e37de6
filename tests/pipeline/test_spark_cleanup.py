"""A Spark run leaves no intermediate tables behind (issue 10, finding 9).

Each Spark run used to leave its hand-off Parquet in ``OUT/.engine`` and a warehouse
of the detectors' shared tables in a ``mercwatch-spark-*`` temp folder, never removed.
"""

from __future__ import annotations

import importlib.util
import shutil
import tempfile
from pathlib import Path

import pytest
from _ingest_samples import ACCOUNTS, EVENTS, FRIENDSHIPS, write_table

from mercwatch.pipeline import RunConfig, run_pipeline
from mercwatch.store.engine import EngineConfig

pytestmark = [
    pytest.mark.spark,
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("pyspark") is None, reason="pyspark is not installed"
    ),
    pytest.mark.skipif(shutil.which("java") is None, reason="no Java runtime for Spark"),
]


def test_spark_run_removes_its_temp_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    export = tmp_path / "export"
    export.mkdir()
    write_table(export, "accounts", ACCOUNTS, "jsonl")
    write_table(export, "friendships", FRIENDSHIPS, "csv")
    write_table(export, "events", EVENTS, "jsonl")
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))  # where the run's temp folders go
    out = tmp_path / "out"
    config = RunConfig(
        export=export,
        out=out,
        engine=EngineConfig(kind="spark"),
        only_detectors=frozenset({"engagement.coordination"}),  # writes a shared table
    )
    result = run_pipeline(config)
    assert [r.status for r in result.detection.runs] == ["ok"]
    assert list(temp.iterdir()) == []
    assert not (out / ".engine").exists()
