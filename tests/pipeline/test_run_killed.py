"""kill -9 at every step of ``mercwatch run``: the previous outputs stay whole, and the
rerun gives the same outputs with nothing duplicated in the state store.

A real subprocess runs the pipeline with a checkpoint hook that SIGKILLs it at one
named point (every stage boundary and every publishing step). The runs are chained
into one output folder: after each kill the published set must be exactly the last
complete run's or the new run's (never a mix), and after the final rerun the outputs
and the state store must equal those of an uninterrupted reference.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from _runs import published, simulated_export, state_rows
from typer.testing import CliRunner

import mercwatch
from mercwatch.cli import app

pytestmark = pytest.mark.slow

CHECKPOINTS = (
    "stage:ingest",
    "stage:intel_import",
    "stage:detect",
    "stage:coverage",
    "stage:link",
    "stage:intel_export",
    "stage:enforce",
    "stage:notify",
    "stage:write",
    "stage:report",
    "publish:staged",
    "publish:versioned",
    "publish:linked",
    "publish:switched",
    "publish:pruned",
)

# One DuckDB thread: with several, a float sum's order (and so a detector's choice
# between equal-looking partners) may differ between runs, which is not what this
# test is about.
_RUNNER = """
import os, signal, sys
from pathlib import Path
from mercwatch.pipeline import RunConfig, checkpoints, run_pipeline
from mercwatch.store.engine import EngineConfig

point, export, out = sys.argv[1:4]

def kill(name):
    if name == point:
        os.kill(os.getpid(), signal.SIGKILL)

checkpoints.add_hook(kill)
run_pipeline(RunConfig(export=Path(export), out=Path(out), engine=EngineConfig(threads=1)))
"""


def _run(export: Path, out: Path, kill_at: str = "") -> int:
    env = dict(os.environ)
    src = str(Path(mercwatch.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    done = subprocess.run(
        [sys.executable, "-c", _RUNNER, kill_at, str(export), str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode in (0, -signal.SIGKILL), done.stderr[-2000:]
    return done.returncode


def _comparable(out: Path) -> dict[str, object]:
    """The published set without the seconds per stage and detector (summary, reports)."""
    files: dict[str, object] = dict(published(out))
    summary = json.loads(files.pop("summary.json"))
    summary.pop("stage_seconds")
    for detector in summary["detectors"]:
        detector.pop("seconds")
    files["summary.json"] = summary
    files.pop("report.html")
    files.pop("report.md")
    return files


def test_kill_at_every_step_then_rerun(tmp_path: Path):
    first = simulated_export(tmp_path / "export-a", seed=3)
    second = simulated_export(tmp_path / "export-b", seed=4)
    reference = tmp_path / "reference"
    assert _run(first, reference) == 0
    before = _comparable(reference)
    assert _run(second, reference) == 0
    after, stored = _comparable(reference), state_rows(reference)
    assert before != after and stored["actions"] and stored["notification_outbox"]

    out = tmp_path / "out"
    assert _run(first, out) == 0
    for point in CHECKPOINTS:
        assert _run(second, out, kill_at=point) == -signal.SIGKILL, point
        assert _comparable(out) in (before, after), f"mixed outputs after a kill at {point}"
        if point.startswith("stage:"):
            assert _comparable(out) == before, f"new outputs published before {point}"
    assert _run(second, out) == 0
    assert _comparable(out) == after
    assert state_rows(out) == stored
    verify = CliRunner().invoke(app, ["audit", "verify", "--state", str(out / "state.db")])
    assert verify.exit_code == 0, verify.output
