"""Benchmark: the operation graph's scan of the export's events, first view and repeat.

    python bench/bench_dashboard_graph.py [--users 20000] [--seed 3] [--repeat 5]

Simulates a platform export (in a temporary folder), then for each true operation asks
:meth:`ProfileSource.usage` for its accounts' shared use, as the operation page and its
graph.json do: once on a fresh source (a DuckDB scan of ``events``) and once more (the
per-operation cache). Prints the median of ``--repeat`` rounds per operation.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

from mercwatch.sim import SimConfig, simulate
from mercwatch.web.data import ProfileSource


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "export"
        simulate(SimConfig(users=args.users, seed=args.seed), export)
        events = export / "events.parquet"
        print(
            f"{platform.processor() or platform.machine()}, {args.users} users, "
            f"events.parquet {events.stat().st_size / 1e6:.1f} MB"
        )
        truth = json.loads((export / "truth.json").read_text(encoding="utf-8"))
        for op in truth["operations"]:
            accounts = tuple(op["accounts"])
            first, repeat = [], []
            for _ in range(args.repeat):
                source = ProfileSource(export)
                start = time.perf_counter()
                rows = source.usage(accounts)
                first.append(time.perf_counter() - start)
                start = time.perf_counter()
                source.usage(accounts)
                repeat.append(time.perf_counter() - start)
            print(
                f"{op['operation_id']}: {len(accounts)} accounts, {len(rows)} usage rows, "
                f"first {statistics.median(first) * 1e3:.0f} ms, "
                f"repeat {statistics.median(repeat) * 1e3:.2f} ms"
            )


if __name__ == "__main__":
    main()
