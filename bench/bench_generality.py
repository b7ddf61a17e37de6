"""Generality: the detectors on platforms they were not tuned on (issue 11, item 6).

For each generator (``sim``: the project's simulator; ``altsim``: the independent
one) x variant (altsim's adversarial variants; sim has only ``baseline``) x seed x
size: simulate, run the whole pipeline (``mercwatch run``, default policy), score it
(``mercwatch eval``), print one Markdown row, then the pooled reliability table and
expected calibration error per generator and overall. Seeds default to the
EVALUATION seeds of :mod:`mercwatch.evalsets`: run to measure, never to tune.

    python bench/bench_generality.py --sizes 10000 --work /tmp/gen
    python bench/bench_generality.py --quick            # smoke test: 3k users, 1 seed
    python bench/bench_generality.py --seeds tuning     # the tuning seeds instead
    python bench/bench_generality.py --sizes 50000 --variants baseline,all --seed-count 1

Targets (issue 11, "Done when"): account P >= 0.98, R >= 0.95; target P >= 0.95,
R >= 0.95; 0 false operations; 1 reported operation per true one; 0 benign accounts
disabled; ECE <= 0.05. A row meeting all of them is marked ``ok``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from mercwatch.altsim import AltSimConfig, Variant, simulate_alt
from mercwatch.evalsets import EVALUATION_SEEDS, TUNING_SEEDS
from mercwatch.evaluate import calibration, evaluate, fmt
from mercwatch.sim import SimConfig, simulate

ALT_VARIANTS = tuple(v.value for v in Variant)


def simulate_one(generator: str, variant: str, seed: int, users: int, export: Path) -> None:
    if generator == "sim":
        simulate(SimConfig(users=users, seed=seed), export)
    else:
        simulate_alt(AltSimConfig(users=users, seed=seed, variant=Variant(variant)), export)


def benign_classes_hit(truth: dict[str, Any], out: Path) -> dict[str, int]:
    """Accounts of each named benign class that ended up in a reported operation."""
    reported = {
        a
        for op in json.loads((out / "operations.json").read_text())["operations"]
        for a in op["accounts"]
    }
    hits: Counter[str] = Counter()
    for group in truth.get("benign_groups", []):
        hits[group["class"]] += len(reported & set(group["accounts"]))
    return {k: v for k, v in sorted(hits.items()) if v}


def mercwatch_run(export: Path, out: Path, timeout: float) -> None:
    """``mercwatch run`` in its own process, so one run that stalls is stopped and
    recorded instead of holding up (and losing) the whole bench."""
    command = [sys.executable, "-c", "from mercwatch.cli import main; main()", "run"]
    subprocess.run(
        [*command, str(export), "--out", str(out)],
        check=True,
        timeout=timeout,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def one(
    generator: str, variant: str, seed: int, users: int, work: Path, timeout: float
) -> dict[str, Any]:
    base = work / f"{generator}-{variant}-s{seed}-u{users}"
    export, out = base / "export", base / "out"
    if base.exists():
        shutil.rmtree(base)
    started = time.perf_counter()
    simulate_one(generator, variant, seed, users, export)
    sim_s = time.perf_counter() - started
    started = time.perf_counter()
    try:
        mercwatch_run(export, out, timeout)
    except subprocess.TimeoutExpired:
        return {"generator": generator, "variant": variant, "seed": seed, "users": users,
                "timeout": timeout, "records": []}  # fmt: skip
    run_s = time.perf_counter() - started
    summary = json.loads((out / "summary.json").read_text())
    quality = evaluate(out, export / "truth.json")
    truth = json.loads((export / "truth.json").read_text())
    row = quality.to_dict()
    row.update(
        generator=generator,
        variant=variant,
        seed=seed,
        users=users,
        events=next(t["rows_loaded"] for t in summary["tables"] if t["table"] == "events"),
        rejected=summary["rows_rejected"],
        simulate_seconds=round(sim_s, 1),
        run_seconds=round(run_s, 1),
        benign_classes_hit=benign_classes_hit(truth, out),
        records=quality.records(),
    )
    row["ok"] = meets_targets(row)
    shutil.rmtree(export)  # keep outputs, drop the (large) export
    return row


def meets_targets(q: dict[str, Any]) -> bool:
    def at_least(key: str, bar: float) -> bool:
        return q[key] is not None and q[key] >= bar

    return (
        at_least("account_precision", 0.98)
        and at_least("account_recall", 0.95)
        and at_least("target_precision", 0.95)
        and at_least("target_recall", 0.95)
        and q["false_operations"] == 0
        and q["fragmentation"] == 1.0
        and q.get("true_operations_merged", 0) == 0
        and q["benign_accounts_disabled"] == 0
    )


HEADER = (
    "| generator | variant | users | seed | events | ops true/found | false ops | frag. | merged "
    "| account P | account R | target P | target R | warned | benign disabled | ECE "
    "| benign classes in ops | run s | ok |"
)


def print_row(q: dict[str, Any]) -> None:
    if "timeout" in q:
        print(
            f"| {q['generator']} | {q['variant']} | {q['users']} | {q['seed']} | "
            f"run stopped after {q['timeout']:.0f} s |" + " |" * 13 + " **no** |",
            flush=True,
        )
        return
    cal = q["calibration"]
    hits = ", ".join(f"{k} {v}" for k, v in q["benign_classes_hit"].items()) or "-"
    print(
        f"| {q['generator']} | {q['variant']} | {q['users']} | {q['seed']} | {q['events']} | "
        f"{q['operations_true']}/{q['operations_found']} | {q['false_operations']} | "
        f"{fmt(q['fragmentation'])} | {q.get('true_operations_merged', 0)} | "
        f"{fmt(q['account_precision'])} | "
        f"{fmt(q['account_recall'])} | {fmt(q['target_precision'])} | "
        f"{fmt(q['target_recall'])} | {q['people_warned']} | {q['benign_accounts_disabled']} | "
        f"{fmt(cal['expected_calibration_error'])} | {hits} | {q['run_seconds']} | "
        f"{'ok' if q['ok'] else '**no**'} |",
        flush=True,
    )


def print_calibration(title: str, rows: list[dict[str, Any]]) -> None:
    cal = calibration(r for row in rows for r in row["records"])
    print(
        f"\n{title}: {cal.operations} reported operations, "
        f"ECE {fmt(cal.expected_calibration_error, 3)}\n"
    )
    print("| confidence | operations | mean confidence | fraction true |")
    print("|---|---:|---:|---:|")
    for b in cal.bins:
        if b.count:
            print(
                f"| {b.lower:.1f}–{b.upper:.1f} | {b.count} | {fmt(b.mean_confidence)} "
                f"| {fmt(b.fraction_true)} |"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,50000", help="comma-separated user counts")
    parser.add_argument("--generators", default="sim,altsim")
    parser.add_argument("--variants", default=",".join(ALT_VARIANTS), help="altsim variants")
    parser.add_argument(
        "--seeds", default="evaluation", help="'evaluation', 'tuning' or comma-separated seeds"
    )
    parser.add_argument("--seed-count", type=int, default=None, help="use only the first N seeds")
    parser.add_argument("--quick", action="store_true", help="3000 users, first seed only")
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None, help="also write every row as JSON")
    parser.add_argument(
        "--run-timeout", type=float, default=900, help="stop one mercwatch run after S seconds"
    )
    args = parser.parse_args()
    sizes = [3000] if args.quick else [int(s) for s in args.sizes.split(",")]
    work = args.work or Path(tempfile.mkdtemp(prefix="mw-generality-"))
    rows: list[dict[str, Any]] = []
    print(HEADER)
    print("|---" * (HEADER.count("|") - 1) + "|")
    for generator in args.generators.split(","):
        variants = ["baseline"] if generator == "sim" else args.variants.split(",")
        if args.seeds == "evaluation":
            seeds = list(EVALUATION_SEEDS[generator])
        elif args.seeds == "tuning":
            seeds = list(TUNING_SEEDS[generator][:3])
        else:
            seeds = [int(s) for s in args.seeds.split(",")]
        seeds = seeds[:1] if args.quick else seeds[: args.seed_count]
        for users in sizes:
            for variant in variants:
                for seed in seeds:
                    row = one(generator, variant, seed, users, work, args.run_timeout)
                    rows.append(row)
                    print_row(row)
                    if args.json:  # after every row: a stopped bench keeps what it measured
                        args.json.write_text(json.dumps(rows, indent=1, default=str))
    for generator in args.generators.split(","):
        print_calibration(
            f"Calibration, {generator}", [r for r in rows if r["generator"] == generator]
        )
    print_calibration("Calibration, all generators", rows)


if __name__ == "__main__":
    main()
