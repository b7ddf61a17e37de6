"""``mercwatch watch --redis``: a platform streams its rows into Redis; a watcher killed
with SIGKILL while landing and while running resumes, lands every row once, and ends
where one run over the whole export ends."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from _helpers.child_env import child_env
from _redis import redis_url, stream_export, unique_stream  # noqa: F401  (fixture)
from _runs import simulated_export

from mercwatch.pipeline import RunConfig, run_pipeline

redis = pytest.importorskip("redis")

# Runs ``mercwatch watch`` and SIGKILLs it at one point: "xack:N" just before the N-th
# acknowledgement (parts landed, entries still pending), "stage:NAME:N" at a pipeline
# checkpoint of the N-th batch.
_WATCH = """
import os, signal, sys
import redis
from mercwatch.pipeline import checkpoints
from mercwatch.cli import main

kind, _, rest = sys.argv[1].partition(":")
seen = {"xack": 0, "ingest": 0}

def die():
    os.kill(os.getpid(), signal.SIGKILL)

if kind == "xack":
    real = redis.Redis.xack
    def xack(self, *args):
        seen["xack"] += 1
        if seen["xack"] == int(rest):
            die()
        return real(self, *args)
    redis.Redis.xack = xack
elif kind == "stage":
    name, _, nth = rest.partition(":")
    def hook(point):
        if point == "stage:ingest":
            seen["ingest"] += 1
        if point == "stage:" + name and seen["ingest"] == int(nth):
            die()
    checkpoints.add_hook(hook)
sys.argv = ["mercwatch", *sys.argv[2:]]
main()
"""


def _watch(kill: str, export: Path, out: Path, url: str, stream: str, *args: str):
    cmd = [sys.executable, "-c", _WATCH, kill, "watch", str(export), "--out", str(out)]
    cmd += ["--redis", url, "--stream", stream, "--consumer", "w1", "--interval", "0.2", *args]
    return subprocess.run(cmd, env=child_env(), capture_output=True, text=True, timeout=600)


def _state(out: Path) -> dict[str, object]:
    with sqlite3.connect(out / "state.db") as con:
        return {
            # In force or waiting for review; a decision made on the first batches that
            # the whole export no longer supports is held as evidence_withdrawn /
            # superseded (enforce/withdrawal.py) and checked apart.
            "actions": sorted(
                con.execute(
                    "SELECT action, subject FROM actions"
                    " WHERE status IN ('applied', 'pending_review')"
                )
            ),
            "held": sorted(
                con.execute(
                    "SELECT action, subject FROM actions"
                    " WHERE status IN ('evidence_withdrawn', 'superseded')"
                )
            ),
            "outbox": sorted(
                con.execute(
                    "SELECT account_id, ordinal FROM notification_outbox"
                    " WHERE status != 'withdrawn'"
                )
            ),
            "operations": sorted(r[0] for r in con.execute("SELECT operation_id FROM operations")),
        }


def _published(out: Path) -> list[tuple[str, list[str]]]:
    data = json.loads((out / "operations.json").read_text())
    ops = data["operations"] if isinstance(data, dict) else data
    return sorted((op["operation_id"], sorted(op["accounts"])) for op in ops)


def _landed(export: Path, table: str) -> list[str]:
    return [
        line
        for part in sorted((export / table).glob("part-*.jsonl"))
        for line in part.read_text().splitlines()
    ]


@pytest.mark.slow
def test_a_killed_stream_watch_lands_every_row_once_and_matches_one_run(
    tmp_path: Path,
    redis_url: str,  # noqa: F811
):
    source = simulated_export(tmp_path / "sim")
    reference = tmp_path / "reference"
    run_pipeline(RunConfig(export=source, out=reference))
    client = redis.Redis.from_url(redis_url)
    stream = unique_stream()
    published = stream_export(client, source, stream)
    export, out = tmp_path / "export", tmp_path / "out"

    # 1. killed just before acknowledging its 2nd batch: those parts are on disk, pending.
    first = _watch("xack:2", export, out, redis_url, stream, "--batch-size", "2000")
    assert first.returncode == -signal.SIGKILL, first.stderr[-2000:]
    assert (out / "summary.json").exists()  # the first batch was run and published
    # 2. restarted: the pending batch is recognised as landed; killed mid-run.
    second = _watch("stage:detect:1", export, out, redis_url, stream, "--batch-size", "2000")
    assert second.returncode == -signal.SIGKILL, second.stderr[-2000:]
    # 3. the rest, at once.
    third = _watch("none", export, out, redis_url, stream, "--once", "--batch-size", "100000")
    assert third.returncode == 0, third.stderr[-2000:]

    landed = {t: _landed(export, t) for t in ("accounts", "friendships", "events")}
    assert sum(len(rows) for rows in landed.values()) == published  # each row once
    ids = [json.loads(line)["event_id"] for line in landed["events"]]
    assert len(ids) == len(set(ids))
    assert client.xpending(stream, "mercwatch")["pending"] == 0

    after, expected = _state(out), _state(reference)
    assert after["actions"] == expected["actions"]
    assert expected["held"] == []
    assert not {subject for _, subject in after["held"]} & {s for _, s in after["actions"]}
    assert {p for p, _ in after["outbox"]} == {p for p, _ in expected["outbox"]}
    assert len(after["outbox"]) == len(expected["outbox"])
    # The published operations are those of one run over everything (the state store
    # also keeps, as history, the one the first batch saw and later data dissolved).
    assert _published(out) == _published(reference)
    assert set(expected["operations"]) <= set(after["operations"])

    # 4. nothing new: nothing runs, nothing changes.
    again = _watch("none", export, out, redis_url, stream, "--once")
    assert again.returncode == 0, again.stderr[-2000:]
    assert "up to date" in again.stdout
    assert _state(out) == after
    client.delete(stream)
