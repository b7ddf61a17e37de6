"""``mercwatch eval``: score a run's outputs against the simulator's ground truth.

Measures what the mission cares about: which operation accounts were found
(precision first: benign accounts disabled is reported on its own), which targeted
people would be warned (recall first), and whether each found operation is one real
operation (purity) with the right phases.

Warnings are counted in people, not rows (issue 13): ``people_warned`` is distinct
account ids in ``notifications.jsonl`` and ``people_warned_more_than_once`` those with
more than one record (0 under Notification contract v2).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mercwatch.errors import InputError

BENIGN = "(benign)"


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Quality of one run against truth.json."""

    operations_true: int
    operations_found: int
    account_precision: float
    account_recall: float
    target_precision: float
    target_recall: float
    benign_accounts_disabled: int
    operation_purity: float
    operations_with_right_phases: int
    operations_matched: int
    people_targeted: int = 0
    people_warned: int = 0
    people_warned_more_than_once: int = 0
    notification_records: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _ratio(num: int, den: int) -> float:
    return round(num / den, 4) if den else 1.0


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise InputError(str(path), "file not found") from exc
    except json.JSONDecodeError as exc:
        raise InputError(str(path), f"not valid JSON: {exc}") from exc


def _load_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        raise InputError(str(path), "file not found")
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def evaluate(out: Path, truth_path: Path) -> Evaluation:
    """Compare ``OUT/operations.json``, ``notifications.jsonl`` and ``enforcement.jsonl``
    with ``truth.json``."""
    truth = _load_json(truth_path)["operations"]
    found = _load_json(out / "operations.json")["operations"]
    notifications = _load_jsonl(out / "notifications.jsonl")
    actions = _load_jsonl(out / "enforcement.jsonl")

    owner = {a: t["operation_id"] for t in truth for a in t["accounts"]}
    true_accounts, true_targets = set(owner), {x for t in truth for x in t["targets"]}
    found_accounts = {a for op in found for a in op["accounts"]}
    per_person = Counter(n["account_id"] for n in notifications)
    warned = set(per_person)
    disabled = {
        a["subject"]
        for a in actions
        if a["action"] == "disable_account" and a["status"] == "applied"
    }

    purity_num, matched, right_phases = 0, 0, 0
    truth_by_id = {t["operation_id"]: t for t in truth}
    for op in found:
        labels = Counter(owner.get(a, BENIGN) for a in op["accounts"])
        label, count = labels.most_common(1)[0]
        purity_num += count
        if label != BENIGN:
            matched += 1
            right_phases += set(op["phases"]) == set(truth_by_id[label]["phases"])
    return Evaluation(
        operations_true=len(truth),
        operations_found=len(found),
        account_precision=_ratio(len(found_accounts & true_accounts), len(found_accounts)),
        account_recall=_ratio(len(found_accounts & true_accounts), len(true_accounts)),
        target_precision=_ratio(len(warned & true_targets), len(warned)),
        target_recall=_ratio(len(warned & true_targets), len(true_targets)),
        benign_accounts_disabled=len(disabled - true_accounts),
        operation_purity=_ratio(purity_num, sum(len(op["accounts"]) for op in found)),
        operations_with_right_phases=right_phases,
        operations_matched=matched,
        people_targeted=len(true_targets),
        people_warned=len(warned),
        people_warned_more_than_once=sum(1 for n in per_person.values() if n > 1),
        notification_records=len(notifications),
    )
