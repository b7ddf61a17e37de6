"""The run verb passes --ingest-limit through, says loudly when rejects were capped,
and turns a hostile export into one line and a non-zero exit, never a traceback."""

from __future__ import annotations

import json

from _ingest_samples import ACCOUNTS, EVENTS, write_table
from typer.testing import CliRunner

from mercwatch.cli import app


def _export(tmp_path, junk_lines: int):
    export = tmp_path / "export"
    export.mkdir()
    write_table(export, "accounts", ACCOUNTS, "jsonl")
    good = [{**EVENTS[0], "event_id": f"g{i}"} for i in range(20)]
    text = "".join(json.dumps(e) + "\n" for e in good) + "junk\n" * junk_lines
    (export / "events.jsonl").write_text(text)
    return export


def test_capped_rejects_are_counted_in_the_summary_and_printed(tmp_path):
    out = tmp_path / "out"
    args = ["run", str(_export(tmp_path, 5)), "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--ingest-limit", "max_rejects_kept=2"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["rows_rejected"] == 5 and summary["rejects_not_kept"] == 3
    assert "max_rejects_kept" in summary["ingest_warnings"][0]
    assert "ingest:" in result.output and "max_rejects_kept" in result.output
    assert len((out / "rejects.jsonl").read_text().splitlines()) == 2


def test_a_mostly_broken_table_fails_the_run_with_one_line(tmp_path):
    result = CliRunner().invoke(app, ["run", str(_export(tmp_path, 30)), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "max_reject_fraction" in result.output
    assert "Traceback" not in result.output


def test_an_unknown_limit_is_a_usage_error(tmp_path):
    out = tmp_path / "out"
    args = ["run", str(_export(tmp_path, 0)), "--out", str(out), "--ingest-limit", "speed=9"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "ingest limit 'speed=9'" in result.output
