"""``mercwatch run`` on a tiny export: every output file, atomic publishing, reruns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _ingest_samples import ACCOUNTS, EVENTS, FRIENDSHIPS, write_table
from _runs import OUTPUTS
from typer.testing import CliRunner

from mercwatch.cli import app
from mercwatch.pipeline import RunConfig, run_pipeline
from mercwatch.pipeline import run as run_module


@pytest.fixture
def export(tmp_path: Path) -> Path:
    folder = tmp_path / "export"
    folder.mkdir()
    write_table(folder, "accounts", ACCOUNTS, "jsonl")
    write_table(folder, "friendships", FRIENDSHIPS, "csv")
    bad = {"event_id": "bad", "ts": "2021-11-03T14:05:00Z", "type": "teleport", "actor_id": "a1"}
    write_table(folder, "events", EVENTS + [bad], "jsonl")
    return folder


def test_run_writes_every_output(export: Path, tmp_path: Path):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(export), "--out", str(out)])
    assert result.exit_code == 0, result.output
    for name in OUTPUTS:
        assert (out / name).exists(), name
    assert json.loads((out / "operations.json").read_text()) == {"operations": []}
    (reject,) = [json.loads(line) for line in (out / "rejects.jsonl").read_text().splitlines()]
    assert reject["table"] == "events"
    assert reject["row"]["event_id"] == "bad"
    assert reject["location"] == f"events.jsonl:{len(EVENTS) + 1}"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["rows_rejected"] == 1
    assert set(summary["stage_seconds"]) >= {"ingest", "detect"}
    assert "rows rejected" in result.output


def test_rerun_gives_identical_outputs(export: Path, tmp_path: Path):
    out = tmp_path / "out"
    run_pipeline(RunConfig(export=export, out=out))
    # The summary and the report show time per stage; everything else is byte-identical.
    first = {
        n: (out / n).read_bytes()
        for n in OUTPUTS
        if n not in ("summary.json", "report.html", "report.md")
    }
    run_pipeline(RunConfig(export=export, out=out))
    assert first == {n: (out / n).read_bytes() for n in first}


def test_crash_leaves_previous_outputs_whole(export: Path, tmp_path: Path, monkeypatch):
    out = tmp_path / "out"
    run_pipeline(RunConfig(export=export, out=out))
    before = {n: (out / n).read_bytes() for n in OUTPUTS}

    def boom(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(run_module, "_write_rejects", boom)
    with pytest.raises(RuntimeError):
        run_pipeline(RunConfig(export=export, out=out))
    assert before == {n: (out / n).read_bytes() for n in OUTPUTS}
    assert not [p for p in out.iterdir() if p.name.startswith(".staging-")]


def test_user_error_exits_2_with_one_line(tmp_path: Path):
    result = CliRunner().invoke(
        app, ["run", str(tmp_path / "missing"), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert "export folder not found" in result.output
    assert "Traceback" not in result.output


def test_unknown_detector_is_a_user_error(export: Path, tmp_path: Path):
    result = CliRunner().invoke(
        app, ["run", str(export), "--out", str(tmp_path / "o"), "--only", "nope.x"]
    )
    assert result.exit_code == 2
    assert "unknown detector id 'nope.x'; valid, closest first: " in result.output
