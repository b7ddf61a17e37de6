"""Time of every detector, and of ingest and linking, on a large simulated platform.

    python bench/bench_detectors_scale.py --users 100000 1000000

Simulates each size once (Parquet), ingests it into DuckDB, runs each detector on its
own and reports seconds per detector, all detectors together, and the link stage.
Wall time depends on what else the machine runs, so CPU seconds (this process's
threads plus the scoring workers) and the load average are printed beside it.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from mercwatch.detectors import DetectionContext, all_detectors, run_detectors
from mercwatch.ingest import ingest_export
from mercwatch.link import build_operations
from mercwatch.sim import SimConfig, simulate
from mercwatch.store.engine import EngineConfig, connect


def cpu_seconds() -> float:
    """CPU time of this process (all threads) and of its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def one(users: int, work: Path) -> None:
    export = work / f"u{users}"
    if not (export / "truth.json").exists():
        started = time.perf_counter()
        simulate(SimConfig(users=users, seed=1), export)
        print(f"simulate {users:,} users: {time.perf_counter() - started:.1f} s", flush=True)
    con = connect(EngineConfig(temp_directory=work / "spill"))
    started = time.perf_counter()
    report = ingest_export(export, con)
    events = report.table("events").rows_loaded
    print(f"ingest {events:,} events: {time.perf_counter() - started:.1f} s", flush=True)
    ctx = DetectionContext(con)
    load = os.getloadavg()[0]
    started, cpu = time.perf_counter(), cpu_seconds()
    result = run_detectors(ctx, all_detectors())
    total, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    print(
        f"| {users:,} | {events:,} | all detectors | {total:.1f} | {cpu:.1f} | "
        f"{result.signals.num_rows:,} (load {load:.1f} → {os.getloadavg()[0]:.1f}) |"
    )
    for run in result.runs:
        status = "" if run.status == "ok" else " FAILED " + str(run.error)[:80]
        row = f"| | | `{run.detector}` | {run.seconds:.1f} | | {run.signals:,}{status} |"
        print(row, flush=True)
    started, cpu = time.perf_counter(), cpu_seconds()
    operations = build_operations(con, result.signals)
    print(
        f"| | | link stage | {time.perf_counter() - started:.1f} | {cpu_seconds() - cpu:.1f} | "
        f"{len(operations)} operations |",
        flush=True,
    )
    con.disconnect()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, nargs="+", default=[100_000])
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="mw-scale-"))
    print("| users | events | stage | seconds | CPU s | output |")
    print("|---:|---:|---|---:|---:|---|")
    for users in args.users:
        one(users, work)


if __name__ == "__main__":
    main()
