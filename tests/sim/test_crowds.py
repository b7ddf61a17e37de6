"""Benign crowd classes: each is simulated, and none becomes an operation, a warning or an action.

One simulated platform (3000 users) carries every named benign class of
``mercwatch.sim.crowds`` plus the newsroom and the marketing agency; the whole pipeline
runs once with the default policy, and each class is checked on its own.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mercwatch.pipeline import RunConfig, run_pipeline
from mercwatch.sim import SimConfig, simulate
from mercwatch.sim.crowds import CROWDS, MIN_USERS

pytestmark = pytest.mark.slow

CLASSES = [crowd.__name__ for crowd in CROWDS] + ["newsroom_team", "marketing_agency"]


@pytest.fixture(scope="module")
def crowd_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("crowds")
    export, out = root / "export", root / "out"
    simulate(SimConfig(users=3000, seed=21), export)
    run_pipeline(RunConfig(export=export, out=out))
    truth = json.loads((export / "truth.json").read_text("utf-8"))
    return {
        "truth": truth,
        "operations": json.loads((out / "operations.json").read_text("utf-8"))["operations"],
        "actions": _jsonl(out / "enforcement.jsonl"),
        "notifications": _jsonl(out / "notifications.jsonl"),
    }


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def _members(truth: dict, kind: str) -> set[str]:
    return {a for h in truth["hard_negatives"] if h["kind"] == kind for a in h["accounts"]}


@pytest.mark.parametrize("kind", CLASSES)
def test_benign_class_is_no_operation_warning_or_action(crowd_run: dict, kind: str) -> None:
    members = _members(crowd_run["truth"], kind)
    assert members, f"{kind} was not simulated"
    in_ops = {a for op in crowd_run["operations"] for a in op["accounts"]} & members
    assert not in_ops, f"{kind} accounts reported as an operation: {sorted(in_ops)}"
    acted_on = {a["subject"] for a in crowd_run["actions"]} & members
    assert not acted_on, f"{kind} accounts enforced against: {sorted(acted_on)}"
    # every warning comes from an operation with at least one truly hostile account
    hostile = {a for t in crowd_run["truth"]["operations"] for a in t["accounts"]}
    by_id = {op["operation_id"]: op for op in crowd_run["operations"]}
    for note in crowd_run["notifications"]:
        for op_id in note.get("operation_ids", [note["operation_id"]]):
            assert set(by_id[op_id]["accounts"]) & hostile, (kind, note)


def test_crowd_classes_vary_with_the_seed(tmp_path: Path) -> None:
    sizes = []
    for seed in (1, 2):
        result = simulate(SimConfig(users=MIN_USERS * 2, seed=seed), tmp_path / str(seed))
        found = {h.kind: len(h.accounts) for h in result.hard_negatives}
        assert set(CLASSES) <= set(found), found
        sizes.append(found)
    assert sizes[0] != sizes[1]


def test_small_platforms_have_no_crowds(tmp_path: Path) -> None:
    result = simulate(SimConfig(users=MIN_USERS - 1, seed=1), tmp_path)
    assert {h.kind for h in result.hard_negatives} == {"newsroom_team", "marketing_agency"}
