"""Link on a simulated platform, scored against the simulator's ground truth.

The full chain runs (simulate -> ingest -> detectors -> link), so this measures what a
platform would see: how pure each operation is and how many targeted people would be
warned. Thresholds sit below the measured values (docs/benchmarks.md, "link") to leave
room for detector tuning, not for regressions in kind.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from mercwatch.detectors import DetectionContext, all_detectors, run_detectors
from mercwatch.ingest import ingest_export
from mercwatch.link import build_operations
from mercwatch.sim import SimConfig, simulate
from mercwatch.store.engine import connect

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def platform_run(tmp_path_factory):
    export = tmp_path_factory.mktemp("link-e2e") / "export"
    simulate(SimConfig(users=400, seed=1), export)
    con = connect()
    ingest_export(export, con)
    signals = run_detectors(DetectionContext(con), all_detectors()).signals
    truth = json.loads((export / "truth.json").read_text(encoding="utf-8"))
    yield con, signals, truth
    con.disconnect()


def score(operations, truth) -> dict[str, float]:
    """Purity, operations matched and target recall/precision against the truth."""
    owner = {a: op["operation_id"] for op in truth["operations"] for a in op["accounts"]}
    true_targets = {op["operation_id"]: set(op["targets"]) for op in truth["operations"]}
    pure = total = 0
    matched: set[str] = set()
    found_targets: set[str] = set()
    reported = 0
    for op in operations:
        label, count = Counter(owner.get(a, "benign") for a in op.accounts).most_common(1)[0]
        pure += count if label != "benign" else 0
        total += len(op.accounts)
        reported += len(op.targets)
        if label != "benign":
            matched.add(label)
            found_targets |= set(op.targets) & true_targets[label]
    all_targets = set().union(*true_targets.values())
    return {
        "purity": pure / total if total else 1.0,
        "matched": len(matched) / len(true_targets),
        "target_recall": len(found_targets) / len(all_targets),
        "target_precision": len(found_targets) / reported if reported else 1.0,
    }


def test_operations_are_pure_and_reach_their_targets(platform_run):
    con, signals, truth = platform_run

    operations = build_operations(con, signals)
    measured = score(operations, truth)

    assert measured["purity"] >= 0.9, measured
    assert measured["matched"] >= 0.6, measured
    assert measured["target_recall"] >= 0.6, measured
    assert measured["target_precision"] >= 0.5, measured
    rerun = build_operations(con, signals)
    assert [op.to_dict() for op in rerun] == [op.to_dict() for op in operations]


def test_no_operation_is_made_of_benign_accounts(platform_run):
    con, signals, truth = platform_run
    owner = {a for op in truth["operations"] for a in op["accounts"]}

    for op in build_operations(con, signals):
        assert any(a in owner for a in op.accounts), op.to_dict()
