"""End-to-end quality of ``mercwatch run`` against the simulator's ground truth.

For each (users, seed): simulate a platform, run the whole pipeline with the default
policy, and score it with ``mercwatch eval``. Prints a Markdown table for
docs/benchmarks.md.

    python bench/bench_pipeline_quality.py --users 3000 --seeds 1 2 3 4 5
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from mercwatch.evaluate import evaluate, fmt
from mercwatch.pipeline import RunConfig, run_pipeline
from mercwatch.sim import SimConfig, simulate

COLUMNS = (
    "account_precision",
    "account_recall",
    "target_recall",
    "target_precision",
    "benign_accounts_disabled",
    "operation_purity",
)


def one(users: int, seed: int, work: Path) -> dict:
    export, out = work / f"u{users}-s{seed}" / "export", work / f"u{users}-s{seed}" / "out"
    simulate(SimConfig(users=users, seed=seed), export)
    started = time.perf_counter()
    result = run_pipeline(RunConfig(export=export, out=out))
    seconds = time.perf_counter() - started
    quality = evaluate(out, export / "truth.json").to_dict()
    quality.update(
        users=users,
        seed=seed,
        seconds=round(seconds, 1),
        events=result.ingest.table("events").rows_loaded,
    )
    return quality


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, nargs="+", default=[3000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None, help="also write the rows as JSON")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="mw-quality-"))
    rows = []
    print(
        "| users | seed | events | ops true/found | account P | account R | target R | target P "
        "| benign disabled | purity | phases right | run s |"
    )
    print("|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---|---:|")
    for users in args.users:
        for seed in args.seeds:
            q = one(users, seed, work)
            rows.append(q)
            print(
                f"| {users} | {seed} | {q['events']} | "
                f"{q['operations_true']}/{q['operations_found']} | "
                f"{fmt(q['account_precision'])} | {fmt(q['account_recall'])} | "
                f"{fmt(q['target_recall'])} | {fmt(q['target_precision'])} | "
                f"{q['benign_accounts_disabled']} | {fmt(q['operation_purity'])} | "
                f"{q['operations_with_right_phases']}/{q['operations_matched']} | {q['seconds']} |",
                flush=True,
            )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
