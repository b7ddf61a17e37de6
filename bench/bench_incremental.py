"""Incremental runs (issue 15): one run over K part files against a run that only adds
the K-th part to a previous run over the first K-1, into the same OUT.

Simulates a JSON Lines platform, sorts its events by time and cuts them into K part
files, then times, per stage (``summary.json``'s ``stage_seconds``):

* ``full``: a fresh OUT, all K parts (every part validated);
* ``incremental``: OUT already holding the first K-1 parts, part K lands, run again;
* ``nothing new``: the same OUT and export once more.

Usage: python bench/bench_incremental.py --users 20000 --parts 10 [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
import time
from pathlib import Path

from mercwatch.pipeline import RunConfig, run_pipeline
from mercwatch.sim import SimConfig, simulate
from mercwatch.sim.config import ExportFormat

STAGES = ("ingest", "detect", "link", "enforce", "notify", "write", "report")


def _split(sim: Path, export: Path, parts: int) -> list[str]:
    export.mkdir(parents=True)
    for name in ("accounts.jsonl", "friendships.jsonl"):
        shutil.copy(sim / name, export / name)
    lines = (sim / "events.jsonl").read_text().splitlines(keepends=True)
    lines.sort(key=lambda line: json.loads(line)["ts"])
    size = -(-len(lines) // parts)
    return ["".join(lines[i : i + size]) for i in range(0, len(lines), size)]


def _run(export: Path, out: Path) -> dict[str, object]:
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    result = run_pipeline(RunConfig(export=export, out=out))
    wall = time.perf_counter() - started
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)
    summary = result.summary()
    return {
        "wall": wall,
        "cpu": cpu,
        "stages": summary["stage_seconds"],
        "bytes_read": result.ingest.bytes_read,
        "mode": summary.get("ingest_mode", {}).get("mode", "full"),
        "events": result.ingest.table("events").rows_loaded,
        "operations": [sorted(op.accounts) for op in result.operations],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=20000)
    parser.add_argument("--parts", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="mw-incremental-"))
    sim = work / "sim"
    simulate(SimConfig(users=args.users, seed=args.seed, format=ExportFormat.JSONL), sim)
    parts = _split(sim, work / "whole", args.parts)
    for i, text in enumerate(parts, 1):
        (work / "whole" / "events").mkdir(exist_ok=True)
        (work / "whole" / "events" / f"part-{i:04d}.jsonl").write_text(text)
    growing = work / "growing"
    shutil.copytree(work / "whole", growing)
    (growing / "events" / f"part-{len(parts):04d}.jsonl").unlink()

    full = _run(work / "whole", work / "out-full")
    before = _run(growing, work / "out-inc")
    last = f"part-{len(parts):04d}.jsonl"
    shutil.copy(work / "whole" / "events" / last, growing / "events" / last)
    incremental = _run(growing, work / "out-inc")
    nothing = _run(growing, work / "out-inc")
    same = sorted(map(tuple, full["operations"])) == sorted(map(tuple, incremental["operations"]))

    print(f"users {args.users}, {full['events']:,} events in {len(parts)} parts; work {work}")
    print(f"same operations (accounts) as the full run: {same}")
    header = ["run", "mode", "bytes read", "wall", "CPU", *STAGES]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    rows = [
        ("full, K parts", full),
        ("first K-1 parts", before),
        ("+ part K", incremental),
        ("nothing new", nothing),
    ]
    for name, r in rows:
        stages = r["stages"]
        cells = [
            name,
            str(r["mode"]),
            f"{r['bytes_read'] / 1e6:.1f} MB",
            f"{r['wall']:.1f} s",
            f"{r['cpu']:.1f} s",
            *(f"{stages.get(s, 0):.2f}" for s in STAGES),
        ]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
