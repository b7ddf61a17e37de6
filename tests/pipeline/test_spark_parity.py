"""The same detector code on DuckDB and on Spark gives the same signals.

Marked ``spark``: needs PySpark and a Java runtime (``.ci/run`` installs both); it is
skipped, saying why, where they are absent.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from mercwatch.detectors import DetectionContext, all_detectors, run_detectors
from mercwatch.ingest import ingest_export
from mercwatch.sim import SimConfig, simulate
from mercwatch.store.engine import EngineConfig, connect, hand_off

pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(
        importlib.util.find_spec("pyspark") is None, reason="pyspark is not installed"
    ),
    pytest.mark.skipif(shutil.which("java") is None, reason="no Java runtime for Spark"),
]


def _rows(table) -> list[tuple]:
    return sorted(
        (r["detector"], r["subject_type"], r["subject"], round(r["score"], 6), r["detail"])
        for r in table.to_pylist()
    )


def test_detectors_agree_on_duckdb_and_spark(tmp_path: Path):
    export = tmp_path / "export"
    simulate(SimConfig(users=600, seed=11), export)
    duck = connect()
    ingest_export(export, duck)
    on_duckdb = run_detectors(DetectionContext(duck), all_detectors())
    spark = connect(EngineConfig(kind="spark"))
    try:
        hand_off(duck, spark, ("accounts", "friendships", "events"), tmp_path / "handoff")
        on_spark = run_detectors(DetectionContext(spark), all_detectors())
    finally:
        spark.disconnect()
    assert [r.status for r in on_spark.runs] == ["ok"] * len(on_spark.runs), on_spark.failed
    assert on_duckdb.signals.num_rows > 0
    assert _rows(on_spark.signals) == _rows(on_duckdb.signals)
