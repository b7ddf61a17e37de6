"""Quality and speed of the link stage on simulated platforms.

For each (users, seed): simulate, ingest, run every built-in detector, then time
``build_operations`` alone and score its operations against ``truth.json``: purity
(share of operation accounts belonging to the truth operation that dominates it),
truth operations matched, account recall, target recall and target precision. Prints a
Markdown table for docs/benchmarks.md.

    python bench/bench_link_quality.py --users 1000 3000 --seeds 1 2 3
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter
from pathlib import Path

from mercwatch.detectors import DetectionContext, all_detectors, run_detectors
from mercwatch.ingest import ingest_export
from mercwatch.link import build_operations
from mercwatch.sim import SimConfig, simulate
from mercwatch.store.engine import connect

COLUMNS = (
    "users",
    "seed",
    "events",
    "signals",
    "truth_ops",
    "ops",
    "matched",
    "purity",
    "account_recall",
    "target_recall",
    "target_precision",
    "link_s",
)


def score(operations, truth: dict) -> dict[str, float]:
    owner = {a: op["operation_id"] for op in truth["operations"] for a in op["accounts"]}
    true_targets = {op["operation_id"]: set(op["targets"]) for op in truth["operations"]}
    pure = total = reported = 0
    matched: set[str] = set()
    found_targets: set[str] = set()
    found_accounts: set[str] = set()
    for op in operations:
        label, count = Counter(owner.get(a, "benign") for a in op.accounts).most_common(1)[0]
        total += len(op.accounts)
        reported += len(op.targets)
        found_accounts |= {a for a in op.accounts if a in owner}
        if label != "benign":
            pure += count
            matched.add(label)
            found_targets |= set(op.targets) & true_targets[label]
    all_targets = set().union(*true_targets.values())
    return {
        "ops": len(operations),
        "matched": len(matched),
        "purity": round(pure / total, 3) if total else 1.0,
        "account_recall": round(len(found_accounts) / len(owner), 3),
        "target_recall": round(len(found_targets) / len(all_targets), 3),
        "target_precision": round(len(found_targets) / reported, 3) if reported else 1.0,
    }


def one(users: int, seed: int, work: Path) -> dict:
    export = work / f"u{users}-s{seed}"
    simulate(SimConfig(users=users, seed=seed), export)
    con = connect()
    try:
        ingest_export(export, con)
        signals = run_detectors(DetectionContext(con), all_detectors()).signals
        started = time.perf_counter()
        operations = build_operations(con, signals)
        seconds = time.perf_counter() - started
        events = con.table("events").count().to_pyarrow().as_py()
    finally:
        con.disconnect()
    truth = json.loads((export / "truth.json").read_text(encoding="utf-8"))
    row = {
        "users": users,
        "seed": seed,
        "events": events,
        "signals": signals.num_rows,
        "truth_ops": len(truth["operations"]),
        "link_s": round(seconds, 2),
    }
    row.update(score(operations, truth))
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, nargs="+", default=[1000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    print("| " + " | ".join(COLUMNS) + " |")
    print("|" + "---|" * len(COLUMNS))
    with tempfile.TemporaryDirectory() as tmp:
        for users in args.users:
            for seed in args.seeds:
                row = one(users, seed, Path(tmp))
                print("| " + " | ".join(str(row[c]) for c in COLUMNS) + " |", flush=True)


if __name__ == "__main__":
    main()
