"""Time and peak memory of the platform simulator writing Parquet.

Each size runs in its own process so its peak RSS is its own. Prints the markdown
table recorded in docs/benchmarks.md ("## Simulator").

Run: python bench/bench_simulate.py [--sizes 100000,1000000] [--seed 1] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _child(users: int, seed: int, out: Path) -> None:
    """Simulate once and print one JSON line of measurements."""
    from mercwatch.sim import SimConfig, simulate

    wall0, cpu0 = time.perf_counter(), time.process_time()
    result = simulate(SimConfig(users=users, seed=seed), out)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(
        json.dumps(
            {
                "users": users,
                "accounts": result.accounts,
                "friendships": result.friendships,
                "events": result.events,
                "event_files": sum(f.startswith("events") for f in result.files),
                "operations": len(result.operations),
                "bytes": size,
                "wall_s": round(wall, 1),
                "cpu_s": round(cpu, 1),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
        )
    )


def _run(users: int, seed: int, work: Path) -> dict[str, float]:
    out = work / f"sim-{users}"
    cmd = [sys.executable, __file__, "--child", str(users), "--seed", str(seed), "--work", str(out)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _table(rows: list[dict[str, float]]) -> str:
    lines = [
        "| users | events | friendships | event files | on disk | wall | CPU | peak RSS "
        "| events/s (wall) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['users']:,} | {r['events']:,} | {r['friendships']:,} | {r['event_files']} | "
            f"{r['bytes'] / 2**20:,.0f} MB | {r['wall_s']} s | {r['cpu_s']} s | "
            f"{r['peak_rss_mb']:,} MB | {r['events'] / r['wall_s']:,.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--child", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.seed, args.work)
        return
    with tempfile.TemporaryDirectory(dir=args.work) as tmp:
        rows = [_run(int(s), args.seed, Path(tmp)) for s in args.sizes.split(",")]
    load = os.getloadavg()[0]
    print(_table(rows))
    print(f"\nload average at the end: {load:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
