"""Exit codes: 0 ok, 1 a check or run failed, 2 usage or configuration (docs/cli.md).

The table of error classes in docs/cli.md is compared with ``mercwatch.errors`` so the
documentation cannot drift, and one command per code shows how the CLI maps them.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mercwatch import errors
from mercwatch.cli import app
from mercwatch.enforce import cli as enforce_cli
from mercwatch.pipeline.lock import locked_output

DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def _documented() -> dict[str, int]:
    rows = re.findall(r"^\| `(\w+)` \| ([012]) \|$", DOC.read_text(encoding="utf-8"), re.M)
    return {name: int(code) for name, code in rows}


def test_the_documented_table_is_every_error_class_with_its_code():
    classes = {
        name: cls.exit_code
        for name, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.MercwatchError)
    }
    assert _documented() == classes


def test_0_ok():
    assert CliRunner().invoke(app, ["detectors", "--json"]).exit_code == 0


def test_1_a_tampered_audit_log_from_any_verb(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Not only ``audit verify``: the class carries the code, whichever verb meets it."""

    def tampered(store: object) -> None:
        raise errors.AuditChainBroken(7, "content does not match its hash (edited)")

    monkeypatch.setattr(enforce_cli, "audit_head", tampered)
    result = CliRunner().invoke(app, ["audit", "head", "--state", str(tmp_path / "s.db")])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "mercwatch: audit entry 7: content does not match its hash (edited)"
    )
    assert "Traceback" not in result.output


def test_1_a_run_refused_on_good_settings(tmp_path: Path):
    """Another run holds OUT: the command was right, the run could not go ahead."""
    (tmp_path / "export").mkdir()
    out = tmp_path / "out"
    with locked_output(out):
        result = CliRunner().invoke(app, ["run", str(tmp_path / "export"), "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("mercwatch: ")


@pytest.mark.parametrize(
    "args",
    [
        ["no-such-verb"],
        ["detectors", "--no-such-option"],
        ["detectors", "--phase", "recon"],
        ["run", ".", "--out", "o", "--only", "nope.x"],
        ["review", "list", "--state", "nosuchdriver://x"],
    ],
)
def test_2_usage_or_configuration(args: list[str], tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
