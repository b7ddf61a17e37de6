"""``mercwatch links score``: one JSON object per input line, in order, exact keys."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from mercwatch.cli import app

runner = CliRunner()
LINES = [
    "mail.google.com",
    "",
    "not a domain",
    "whats.app.social",
    "https://faсebook.com/login",
    "   ",
]


def _rows(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines()]


def test_stdin_one_object_per_line_in_order():
    result = runner.invoke(app, ["links", "score", "-"], input="\n".join(LINES) + "\n")
    assert result.exit_code == 0, result.output
    rows = _rows(result.stdout)
    assert [r["value"] for r in rows] == LINES
    assert all(set(r) == {"value", "score", "verdict", "reasons"} for r in rows)
    assert [r["verdict"] for r in rows] == [
        "benign",
        "invalid",
        "invalid",
        "malicious",
        "malicious",
        "invalid",
    ]
    assert rows[1]["reasons"] == ["empty line"] and rows[1]["score"] == 0.0
    assert all(isinstance(r["reasons"], list) and 0 <= r["score"] <= 1 for r in rows)


def test_file_and_known_bad_option(tmp_path: Path):
    src = tmp_path / "links.txt"
    src.write_text("ordinary-bakery.com\r\nhttps://cdn.ordinary-bakery.com/x\n", encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_text("ordinary-bakery.com\n", encoding="utf-8")
    plain = _rows(runner.invoke(app, ["links", "score", str(src)]).stdout)
    assert [r["verdict"] for r in plain] == ["benign", "benign"]
    flagged = runner.invoke(app, ["links", "score", str(src), "--known-bad", str(bad)])
    rows = _rows(flagged.stdout)
    assert [r["value"] for r in rows] == [
        "ordinary-bakery.com",
        "https://cdn.ordinary-bakery.com/x",
    ]
    assert all(r["verdict"] == "malicious" and r["reasons"] == ["indicator match"] for r in rows)


def test_missing_file_is_a_user_error(tmp_path: Path):
    result = runner.invoke(app, ["links", "score", str(tmp_path / "nope.txt")])
    assert result.exit_code == 2
    assert "nope.txt" in result.output and "Traceback" not in result.output


def test_undecodable_bytes_do_not_stop_the_run(tmp_path: Path):
    src = tmp_path / "mixed.txt"
    src.write_bytes(b"bbc.co.uk\n\xff\xfe\x00junk\nwhats.app.social\n")
    rows = _rows(runner.invoke(app, ["links", "score", str(src)]).stdout)
    assert [r["verdict"] for r in rows] == ["benign", "invalid", "malicious"]
