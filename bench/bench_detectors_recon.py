"""Precision and recall of the reconnaissance detectors on simulated platforms.

For each (users, seed) it simulates a platform (``mercwatch simulate``), ingests it,
runs the four recon detectors with their default tunables and scores their subjects
against ``truth.json`` (see ``bench/eval_detectors.py`` for what counts as positive).
Prints the markdown recorded in docs/benchmarks.md ("## Detectors: reconnaissance").

Run: python bench/bench_detectors_recon.py [--runs 2000:1,5000:2,20000:3] [--work DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_detectors import Score, fmt, load, operations_found, run, score, truth_of  # noqa: E402

from mercwatch.detectors.registry import builtin_detectors  # noqa: E402
from mercwatch.sim import SimConfig, simulate  # noqa: E402

RECON = (
    "recon.at_risk_search",
    "recon.automated_collection",
    "recon.targeted_watching",
    "recon.co_watching",
)
THRESHOLDS = (0.0, 0.5)


def _parse_runs(text: str) -> list[tuple[int, int]]:
    return [(int(u), int(s)) for u, s in (part.split(":") for part in text.split(","))]


def _export(work: Path, users: int, seed: int) -> Path:
    out = work / f"sim-u{users}-s{seed}"
    if not (out / "truth.json").exists():
        simulate(SimConfig(users=users, seed=seed), out)
    return out


def _rows(users: int, seed: int, scores: list[Score], seconds: dict[str, float]) -> list[str]:
    rows = []
    for s in scores:
        rows.append(
            f"| {users} | {seed} | `{s.detector}` | {s.subject_type} | >{s.threshold:g} | "
            f"{s.flagged} | {s.true_pos} | {fmt(s.precision)} | {s.found}/{s.positives} | "
            f"{fmt(s.recall)} | {seconds[s.detector]:.2f} |"
        )
    return rows


def bench(work: Path, runs: list[tuple[int, int]]) -> None:
    detectors = [d for d in builtin_detectors() if d.id in RECON]
    table = [
        "| users | seed | detector | subject | score | flagged | TP | precision | found/positives "
        "| recall | seconds |",
        "|---:|---:|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    summary = []
    for users, seed in runs:
        export = _export(work, users, seed)
        con, ingest_s = load(export)
        truth = truth_of(con, export, "reconnaissance")
        started = time.perf_counter()
        result = run(con, detectors)
        total = time.perf_counter() - started
        failed = [f"{r.detector}: {r.error}" for r in result.failed]
        if failed:
            raise SystemExit("detector failed: " + "; ".join(failed))
        seconds = {r.detector: r.seconds for r in result.runs}
        table += _rows(users, seed, score(result, truth, THRESHOLDS), seconds)
        events = con.table("events").count().execute()
        summary.append(
            f"| {users} | {seed} | {events} | {len(truth.operations)} | "
            f"{operations_found(result, truth, 0.0)} | {operations_found(result, truth, 0.5)} | "
            f"{ingest_s:.1f} | {total:.1f} |"
        )
    print(
        "| users | seed | events | operations | ops with an account flagged (>0) | (>0.5) "
        "| ingest s | recon detectors s |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    print("\n".join(summary))
    print()
    print("\n".join(table))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", default="2000:1,5000:2,20000:3", help="users:seed,...")
    parser.add_argument("--work", type=Path, default=None, help="keep simulated exports here")
    args = parser.parse_args()
    runs = _parse_runs(args.runs)
    if args.work:
        args.work.mkdir(parents=True, exist_ok=True)
        bench(args.work, runs)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            bench(Path(tmp), runs)


if __name__ == "__main__":
    main()
