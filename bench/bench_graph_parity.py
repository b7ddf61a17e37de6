"""Operations before and after the graph library change, on the simulator's seeds.

python-igraph (GPL-2.0+) was replaced by SciPy (components) and graspologic-native
(Leiden) in src/mercwatch/graphs.py. Before the change, ``mercwatch run`` was run on
``mercwatch simulate --users 3000 --seed 1..10`` with igraph and two digests per seed
were kept in bench/data/graph_parity.json:

- ``accounts``: the sorted member account sets of the operations (what the graph
  algorithms decide; ids follow from them, link/identity.py);
- ``operations_json``: operations.json byte for byte (accounts, targets,
  infrastructure, evidence, confidence, ids): equal only while nothing else in the
  pipeline changed either.

This script reruns the same seeds with the current code and prints, per seed, whether
each digest still matches. Exit code 1 when an ``accounts`` digest differs.

    python bench/bench_graph_parity.py                 # seeds 1..10, 3000 users
    python bench/bench_graph_parity.py --seeds 1 2     # fewer
    python bench/bench_graph_parity.py --record        # rewrite the expected digests
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path

from mercwatch.pipeline import RunConfig, run_pipeline
from mercwatch.sim import SimConfig, simulate

EXPECTED = Path(__file__).resolve().parent / "data" / "graph_parity.json"


def digests(operations_json: bytes) -> dict[str, object]:
    """The two digests of one run's operations.json (see the module docstring)."""
    operations = json.loads(operations_json)["operations"]
    accounts = sorted(sorted(op["accounts"]) for op in operations)
    return {
        "operations": len(operations),
        "accounts": hashlib.sha256(json.dumps(accounts).encode()).hexdigest(),
        "operations_json": hashlib.sha256(operations_json).hexdigest(),
    }


def one(users: int, seed: int, work: Path) -> tuple[dict[str, object], float]:
    export, out = work / f"s{seed}" / "export", work / f"s{seed}" / "out"
    simulate(SimConfig(users=users, seed=seed), export)
    started = time.perf_counter()
    run_pipeline(RunConfig(export=export, out=out))
    seconds = time.perf_counter() - started
    return digests((out / "operations.json").read_bytes()), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(1, 11)))
    parser.add_argument("--record", action="store_true", help="write the expected digests")
    args = parser.parse_args()
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    users = int(expected["users"])
    print("| seed | operations | member sets | operations.json | run s |")
    print("|---:|---:|---|---|---:|")
    differ = 0
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            got, seconds = one(users, seed, Path(tmp))
            want = expected["seeds"].get(str(seed), {})
            if args.record:
                expected["seeds"][str(seed)] = got
            same_accounts = got["accounts"] == want.get("accounts")
            same_json = got["operations_json"] == want.get("operations_json")
            differ += not same_accounts
            print(
                f"| {seed} | {got['operations']} | {'equal' if same_accounts else 'DIFFER'} | "
                f"{'equal' if same_json else 'differs'} | {seconds:.1f} |",
                flush=True,
            )
    if args.record:
        EXPECTED.write_text(json.dumps(expected, indent=2) + "\n", encoding="utf-8")
    sys.exit(1 if differ and not args.record else 0)


if __name__ == "__main__":
    main()
