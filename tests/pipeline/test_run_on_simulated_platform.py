"""End to end: simulate a platform, run every stage, score it with ``mercwatch eval``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mercwatch.cli import app
from mercwatch.evaluate import evaluate
from mercwatch.pipeline import RunConfig, run_pipeline
from mercwatch.sim import SimConfig, simulate

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def simulated_run(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("e2e")
    export, out = base / "export", base / "out"
    simulate(SimConfig(users=1000, seed=4, bad_rows=6), export)
    run_pipeline(RunConfig(export=export, out=out))
    return export, out


def test_quality_against_truth(simulated_run):
    export, out = simulated_run
    quality = evaluate(out, export / "truth.json")
    assert quality.operations_found >= 1
    assert quality.benign_accounts_disabled == 0
    assert quality.account_precision == 1.0
    assert quality.target_recall >= 0.9
    assert quality.operation_purity >= 0.95


def test_every_output_is_written_and_bad_rows_are_kept(simulated_run):
    export, out = simulated_run
    truth = json.loads((export / "truth.json").read_text())
    rejects = [json.loads(line) for line in (out / "rejects.jsonl").read_text().splitlines()]
    summary = json.loads((out / "summary.json").read_text())
    # Injected duplicates of an identical row are no-ops; every other bad row is a reject.
    assert len(rejects) + sum(t["duplicates"] for t in summary["tables"]) == len(truth["bad_rows"])
    assert all({"table", "row", "reason", "location"} <= set(r) for r in rejects)
    ops = json.loads((out / "operations.json").read_text())["operations"]
    notified = [json.loads(line) for line in (out / "notifications.jsonl").read_text().splitlines()]
    assert len({(n["account_id"], n["operation_id"]) for n in notified}) == len(notified)
    targets = {t for op in ops for t in op["targets"]}
    bundle = (out / "indicators.stix.json").read_text()
    assert not [t for t in targets if t in bundle], "a target id leaked into the STIX bundle"
    assert "<html" in (out / "report.html").read_text().lower()


def test_eval_verb_prints_json(simulated_run):
    export, out = simulated_run
    result = CliRunner().invoke(
        app, ["eval", str(out), "--truth", str(export / "truth.json"), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["benign_accounts_disabled"] == 0
