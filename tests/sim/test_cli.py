"""The ``mercwatch simulate`` verb."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from mercwatch.cli import app
from mercwatch.errors import ConfigError


def test_simulate_verb_writes_export(tmp_path: Path) -> None:
    out = tmp_path / "export"
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            "--out",
            str(out),
            "--users",
            "500",
            "--seed",
            "9",
            "--format",
            "jsonl",
            "--days",
            "7",
            "--bad-rows",
            "3",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "operations" in result.output
    assert {p.name for p in out.iterdir()} == {
        "accounts.jsonl",
        "friendships.jsonl",
        "events.jsonl",
        "truth.json",
    }
    truth = json.loads((out / "truth.json").read_text("utf-8"))
    assert truth["config"]["seed"] == 9 and len(truth["bad_rows"]) == 3


def test_simulate_verb_rejects_bad_options(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["simulate", "--out", str(tmp_path), "--users", "10"])
    assert getattr(result.exception, "exit_code", result.exit_code) == 2  # click's Exit(2)
    cause = getattr(result.exception, "__cause__", None)
    assert "--users must be at least" in result.output or isinstance(cause, ConfigError)
    result = runner.invoke(
        app, ["simulate", "--out", str(tmp_path), "--users", "500", "--format", "xml"]
    )
    assert result.exit_code == 2
