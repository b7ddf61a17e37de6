"""``mercwatch run`` refuses to publish a partial run or a shrunken export as if complete.

Issue 10, findings 4 and 5: a failed detector lost an operation and the run exited 0;
an empty or broken export into an existing OUT exited 0 and revoked every indicator
shared before. Both now exit 1 with nothing new published, written to the state
store or revoked, unless the operator allows it by flag; the run then says so.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from _runs import published, simulated_export, state_rows
from typer.testing import CliRunner

from mercwatch.cli import app
from mercwatch.detectors.registry import all_detectors
from mercwatch.pipeline import RunConfig, run_pipeline
from mercwatch.pipeline import run as run_module

runner = CliRunner()


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A simulated export and OUT holding the complete run on it (with indicators)."""
    base = tmp_path_factory.mktemp("guards")
    export = simulated_export(base / "export")
    run_pipeline(RunConfig(export=export, out=base / "out"))
    return export, base / "out"


@pytest.fixture
def out(first_run: tuple[Path, Path], tmp_path: Path) -> Path:
    """A copy of the first run's OUT, state store included."""
    copy = tmp_path / "out"
    shutil.copytree(first_run[1], copy, symlinks=True)
    return copy


def _failing(*ids: str):
    """The built-in detectors, those named (all when none) raising like the 2038 bug."""

    def boom(self, ctx):  # noqa: ARG001
        raise OverflowError("Conversion Error: INT32 out of range")

    return lambda: [
        type(d.__name__, (d,), {"detect": boom}) if not ids or d.id in ids else d
        for d in all_detectors()
    ]


def _live_indicators(out: Path) -> int:
    bundle = json.loads((out / "indicators.stix.json").read_text())
    return sum(1 for o in bundle["objects"] if o["type"] == "indicator" and not o.get("revoked"))


def _run(export: Path, out: Path, *flags: str):
    return runner.invoke(app, ["run", str(export), "--out", str(out), *flags])


def test_failed_detector_exits_1_and_publishes_nothing(first_run, out: Path, monkeypatch):
    before, stored = published(out), state_rows(out)
    failing = sorted(d.id for d in all_detectors())[:3]
    monkeypatch.setattr(run_module, "all_detectors", _failing(*failing))
    result = _run(first_run[0], out)
    assert result.exit_code == 1, result.output
    assert "3 detector(s) failed, nothing published" in result.output
    assert all(d in result.output for d in failing)
    assert "--allow-failed-detectors" in result.output
    assert published(out) == before
    assert state_rows(out) == stored


def test_allowed_partial_run_says_so_everywhere(first_run, tmp_path: Path, monkeypatch):
    fresh = tmp_path / "fresh"
    failing = sorted(d.id for d in all_detectors())[0]
    monkeypatch.setattr(run_module, "all_detectors", _failing(failing))
    result = _run(first_run[0], fresh, "--allow-failed-detectors")
    assert result.exit_code == 0, result.output
    assert "PARTIAL" in result.output and f"detector {failing} failed" in result.output
    summary = json.loads((fresh / "summary.json").read_text())
    assert summary["complete"] is False
    assert summary["detectors_failed"] == [failing]
    assert any(failing in w and "PARTIAL RUN" in w for w in summary["warnings"])
    # Markdown escapes the underscores of a detector id (engagement.co\_sharing).
    for report, shown in (("report.html", failing), ("report.md", failing.replace("_", r"\_"))):
        text = (fresh / report).read_text()
        assert "PARTIAL RUN" in text and shown in text, report


def test_partial_run_may_not_revoke_what_was_published(first_run, out: Path, monkeypatch):
    assert _live_indicators(out) > 0
    before, stored = published(out), state_rows(out)
    monkeypatch.setattr(run_module, "all_detectors", _failing())
    result = _run(first_run[0], out, "--allow-failed-detectors")
    assert result.exit_code == 1, result.output
    assert "a partial run would revoke" in result.output
    assert published(out) == before
    assert state_rows(out) == stored
    result = _run(first_run[0], out, "--allow-failed-detectors", "--allow-shrink")
    assert result.exit_code == 0, result.output
    assert _live_indicators(out) == 0


def _empty(folder: Path) -> Path:
    folder.mkdir()
    for table in ("accounts", "events"):
        (folder / f"{table}.jsonl").write_text("")
    return folder


def _broken(folder: Path) -> Path:
    """Every line unreadable: a CR-only or truncated file is as empty as a missing one."""
    folder.mkdir()
    for table in ("accounts", "events"):
        (folder / f"{table}.jsonl").write_text("".join(f"{{broken {i}\n" for i in range(50)))
    return folder


def _truncated(source: Path, folder: Path, keep: float) -> Path:
    """The same export with only the first ``keep`` share of its events."""
    shutil.copytree(source, folder)
    (events,) = folder.glob("events.*")
    lines = events.read_text().splitlines(keepends=True)
    events.write_text("".join(lines[: int(len(lines) * keep)]))
    return folder


@pytest.mark.parametrize(
    ("make", "code", "said"),
    [
        (_empty, 1, ("has 0 valid rows", "--allow-shrink")),
        # Every row unreadable: ingest's reject-share limit refuses the export first
        # (unreadable input, exit 2) — either way nothing is revoked.
        (_broken, 2, ("rows of table 'accounts' rejected", "max_reject_fraction")),
    ],
    ids=["empty", "broken"],
)
def test_empty_or_broken_export_revokes_nothing(make, code, said, out: Path, tmp_path: Path):
    before, stored = published(out), state_rows(out)
    result = _run(make(tmp_path / "export"), out)
    assert result.exit_code == code, result.output
    assert all(text in result.output for text in said), result.output
    assert "Traceback" not in result.output
    assert published(out) == before
    assert state_rows(out) == stored


def test_much_smaller_export_is_refused_unless_the_ratio_allows(first_run, out, tmp_path):
    export = _truncated(first_run[0], tmp_path / "export", keep=0.2)
    before = published(out)
    result = _run(export, out)
    assert result.exit_code == 1, result.output
    assert "'events'" in result.output and "fewer than 50%" in result.output
    assert published(out) == before
    result = _run(export, out, "--shrink-ratio", "0.1")
    assert result.exit_code == 0, result.output


def test_allow_shrink_publishes_and_revokes_saying_so(out: Path, tmp_path: Path):
    assert _live_indicators(out) > 0
    result = _run(_empty(tmp_path / "export"), out, "--allow-shrink")
    assert result.exit_code == 0, result.output
    assert _live_indicators(out) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert any("export shrank: events has 0 valid rows" in w for w in summary["warnings"])
    assert "export shrank" in result.output


def test_empty_export_into_a_new_folder_is_not_a_shrink(tmp_path: Path):
    result = _run(_empty(tmp_path / "export"), tmp_path / "out")
    assert result.exit_code == 0, result.output


def test_shrink_ratio_out_of_range_is_a_usage_error(first_run, tmp_path: Path):
    result = _run(first_run[0], tmp_path / "out", "--shrink-ratio", "1.5")
    assert result.exit_code == 2
    assert "shrink ratio must be between 0 and 1" in result.output


def test_unreadable_published_summary_is_not_a_free_pass(first_run, out: Path):
    current = (out / "summary.json").resolve()
    current.write_text("{not json")
    before = published(out)
    result = _run(first_run[0], out)
    assert result.exit_code == 1, result.output
    assert "summary.json published in this output folder cannot be read" in result.output
    assert published(out) == before
    assert _run(first_run[0], out, "--allow-shrink").exit_code == 0
