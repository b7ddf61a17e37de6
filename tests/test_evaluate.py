"""``mercwatch eval`` on hand-built runs: n/a instead of flattering 1.0, fragmentation,
false operations, people warned, and calibration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mercwatch.cli import app
from mercwatch.evaluate import calibration, evaluate

TRUTH = {
    "operations": [
        {"operation_id": "T1", "actor": "A", "accounts": ["a1", "a2", "a3", "a4"],
         "targets": ["t1", "t2", "t3"], "domains": [], "phases": ["reconnaissance", "engagement"]},
        {"operation_id": "T2", "actor": "B", "accounts": ["b1", "b2"],
         "targets": ["t4"], "domains": [], "phases": ["reconnaissance"]},
    ]
}  # fmt: skip


def _op(oid: str, accounts: list[str], confidence: float, phases=("reconnaissance",)) -> dict:
    return {
        "operation_id": oid,
        "accounts": accounts,
        "confidence": confidence,
        "phases": list(phases),
    }


def _run(tmp_path: Path, ops: list[dict], warned: list[str] = (), disabled: list[str] = ()) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    (out / "operations.json").write_text(json.dumps({"operations": ops}))
    (out / "notifications.jsonl").write_text(
        "".join(json.dumps({"account_id": w, "operation_id": "x"}) + "\n" for w in warned)
    )
    (out / "enforcement.jsonl").write_text(
        "".join(
            json.dumps({"action": "disable_account", "subject": d, "status": "applied"}) + "\n"
            for d in disabled
        )
    )
    (tmp_path / "truth.json").write_text(json.dumps(TRUTH))
    return out


def test_nothing_flagged_is_not_perfect_precision(tmp_path):
    q = evaluate(_run(tmp_path, []), tmp_path / "truth.json")
    assert q.account_precision is None and q.target_precision is None
    assert q.operation_purity is None and q.fragmentation is None
    assert q.account_recall == 0.0 and q.target_recall == 0.0
    assert q.people_warned == 0 and q.false_operations == 0
    assert q.calibration.expected_calibration_error is None


def test_nothing_to_find_gives_recall_na(tmp_path):
    out = _run(tmp_path, [_op("R1", ["x1", "x2"], 0.9)], warned=["p1"])
    (tmp_path / "truth.json").write_text(json.dumps({"operations": []}))
    q = evaluate(out, tmp_path / "truth.json")
    assert q.account_recall is None and q.target_recall is None
    assert q.account_precision == 0.0 and q.false_operations == 1


def test_split_operation_and_false_operation_are_counted(tmp_path):
    ops = [
        _op("R1", ["a1", "a2"], 0.95, ("reconnaissance", "engagement")),
        _op("R2", ["a3", "a4"], 0.9),  # the same true operation, reported again
        _op("R3", ["b1", "b2", "n9"], 0.8),
        _op("R4", ["n1", "n2"], 0.85),  # two benign accounts: a false operation
    ]
    out = _run(tmp_path, ops, warned=["t1", "t2", "t4", "p1", "p1"], disabled=["a1", "n1"])
    q = evaluate(out, tmp_path / "truth.json")
    assert q.operations_found == 4 and q.operations_matched == 3
    assert q.false_operations == 1
    assert q.true_operations_found == 2 and q.true_operations_split == 1
    assert q.fragmentation == 1.5  # 3 reported records for 2 true operations
    assert q.people_warned == 4 and q.people_warned_not_targeted == 1
    assert q.target_precision == 0.75 and q.target_recall == 0.75
    assert q.account_precision == pytest.approx(6 / 9, abs=1e-4)
    assert q.benign_accounts_disabled == 1
    assert q.operations_with_right_phases == 2  # R1 (T1) and R3 (T2)
    assert [o["true"] for o in q.operation_outcomes] == [True, True, True, False]


def test_calibration_table_and_ece():
    # 10 operations at 0.9 of which 6 true; 10 at 0.3 of which 3 true.
    records = [(0.9, i < 6) for i in range(10)] + [(0.3, i < 3) for i in range(10)]
    cal = calibration(records)
    assert cal.operations == 20
    high = next(b for b in cal.bins if b.lower == 0.9)
    low = next(b for b in cal.bins if b.lower == 0.3)
    assert (high.count, high.fraction_true, high.mean_confidence) == (10, 0.6, 0.9)
    assert (low.count, low.fraction_true) == (10, 0.3)
    assert cal.expected_calibration_error == pytest.approx(0.15)  # (0.3*10 + 0*10)/20
    assert sum(b.count for b in cal.bins) == 20
    assert next(b for b in cal.bins if b.lower == 0.5).fraction_true is None


def test_confidence_one_lands_in_the_last_bin_and_perfect_calibration_is_zero():
    cal = calibration([(1.0, True)] * 4)
    assert cal.bins[-1].count == 4 and cal.expected_calibration_error == 0.0


def test_eval_verb_prints_na_and_the_new_keys(tmp_path):
    out = _run(tmp_path, [])
    truth = str(tmp_path / "truth.json")
    as_json = CliRunner().invoke(app, ["eval", str(out), "--truth", truth, "--json"])
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.output)
    assert data["account_precision"] is None
    assert {"fragmentation", "false_operations", "people_warned", "calibration"} <= set(data)
    table = CliRunner().invoke(app, ["eval", str(out), "--truth", truth])
    assert table.exit_code == 0 and "n/a" in table.output


def _recon_only(oid: str, targets: list[str], confidence: float = 0.8) -> dict:
    return {**_op(oid, [], confidence), "targets": targets}


def test_a_recon_only_record_is_judged_by_the_people_it_names(tmp_path):
    """No accounts (a lone signed-out rig): true when most of its people are one true
    operation's targets; then it is neither a false operation nor fragmentation."""
    ops = [_op("R1", ["a1", "a2"], 0.9), _recon_only("R2", ["t4"])]
    q = evaluate(_run(tmp_path, ops, warned=["t1", "t4"]), tmp_path / "truth.json")
    outcome = {o["operation_id"]: o for o in q.operation_outcomes}["R2"]
    assert (outcome["true"], outcome["label"]) == (True, "T2")
    assert q.false_operations == 0 and q.fragmentation == 1.0
    assert q.operation_purity == 1.0  # purity is about accounts; the record has none
    assert q.operations_with_right_phases == 1  # T2 reached reconnaissance only


