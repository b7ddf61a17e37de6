"""Two source trees publish the same decisions: a speed or memory change must not move them.

    python bench/bench_output_identity.py --before OLD/src --after src --seeds 1 2 3

Simulates ``--users`` (default 3,000) accounts per seed once, runs ``mercwatch run``
on each export with each source tree (``PYTHONPATH``) in a fresh process, and
compares ``operations.json``, ``enforcement.jsonl`` and ``notifications.jsonl`` byte
for byte. ``--after-arg`` passes options to the second run only (e.g. ``--in-memory``
to compare the two databases within one tree). Exit 1 when any file differs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

COMPARED = ("operations.json", "enforcement.jsonl", "notifications.jsonl")
ENTRY = "from mercwatch.cli import main; main()"


def mercwatch(src: Path, args: list[str]) -> None:
    env = dict(os.environ, PYTHONPATH=str(src.resolve()))
    subprocess.run(
        [sys.executable, "-c", ENTRY, *args], env=env, check=True, stdout=subprocess.DEVNULL
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="source tree (its src/)")
    parser.add_argument("--after", type=Path, required=True, help="source tree (its src/)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--users", type=int, default=3000)
    parser.add_argument("--after-arg", action="append", default=[])
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="mw-identity-"))
    differ = 0
    for seed in args.seeds:
        export = work / f"u{args.users}-s{seed}"
        if not (export / "truth.json").exists():
            sim = ["simulate", "--users", str(args.users), "--seed", str(seed)]
            mercwatch(args.before, [*sim, "--out", str(export)])
        outs = {}
        for name, src, extra in (
            ("before", args.before, []),
            ("after", args.after, args.after_arg),
        ):
            out = work / f"{export.name}-{name}"
            shutil.rmtree(out, ignore_errors=True)  # a fresh OUT and state store each time
            mercwatch(src, ["run", str(export), "--out", str(out / "out"), *extra])
            outs[name] = out / "out"
        for file in COMPARED:
            same = (outs["before"] / file).read_bytes() == (outs["after"] / file).read_bytes()
            differ += not same
            print(f"seed {seed} {file}: {'identical' if same else 'DIFFERENT'}", flush=True)
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
