"""The link stage gives the same operations on DuckDB and on Spark.

Marked ``spark``: needs PySpark and a Java runtime; skipped, saying why, without them.
"""

from __future__ import annotations

import importlib.util
import shutil

import pytest

from mercwatch.link import build_operations
from mercwatch.store.engine import EngineConfig, connect, hand_off

pytestmark = [
    pytest.mark.spark,
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("pyspark") is None, reason="no pyspark"),
    pytest.mark.skipif(shutil.which("java") is None, reason="no Java runtime for Spark"),
]
NAT = "198.51.100.7"


def test_operations_agree_on_duckdb_and_spark(platform, tmp_path):
    targets = platform.benign("t", 4)
    platform.account("ana", display_name="Ana Martin")  # trailing n: see store.exprs.trim
    crew = platform.persona_ring(
        "opa", 4, "devA", 0x0F0F_F0F0_1234_5678, targets=tuple(targets[:2]), ip=NAT
    )
    platform.persona_ring(
        "opb", 4, "devB", 0xA5A5_5A5A_9ABC_DEF0, targets=tuple(targets[2:]), ip=NAT
    )
    platform.event(
        "message",
        crew[1],
        targets[0],
        url="https://login.evil.net/account",
        text="please read the draft we wrote about you before friday morning",
    )
    platform.event("search", crew[0], None, text=" ana martin ")
    platform.signal("evil.net", 0.9, detector="l", phase="exploitation", subject_type="domain")
    platform.signal("AS64500", 0.7, detector="n", phase="reconnaissance", subject_type="network")
    platform.signal(
        "198.51.100.0/24", 0.7, detector="n", phase="reconnaissance", subject_type="network"
    )
    intel = {"evil.net": ("Actor", "feed")}
    duck = platform.connect()
    on_duckdb = [op.to_dict() for op in build_operations(duck, platform.signal_table(), intel)]
    spark = connect(EngineConfig(kind="spark"))
    try:
        hand_off(duck, spark, ("accounts", "events"), tmp_path / "handoff")
        on_spark = [op.to_dict() for op in build_operations(spark, platform.signal_table(), intel)]
    finally:
        spark.disconnect()
    assert len(on_duckdb) == 2
    assert on_duckdb[0]["infrastructure"]["domains"] == ["evil.net"]
    assert "ana" in on_duckdb[0]["targets"]
    assert on_spark == on_duckdb