def test_a_recon_only_record_of_an_already_reported_operation_is_fragmentation(tmp_path):
    ops = [_op("R1", ["a1", "a2"], 0.9), _recon_only("R2", ["t1", "t2", "t3"])]
    q = evaluate(_run(tmp_path, ops), tmp_path / "truth.json")
    assert q.fragmentation == 2.0 and q.true_operations_split == 1


def test_a_recon_only_record_of_nobody_targeted_is_a_false_operation(tmp_path):
    q = evaluate(_run(tmp_path, [_recon_only("R9", ["x1", "x2", "t1"])]), tmp_path / "truth.json")
    assert q.false_operations == 1 and q.true_operations_found == 0


def test_two_true_operations_in_one_record_are_counted_as_merged(tmp_path):
    # A and B (two true operations) reported together: one record, labelled A (3 of its
    # accounts against 2 of B's). Fragmentation stays 1.0 — only merging shows it.
    out = _run(tmp_path, [_op("R1", ["a1", "a2", "a3", "b1", "b2"], 0.9)])
    q = evaluate(out, tmp_path / "truth.json")
    assert q.fragmentation == 1.0 and q.false_operations == 0
    assert q.true_operations_merged == 1


def test_each_true_operation_in_its_own_record_is_not_merged(tmp_path):
    ops = [_op("R1", ["a1", "a2"], 0.9), _op("R2", ["b1", "b2"], 0.8)]
    q = evaluate(_run(tmp_path, ops), tmp_path / "truth.json")
    assert q.true_operations_merged == 0
