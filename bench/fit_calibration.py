"""Fit the operation-confidence calibration (``link/data/calibration.json``).

Runs the pipeline on TUNING seeds only (:mod:`mercwatch.evalsets`; an evaluation seed
is refused) of both generators, pairs each reported operation's raw score
(``raw_confidence``, recorded whatever mapping is shipped) with whether it is a
true operation (``mercwatch.evaluate``), fits the isotonic mapping of
:mod:`mercwatch.link.calibration` and writes it with its
provenance. Exports are kept under ``--work`` and reused, so a refit after a link
change reruns only the pipeline.

    python bench/fit_calibration.py --work /tmp/fit \\
        --runs sim:baseline:1:10000,altsim:baseline:1:10000,altsim:ops-as-crowds:1:10000
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path
from typing import Any

from mercwatch.altsim import AltSimConfig, Variant, simulate_alt
from mercwatch.evalsets import is_tuning_seed
from mercwatch.evaluate import calibration, evaluate
from mercwatch.link import calibration as cal
from mercwatch.pipeline import RunConfig, run_pipeline
from mercwatch.sim import SimConfig, simulate

DEFAULT_RUNS = (
    "sim:baseline:1:10000,sim:baseline:2:10000,"
    "altsim:baseline:1:10000,altsim:baseline:2:10000,altsim:baseline:3:10000,"
    "altsim:ops-as-crowds:1:10000,altsim:crowds-as-scripts:1:10000"
)


def samples_of(generator: str, variant: str, seed: int, users: int, work: Path) -> list:
    if not is_tuning_seed(generator, seed):
        raise SystemExit(f"{generator} seed {seed} is an evaluation seed: refusing to fit on it")
    base = work / f"{generator}-{variant}-s{seed}-u{users}"
    export, out = base / "export", base / "out-fit"
    if not (export / "truth.json").exists():
        if generator == "sim":
            simulate(SimConfig(users=users, seed=seed), export)
        else:
            simulate_alt(AltSimConfig(users=users, seed=seed, variant=Variant(variant)), export)
    run_pipeline(RunConfig(export=export, out=out))
    outcome = {
        o["operation_id"]: bool(o["true"])
        for o in evaluate(out, export / "truth.json").to_dict()["operation_outcomes"]
    }
    ops = json.loads((out / "operations.json").read_text())["operations"]
    return [(op["raw_confidence"], outcome[op["operation_id"]]) for op in ops]


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", default=DEFAULT_RUNS, help="generator:variant:seed:users,...")
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=None, help="default: the shipped data file")
    args = parser.parse_args()
    samples: list[tuple[float, bool]] = []
    runs: list[dict[str, Any]] = []
    # Each run's samples are kept under --work as it finishes, so a stopped fit can be
    # resumed without rerunning the runs already done (a shared machine's hour). The file
    # is named by the code's commit: samples of other code (a link change since) are
    # never reused, which would ship a fit of the old raw scores under the new commit.
    done = args.work / f"fit-samples-{_commit()[:12]}.json"
    kept = json.loads(done.read_text(encoding="utf-8")) if done.exists() else {}
    for spec in args.runs.split(","):
        generator, variant, seed, users = spec.split(":")
        if spec not in kept:
            found = samples_of(generator, variant, int(seed), int(users), args.work)
            kept[spec] = [[x, y] for x, y in found]
            done.write_text(json.dumps(kept), encoding="utf-8")
        found = [(float(x), bool(y)) for x, y in kept[spec]]
        samples.extend(found)
        runs.append(
            dict(
                generator=generator,
                variant=variant,
                seed=int(seed),
                users=int(users),
                operations=len(found),
                true=sum(y for _, y in found),
            )
        )
        print(runs[-1], flush=True)
    fitted = cal.fit(samples)
    before = calibration(samples).expected_calibration_error
    after = calibration((fitted(x), y) for x, y in samples).expected_calibration_error
    provenance = {
        "method": "rate true at or below each raw score, Beta(1,1) shrinkage, monotone, no cap",
        "fitted_on": "tuning seeds only (mercwatch.evalsets)",
        "runs": runs,
        "operations": len(samples),
        "true_operations": sum(y for _, y in samples),
        "ece_raw_on_fit_data": before,
        "ece_calibrated_on_fit_data": after,
        "operations_not_true": sum(not y for _, y in samples),
        "code_commit": _commit(),
        "command": "python bench/fit_calibration.py --runs " + args.runs,
    }
    result = cal.Calibration(fitted.knots, provenance)
    target = args.out or Path(cal.__file__).parent / "data" / cal.DATA_FILE
    target.write_text(json.dumps(result.to_dict(), indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result.to_dict(), indent=1))


if __name__ == "__main__":
    main()
