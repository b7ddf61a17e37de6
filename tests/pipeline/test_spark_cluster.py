"""``--engine spark --spark-master URL`` on a real Spark standalone cluster (issue 15).

The same simulated export is run on DuckDB and, through the CLI, on the cluster that
``scripts/start-test-spark.sh`` starts (a master and two workers on 127.0.0.1; its URL
in ``MERCWATCH_TEST_SPARK_MASTER``). Operations, enforcement actions and notifications
must be the same. Skipped where no cluster was started, except under ``CI=true``,
where a missing cluster fails the test instead of hiding the Spark path.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from urllib.request import urlopen

import pytest
from typer.testing import CliRunner

from mercwatch.cli import app
from mercwatch.pipeline import RunConfig, run_pipeline
from mercwatch.sim import SimConfig, simulate

MASTER = os.environ.get("MERCWATCH_TEST_SPARK_MASTER")
MASTER_UI = os.environ.get("MERCWATCH_TEST_SPARK_MASTER_UI")
IN_CI = os.environ.get("CI", "").lower() == "true"

pytestmark = [
    pytest.mark.spark,
    pytest.mark.slow,
    pytest.mark.skipif(
        MASTER is None and not IN_CI,
        reason='no Spark cluster: eval "$(scripts/start-test-spark.sh)" first',
    ),
]


def _outputs(out: Path) -> dict[str, list]:
    """What a platform acts on: operations, enforcement actions, notifications."""
    operations = json.loads((out / "operations.json").read_text())["operations"]
    lines = {
        name: sorted(
            json.dumps(json.loads(line), sort_keys=True)
            for line in (out / name).read_text().splitlines()
        )
        for name in ("enforcement.jsonl", "notifications.jsonl")
    }
    return {
        "operations": sorted(json.dumps(op, sort_keys=True) for op in operations),
        **lines,
    }


def _apps_on_master() -> list[dict]:
    with urlopen(f"{MASTER_UI}/json/", timeout=10) as reply:
        status = json.load(reply)
    return status.get("activeapps", []) + status.get("completedapps", [])


def test_cluster_run_matches_duckdb(tmp_path: Path):
    assert MASTER, "CI=true but MERCWATCH_TEST_SPARK_MASTER is unset: no Spark cluster started"
    export = tmp_path / "export"
    simulate(SimConfig(users=600, seed=11), export)
    on_duckdb = tmp_path / "duckdb"
    run_pipeline(RunConfig(export=export, out=on_duckdb))

    app_name = f"mercwatch-test-{uuid.uuid4().hex[:8]}"
    on_cluster = tmp_path / "cluster"
    result = CliRunner().invoke(
        app,
        [
            "run", str(export), "--out", str(on_cluster),
            "--engine", "spark", "--spark-master", MASTER,
            "--spark-conf", f"spark.app.name={app_name}",
            "--spark-conf", "spark.executor.memory=512m",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output

    expected = _outputs(on_duckdb)
    assert expected["operations"] and expected["enforcement.jsonl"]
    assert expected["notifications.jsonl"]
    assert _outputs(on_cluster) == expected
    if MASTER_UI:  # the run was an application of the cluster, not a local session
        assert app_name in {a.get("name") for a in _apps_on_master()}
