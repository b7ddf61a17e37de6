"""The link stage gives the same operations on DuckDB and on Spark.

Marked ``spark``: needs PySpark and a Java runtime; skipped, saying why, without them.
"""

from __future__ import annotations

import importlib.util
import shutil

import pytest

from mercwatch.link import LinkConfig, build_operations
from mercwatch.store.engine import EngineConfig, connect, hand_off

pytestmark = [
    pytest.mark.spark,
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("pyspark") is None, reason="no pyspark"),
    pytest.mark.skipif(shutil.which("java") is None, reason="no Java runtime for Spark"),
]
NAT = "198.51.100.7"
# The two crews share an address only their personas use, which by default makes them one
# operation (LinkConfig.persona_merge_ties); off here so that Leiden has two operations to
# separate inside one component on both engines.
SEPARATE = LinkConfig(persona_merge_ties=())


def test_operations_agree_on_duckdb_and_spark(platform, tmp_path):
    targets = platform.benign("t", 4)
    # trailing n: see store.exprs.trim; at risk, so the name search alone makes her a target
    platform.account("ana", display_name="Ana Martin", tags=["journalist"])
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
    signals = platform.signal_table()
    on_duckdb = [op.to_dict() for op in build_operations(duck, signals, intel, SEPARATE)]
    spark = connect(EngineConfig(kind="spark"))
    try:
        hand_off(duck, spark, ("accounts", "events"), tmp_path / "handoff")
        on_spark = [op.to_dict() for op in build_operations(spark, signals, intel, SEPARATE)]
    finally:
        spark.disconnect()
    assert len(on_duckdb) == 2
    # Calibrated confidences can tie (both crews map to one probability), so find the
    # crew that sent the flagged domain rather than relying on the order.
    (sender,) = [op for op in on_duckdb if op["infrastructure"]["domains"] == ["evil.net"]]
    assert "ana" in sender["targets"]
    assert on_spark == on_duckdb
