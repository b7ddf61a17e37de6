"""``mercwatch watch``: parts are read once they have landed, batches are incremental,
and a watch killed with SIGKILL mid-batch resumes without repeating anything."""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _helpers.child_env import child_env
from _runs import simulated_export

from mercwatch.pipeline import RunConfig, run_pipeline
from mercwatch.pipeline.watch import Watcher


def _event(n: int) -> str:
    row = {"event_id": f"e{n}", "ts": "2021-11-03T14:05:00Z", "type": "message"}
    return json.dumps({**row, "actor_id": "a1", "target_id": "a1", "text": "hi"}) + "\n"


def _tiny(folder: Path) -> Path:
    (folder / "events").mkdir(parents=True)
    (folder / "accounts.jsonl").write_text(
        json.dumps({"account_id": "a1", "created_at": "2019-05-01T08:00:00Z"}) + "\n"
    )
    return folder


class _Clock:
    def __init__(self) -> None:
        self.now = time.time() + 3600  # every part written by the test is "old" ...

    def __call__(self) -> float:
        return self.now


def test_only_landed_parts_are_read_and_nothing_new_runs_nothing(tmp_path: Path):
    export, out = _tiny(tmp_path / "export"), tmp_path / "out"
    (export / "events" / "part-0001.jsonl").write_text(_event(1))
    (export / "events" / ".part-0002.jsonl").write_text(_event(2))  # being written
    (export / "events" / "part-0003.jsonl.tmp").write_text(_event(3))  # being written
    watcher = Watcher(RunConfig(export=export, out=out), settle=10.0, clock=_Clock())
    first = watcher.poll()
    assert first is not None and first.new_parts == ("events/part-0001.jsonl",)
    assert first.waiting == ("events/.part-0002.jsonl",)
    assert json.loads((out / "summary.json").read_text())["tables"][2]["rows_loaded"] == 1
    assert watcher.poll() is None  # nothing landed: no run

    (export / "events" / ".part-0002.jsonl").rename(export / "events" / "part-0002.jsonl")
    second = watcher.poll()
    assert second is not None and second.new_parts == ("events/part-0002.jsonl",)
    assert second.mode == "incremental"
    assert json.loads((out / "summary.json").read_text())["tables"][2]["rows_loaded"] == 2


def test_a_part_still_growing_waits_until_it_holds_still(tmp_path: Path):
    export, out = _tiny(tmp_path / "export"), tmp_path / "out"
    (export / "events" / "part-0001.jsonl").write_text(_event(1))
    clock = _Clock()
    watcher = Watcher(RunConfig(export=export, out=out), settle=10.0, clock=clock)
    watcher.poll()
    growing = export / "events" / "part-0002.jsonl"
    growing.write_text(_event(2))
    clock.now = time.time()  # ... except this one, written just now
    assert watcher.poll() is None  # seen once, maybe still being written
    with growing.open("a") as f:
        f.write(_event(3))
    assert watcher.poll() is None  # it grew since the last poll
    batch = watcher.poll()  # the same size and mtime as at the last poll: landed
    assert batch is not None and batch.new_parts == ("events/part-0002.jsonl",)
    assert json.loads((out / "summary.json").read_text())["tables"][2]["rows_loaded"] == 3


# ---------------------------------------------------------------- kill -9


_WATCH = """
import os, signal, sys
from mercwatch.pipeline import checkpoints
from mercwatch.cli import main

point = sys.argv[1]
batches = []

def kill(name):
    if name == "stage:ingest":
        batches.append(name)
    if name == point and len(batches) == 2:  # in the second batch
        os.kill(os.getpid(), signal.SIGKILL)

checkpoints.add_hook(kill)
sys.argv = ["mercwatch", *sys.argv[2:]]
main()
"""


def _watch(export: Path, out: Path, *args: str, kill_at: str = "") -> subprocess.Popen:
    cmd = [sys.executable, "-c", _WATCH, kill_at, "watch", str(export), "--out", str(out)]
    return subprocess.Popen(
        [*cmd, "--settle", "0", *args],
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _state(out: Path) -> dict[str, object]:
    with sqlite3.connect(out / "state.db") as con:
        return {
            "actions": sorted(con.execute("SELECT action, subject, operation_id FROM actions")),
            "outbox": sorted(con.execute("SELECT account_id, ordinal FROM notification_outbox")),
            "operations": sorted(r[0] for r in con.execute("SELECT operation_id FROM operations")),
        }


@pytest.fixture(scope="module")
def growing(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Path]:
    """A simulated export's first 60% of events as part-0001, the rest to land later,
    and the state of one run over everything for comparison."""
    base = tmp_path_factory.mktemp("growing")
    sim = simulated_export(base / "sim")
    lines = sorted(
        (sim / "events.jsonl").read_text().splitlines(keepends=True),
        key=lambda line: json.loads(line)["ts"],
    )
    cut = int(len(lines) * 0.6)
    template = base / "day1"
    (template / "events").mkdir(parents=True)
    for name in ("accounts.jsonl", "friendships.jsonl"):
        shutil.copy(sim / name, template / name)
    (template / "events" / "part-0001.jsonl").write_text("".join(lines[:cut]))
    whole = base / "whole"
    shutil.copytree(template, whole)
    (whole / "events" / "part-0002.jsonl").write_text("".join(lines[cut:]))
    reference = base / "reference"
    run_pipeline(RunConfig(export=whole, out=reference))
    return template, "".join(lines[cut:]), reference


@pytest.mark.slow
@pytest.mark.parametrize("kill_at", ["stage:detect", "stage:notify", "publish:staged"])
def test_watch_killed_mid_batch_resumes_without_repeats(
    tmp_path: Path, growing: tuple[Path, str, Path], kill_at: str
):
    template, later, reference = growing
    export, out = tmp_path / "export", tmp_path / "out"
    shutil.copytree(template, export)
    proc = _watch(export, out, "--interval", "0.2", kill_at=kill_at)
    try:
        deadline = time.monotonic() + 300
        while not (out / "summary.json").exists():  # the first batch is published
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "the first batch never published"
            time.sleep(0.2)
        day1 = _state(out)
        landing = export / "events" / ".part-0002.jsonl"
        landing.write_text(later)
        landing.rename(export / "events" / "part-0002.jsonl")  # lands whole
        assert proc.wait(timeout=300) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    resumed = _watch(export, out, "--once")
    stdout, stderr = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, stderr[-2000:]
    after = _state(out)
    # Everything one run over the whole export does, each once ...
    expected = _state(reference)
    assert {a[:2] for a in after["actions"]} == {a[:2] for a in expected["actions"]}
    assert len(after["actions"]) == len(expected["actions"])
    assert {p for p, _ in after["outbox"]} == {p for p, _ in expected["outbox"]}
    # ... under the first batch's operation ids, recorded once.
    assert set(day1["operations"]) <= set(after["operations"])
    assert len(after["operations"]) == len(expected["operations"])
    summary = json.loads((out / "summary.json").read_text())
    assert summary["tables"][2]["files"] == ["events/part-0001.jsonl", "events/part-0002.jsonl"]

    again = _watch(export, out, "--once")
    stdout, stderr = again.communicate(timeout=600)
    assert again.returncode == 0, stderr[-2000:]
    assert "up to date" in stdout
    assert _state(out) == after
