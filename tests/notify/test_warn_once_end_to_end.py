"""End to end on a simulated platform: people warned = distinct targets found, none
twice, and a second run into the same OUT queues nobody again (issue 13, done-when)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mercwatch.evaluate import evaluate
from mercwatch.notify import Outbox
from mercwatch.pipeline import RunConfig, run_pipeline
from mercwatch.sim import SimConfig, simulate
from mercwatch.store.state import StateStore
from mercwatch.store.state_url import resolve_state_url

pytestmark = pytest.mark.slow


def _outbox_status(out: Path):  # noqa: ANN202
    store = StateStore.open(resolve_state_url(None, out))
    try:
        return Outbox(store).status()
    finally:
        store.dispose()


def test_two_runs_into_one_out_warn_each_target_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MERCWATCH_STATE_URL", raising=False)
    export, out = tmp_path / "export", tmp_path / "out"
    simulate(SimConfig(users=1000, seed=4), export)
    run_pipeline(RunConfig(export=export, out=out))
    first = _outbox_status(out)
    quality = evaluate(out, export / "truth.json")
    found = json.loads((out / "operations.json").read_text())["operations"]
    targets = {t for op in found for t in op["targets"]}
    assert quality.people_warned == len(targets) == first.people == first.pending > 0
    assert quality.people_warned_more_than_once == 0
    notes = [json.loads(line) for line in (out / "notifications.jsonl").read_text().splitlines()]
    assert all(n["locale"] == n["locale_fallback"][-1] for n in notes)

    run_pipeline(RunConfig(export=export, out=out))
    second = _outbox_status(out)
    assert (second.people, second.pending, second.follow_ups) == (first.people, first.pending, 0)
    assert evaluate(out, export / "truth.json").people_warned_more_than_once == 0
