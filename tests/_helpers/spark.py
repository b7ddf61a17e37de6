"""A local Spark session for tests that compare an Ibis expression on DuckDB and Spark."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator

import ibis
import pytest

from mercwatch.store.engine import EngineConfig, connect, release

#: Marks of a test that needs PySpark and a Java runtime (skipped without them).
SPARK = [
    pytest.mark.spark,
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("pyspark") is None, reason="no pyspark"),
    pytest.mark.skipif(shutil.which("java") is None, reason="no Java runtime for Spark"),
]


def local_spark() -> Iterator[ibis.BaseBackend]:
    """A one-core local Spark backend, released (session and temp folder) afterwards;
    wrap in a module-scoped fixture so a test module starts one JVM."""
    con = connect(EngineConfig(kind="spark", spark_master="local[1]"))
    try:
        yield con
    finally:
        release(con)
