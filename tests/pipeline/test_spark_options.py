"""``--spark-master`` and ``--spark-conf``: parsing and the settings a session gets.

No Spark needed: these check what mercwatch would hand to ``SparkSession.builder``.
The cluster itself is exercised by ``test_spark_cluster.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from mercwatch.cli import app
from mercwatch.errors import ConfigError
from mercwatch.store.engine import EngineConfig, parse_spark_conf, spark_settings


def test_spark_conf_items_become_pairs_in_order():
    assert parse_spark_conf(["spark.cores.max=8", "spark.x= a=b "]) == (
        ("spark.cores.max", "8"),
        ("spark.x", " a=b "),
    )


@pytest.mark.parametrize("item", ["spark.cores.max", "=8", " =8", ""])
def test_malformed_spark_conf_is_a_usage_error(item: str):
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        parse_spark_conf([item])


def test_cli_refuses_malformed_spark_conf_before_running(tmp_path: Path):
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        ["run", str(tmp_path), "--out", str(out), "--engine", "spark", "--spark-conf", "oops"],
    )
    assert result.exit_code == 2, result.output
    assert "oops" in result.output
    assert not out.exists()


def test_platform_settings_override_the_defaults(tmp_path: Path):
    config = EngineConfig(
        kind="spark",
        spark_master="spark://10.1.2.3:7077",
        spark_conf=(("spark.sql.shuffle.partitions", "512"), ("spark.executor.memory", "8g")),
    )
    settings = spark_settings(config, tmp_path)
    assert settings["spark.sql.shuffle.partitions"] == "512"
    assert settings["spark.executor.memory"] == "8g"
    assert settings["spark.sql.session.timeZone"] == "UTC"


@pytest.mark.parametrize(
    ("master", "loopback"),
    [
        ("local[2]", True),
        ("spark://127.0.0.1:7077", True),
        ("spark://localhost:7077", True),
        ("spark://10.1.2.3:7077", False),
        ("yarn", False),
        ("k8s://https://10.1.2.3:443", False),
    ],
)
def test_driver_binds_to_loopback_only_on_one_machine(tmp_path: Path, master: str, loopback):
    """Executors on other hosts must reach the driver, so a cluster run must not pin it
    to 127.0.0.1; a one-machine run must not listen on a public interface."""
    settings = spark_settings(EngineConfig(kind="spark", spark_master=master), tmp_path)
    assert (settings.get("spark.driver.host") == "127.0.0.1") is loopback
    assert (settings.get("spark.driver.bindAddress") == "127.0.0.1") is loopback


def test_spark_connect_gets_only_the_platform_settings(tmp_path: Path):
    config = EngineConfig(
        kind="spark", spark_master="sc://spark.internal:15002", spark_conf=(("a.b", "c"),)
    )
    assert spark_settings(config, tmp_path) == {"a.b": "c"}
