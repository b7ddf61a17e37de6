"""``--json`` on every verb that prints results; under it stdout is JSON and nothing else.

The walk over the command tree (tests/_cli_tree.py) makes a new verb either take
``--json``, print JSON always, or be named below as printing no results.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _cli_tree import options, verbs
from typer.testing import CliRunner

from mercwatch.cli import app
from mercwatch.store.cli_options import STATE_ENV

#: Verbs whose stdout is JSON with or without a flag (machine interfaces by design).
ALWAYS_JSON = {
    "enforcement blocklists",
    "enforcement deliver",
    "enforcement status",
    "links score",
    "taxii publish",
    "taxii pull",
}
#: Verbs that print no result to read: servers, which only log to stderr until stopped.
NO_RESULTS = {"serve", "taxii serve"}


def test_every_verb_that_prints_results_has_json():
    missing = [
        name
        for name, command in verbs()
        if name not in ALWAYS_JSON | NO_RESULTS and "--json" not in options(command)
    ]
    assert not missing, f"verbs without --json: {missing}"
    names = {name for name, _ in verbs()}
    assert names >= ALWAYS_JSON | NO_RESULTS  # no stale exemption
    assert len(names) > 30


def _json(runner: CliRunner, *args: str, code: int = 0) -> list[Any]:
    """Invoke; every non-empty stdout line must be a JSON document (one, or JSON Lines)."""
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, (args, result.stdout, result.stderr)
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    try:
        return [json.loads(line) for line in lines]
    except json.JSONDecodeError as exc:
        raise AssertionError(f"{args}: stdout is not JSON only:\n{result.stdout}") from exc


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("json")
    runner = CliRunner()
    (made,) = _json(
        runner, "simulate", "--out", str(base / "export"), "--users", "300", "--days", "8",
        "--format", "jsonl", "--json",
    )  # fmt: skip
    assert made["accounts"] >= 300 and made["operations"]
    return base


def test_json_of_the_run_verbs(sim: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(STATE_ENV, raising=False)
    runner = CliRunner()
    out, export, state = sim / "out", sim / "export", sim / "state.db"
    (ran,) = _json(runner, "run", str(export), "--out", str(out), "--state", str(state), "--json")
    assert ran["out"] == str(out) and ran["summary"]["rows_read"] > 0
    (scored,) = _json(runner, "eval", str(out), "--truth", str(export / "truth.json"), "--json")
    assert "account_precision" in scored
    listed = _json(runner, "detectors", "--json")
    assert {"id", "phase", "defaults"} <= set(listed[0]) and len(listed) > 5
    recon = _json(runner, "detectors", "--phase", "reconnaissance", "--json")
    assert {d["phase"] for d in recon} == {"reconnaissance"}
    (exported,) = _json(
        runner, "intel", "export", str(out / "operations.json"), "--format", "stix",
        "--out", str(sim / "b.json"), "--json",
    )  # fmt: skip
    assert exported["out"] == str(sim / "b.json")
    (report,) = _json(runner, "report", str(out), "--json")
    assert Path(report["html"]).is_file() and report["pdf"] is None
    once = _json(runner, "watch", str(export), "--out", str(out), "--state", str(state),
                 "--once", "--json")  # fmt: skip
    assert len(once) == 1


def test_json_of_the_state_verbs(sim: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.delenv(STATE_ENV, raising=False)
    runner = CliRunner()
    state = ["--state", str(tmp_path / "s.db")]
    _json(runner, "run", str(sim / "export"), "--out", str(tmp_path / "o"), *state, "--json")
    _json(runner, "review", "list", *state, "--json")
    (verified,) = _json(runner, "audit", "verify", *state, "--json")
    assert verified["verified"] is True
    (head,) = _json(runner, "audit", "head", *state, "--json")
    (shown_head,) = _json(runner, "audit", "show", "--head", *state, "--json")
    assert shown_head == head
    assert all("action" in row for row in _json(runner, "audit", "show", *state, "--json"))
    _json(runner, "outbox", "status", *state, "--json")
    assert _json(runner, "outbox", "retry-failed", *state, "--json") == [{"requeued": 0}]
    assert any(row["locale"] == "en" for row in _json(runner, "outbox", "locales", "--json"))
    _json(runner, "enforcement", "status", *state)
    (migrated,) = _json(runner, "state", "migrate", "--owner-url", state[1], "--json")
    assert migrated["grants"] == []
    (key,) = _json(runner, "keygen", "k1", "--keys-file", str(tmp_path / "keys.json"), "--json")
    assert key["id"] == "k1" and key["credential"]
