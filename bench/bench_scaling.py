"""How time and memory of the whole ``mercwatch run`` grow with the platform, per stage.

    python bench/bench_scaling.py --users 10000 100000 300000 1000000 --work /tmp/scale

Simulates each size once (seed 1, Parquet; an export already in WORK is reused), then
runs ``mercwatch run`` on it in a fresh process per size. Inside that process a
checkpoint hook (pipeline/checkpoints.py) notes when each stage starts, and a thread
samples the memory (PSS) of the process and its children (the link stage's
scoring workers) every 50 ms, so each stage gets its wall seconds, CPU seconds
(every thread, plus children that finished) and peak RSS. The machine is shared, so
CPU seconds and the load average are printed beside wall time. Prints a markdown
table and writes ``scaling.json`` into WORK.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

SAMPLE_SECONDS = 0.05


def cpu_seconds() -> float:
    """CPU time of this process (all threads) and of its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{current}/task/{task}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
            except OSError:
                continue
    return found


def tree_rss(pid: int) -> int:
    """Bytes of memory held by ``pid`` and every process under it (from /proc).

    Proportional set size, not RSS: the link stage forks scoring workers that share
    the parent's pages copy-on-write, and summing their RSS would count those pages
    once per worker.
    """
    total = 0
    for one in _descendants(pid):
        try:
            with open(f"/proc/{one}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
        except (OSError, IndexError, ValueError):
            continue
    return total


class StageRecorder:
    """Wall, CPU and peak RSS per segment between two checkpoints of the run.

    A segment is named after the last ``stage:`` checkpoint, so work the pipeline
    does between its timed stages (e.g. reading targets' countries) counts to the
    stage before it; ``start`` is the interpreter start-up and imports.
    """

    def __init__(self, record: Path | None = None) -> None:
        self.record = record  # rewritten at every stage, so a run cut short still tells
        self.segments: list[dict[str, Any]] = []
        self._current = "start"
        self._peak = 0
        self._lock = threading.Lock()
        self._wall = time.perf_counter()
        self._cpu = cpu_seconds()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        pid = os.getpid()
        while not self._stop.wait(SAMPLE_SECONDS):
            rss = tree_rss(pid)
            with self._lock:
                self._peak = max(self._peak, rss)

    def checkpoint(self, name: str) -> None:
        if name.startswith("stage:"):
            self._close(name.removeprefix("stage:"))

    def _close(self, following: str) -> None:
        rss = tree_rss(os.getpid())
        wall, cpu = time.perf_counter(), cpu_seconds()
        with self._lock:
            peak, self._peak = max(self._peak, rss), rss
        self.segments.append(
            {
                "stage": self._current,
                "wall_s": round(wall - self._wall, 3),
                "cpu_s": round(cpu - self._cpu, 3),
                "peak_rss_mb": round(peak / 2**20, 1),
                "end_rss_mb": round(rss / 2**20, 1),
            }
        )
        self._current, self._wall, self._cpu = following, wall, cpu
        if self.record is not None:
            partial = {"exit": None, "segments": self.segments, "running": following}
            self.record.write_text(json.dumps(partial), encoding="utf-8")

    def finish(self) -> list[dict[str, Any]]:
        self._close("")
        self._stop.set()
        return self.segments


def child(record: Path, argv: list[str]) -> int:
    """Run the mercwatch CLI with ``argv`` and write the per-stage record."""
    recorder = StageRecorder(record)
    from mercwatch.cli import main
    from mercwatch.pipeline.checkpoints import add_hook

    add_hook(recorder.checkpoint)
    code = 0
    sys.argv = ["mercwatch", *argv]
    try:
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    segments = recorder.finish()
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    record.write_text(
        json.dumps({"exit": code, "segments": segments, "ru_maxrss_mb": maxrss / 2**20}),
        encoding="utf-8",
    )
    return code


def ensure_export(users: int, work: Path) -> Path:
    export = work / f"u{users}"
    if not (export / "truth.json").exists():
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", "from mercwatch.cli import main; main()", "simulate"]
            + ["--users", str(users), "--seed", "1", "--out", str(export)],
            check=True,
        )
        print(f"simulated {users:,} users in {time.perf_counter() - started:.0f} s", flush=True)
    return export


def measure(users: int, work: Path, extra: list[str]) -> dict[str, Any]:
    """One ``mercwatch run`` on the ``users`` platform in a fresh process."""
    export = ensure_export(users, work)
    out = work / "runs" / f"u{users}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    record = work / "runs" / f"u{users}.record.json"
    load = os.getloadavg()[0]
    started = time.perf_counter()
    argv = ["run", str(export), "--out", str(out / "out")]
    argv += ["--state", str(out / "state.db"), *extra]
    with (out / "stdout.txt").open("wb") as log:
        proc = subprocess.run(
            [sys.executable, __file__, "--child", str(record), "--", *argv],
            check=False,
            stdout=log,
        )
    wall = time.perf_counter() - started
    data = json.loads(record.read_text(encoding="utf-8"))
    if proc.returncode or data["exit"]:
        raise SystemExit(f"mercwatch run on {users:,} users failed (exit {proc.returncode})")
    summary = json.loads((out / "out" / "summary.json").read_text(encoding="utf-8"))
    tables = {t["table"]: t["rows_loaded"] for t in summary["tables"]}
    return {
        "users": users,
        "events": tables.get("events", 0),
        "accounts": tables.get("accounts", 0),
        "friendships": tables.get("friendships", 0),
        "operations": summary.get("operations"),
        "wall_s": round(wall, 2),
        "cpu_s": round(sum(s["cpu_s"] for s in data["segments"]), 2),
        "peak_rss_mb": round(max(s["peak_rss_mb"] for s in data["segments"]), 1),
        "ru_maxrss_mb": round(data["ru_maxrss_mb"], 1),
        "load_before": round(load, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "stage_seconds": summary.get("stage_seconds", {}),
        "segments": data["segments"],
        "extra_args": extra,
    }


def table(results: list[dict[str, Any]]) -> str:
    """Markdown: one row per size, then per stage wall / CPU / peak RSS."""
    stages: list[str] = []
    for r in results:
        stages += [s["stage"] for s in r["segments"] if s["stage"] not in stages]
    head = "| stage | " + " | ".join(f"{r['events']:,} events" for r in results) + " |"
    lines = [head, "|---|" + "---:|" * len(results)]
    for stage in stages:
        cells = []
        for r in results:
            seg = [s for s in r["segments"] if s["stage"] == stage]
            if not seg:
                cells.append("")
                continue
            s = seg[0]
            cells.append(
                f"{s['wall_s']:.1f} s / {s['cpu_s']:.1f} CPU s / {s['peak_rss_mb']:,.0f} MB"
            )
        lines.append(f"| {stage} | " + " | ".join(cells) + " |")
    total = [
        f"**{r['wall_s']:.1f} s / {r['cpu_s']:.1f} CPU s / {r['peak_rss_mb']:,.0f} MB**"
        for r in results
    ]
    lines.append("| **whole run** | " + " | ".join(total) + " |")
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        rest = sys.argv[3:]
        raise SystemExit(child(Path(sys.argv[2]), rest[1:] if rest[:1] == ["--"] else rest))
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--users", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--label", default="run", help="name of this set of results")
    parser.add_argument(
        "--run-arg", action="append", default=[], help="extra argument for mercwatch run"
    )
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    results = []
    for users in args.users:
        results.append(measure(users, args.work, args.run_arg))
        r = results[-1]
        print(
            f"{users:,} users, {r['events']:,} events: {r['wall_s']:.1f} s wall, "
            f"{r['cpu_s']:.1f} CPU s, peak {r['peak_rss_mb']:,.0f} MB "
            f"(load {r['load_before']} -> {r['load_after']})",
            flush=True,
        )
    path = args.work / f"scaling-{args.label}.json"
    path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(table(results))
    print(f"\n(written {path})")


if __name__ == "__main__":
    main()
