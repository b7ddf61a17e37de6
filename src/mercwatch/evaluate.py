"""``mercwatch eval``: score a run's outputs against a generator's ground truth.

Measures what the mission cares about: which operation accounts were found
(precision first: benign accounts disabled is reported on its own), which targeted
people would be warned (recall first), and whether each found operation is one real
operation (purity) with the right phases.

Warnings are counted in people, not rows (issue 13): ``people_warned`` is distinct
account ids in ``notifications.jsonl`` and ``people_warned_more_than_once`` those with
more than one record (0 under Notification contract v2).

Rules that keep the figures honest (issue 11, items 3, 4, 7):

- A ratio with nothing under it is ``None`` ("n/a"), never 1.0: a run that flags
  nothing has no precision, it does not have perfect precision.
- One real operation reported as two records is counted (``fragmentation``: reported
  operations per true operation found, 1.0 is right) and a reported operation whose
  accounts are all benign is counted (``false_operations``), beside precision; so is
  the reverse of fragmentation, several true operations reported as one record
  (``true_operations_merged``).
- Confidence is checked against outcomes (``calibration``): each reported operation
  is a (confidence, true?) record; a reliability table over bins of confidence and
  the expected calibration error say whether "0.9" means right nine times in ten. One
  run has few operations, so :func:`calibration` is meant to pool many runs.

A reported operation is TRUE when most (more than half) of its accounts run a true
operation; its label is the true operation with most accounts in it. A record with no
accounts (a recon-only record of a lone signed-out rig, SCHEMA.md) is judged by the
people it names: TRUE when more than half of them are one true operation's targets,
labelled with that operation, so it counts neither as a false operation nor as a
second record of another operation when it is right.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mercwatch.errors import InputError

BENIGN = "(benign)"
CALIBRATION_BINS = 10


@dataclass(frozen=True, slots=True)
class ReliabilityBin:
    """Reported operations whose confidence fell in ``[lower, upper)``."""

    lower: float
    upper: float
    count: int
    mean_confidence: float | None
    fraction_true: float | None


@dataclass(frozen=True, slots=True)
class Calibration:
    """Reliability table and expected calibration error (ECE: the count-weighted mean
    gap between a bin's mean confidence and its fraction of true operations)."""

    operations: int
    bins: tuple[ReliabilityBin, ...]
    expected_calibration_error: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def calibration(records: Iterable[tuple[float, bool]], bins: int = CALIBRATION_BINS) -> Calibration:
    """Pool ``(confidence, is_true)`` records (from one run or many) into a table.

    Confidence 1.0 falls in the last bin. With no records the ECE is ``None``."""
    buckets: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
    total = 0
    for confidence, is_true in records:
        c = min(max(float(confidence), 0.0), 1.0)
        buckets[min(int(c * bins), bins - 1)].append((c, bool(is_true)))
        total += 1
    table, gap = [], 0.0
    for i, bucket in enumerate(buckets):
        mean_c = sum(c for c, _ in bucket) / len(bucket) if bucket else None
        frac = sum(t for _, t in bucket) / len(bucket) if bucket else None
        if mean_c is not None and frac is not None:  # both set exactly when bucket is
            gap += len(bucket) / total * abs(frac - mean_c)
        table.append(
            ReliabilityBin(
                lower=round(i / bins, 4),
                upper=round((i + 1) / bins, 4),
                count=len(bucket),
                mean_confidence=None if mean_c is None else round(mean_c, 4),
                fraction_true=None if frac is None else round(frac, 4),
            )
        )
    return Calibration(total, tuple(table), round(gap, 4) if total else None)


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Quality of one run against truth.json. ``None`` means n/a (nothing to divide)."""

    operations_true: int
    operations_found: int
    account_precision: float | None
    account_recall: float | None
    target_precision: float | None
    target_recall: float | None
    benign_accounts_disabled: int
    operation_purity: float | None
    operations_with_right_phases: int
    operations_matched: int
    # Added for issue 11 (existing keys above keep their names and meaning).
    false_operations: int = 0
    fragmentation: float | None = None
    true_operations_found: int = 0
    true_operations_split: int = 0
    true_operations_merged: int = 0
    people_warned: int = 0
    people_warned_not_targeted: int = 0
    people_targeted: int = 0
    people_warned_more_than_once: int = 0
    notification_records: int = 0
    operation_outcomes: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    calibration: Calibration | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def records(self) -> list[tuple[float, bool]]:
        """``(confidence, is_true)`` per reported operation, for pooled calibration."""
        return [(o["confidence"], o["true"]) for o in self.operation_outcomes]


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


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
    rows = []
    for n, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{n}", f"not valid JSON: {exc}") from exc
    return rows


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

    purity_num, matched, right_phases, false_ops = 0, 0, 0, 0
    reported_per_true: Counter[str] = Counter()
    outcomes = []
    truth_by_id = {t["operation_id"]: t for t in truth}
    target_owners = _target_owners(truth)
    for op in found:
        if not op["accounts"]:  # a recon-only record: judged by the people it names
            label, is_true = _label_by_targets(op.get("targets", []), target_owners)
            false_ops += not is_true
            if is_true:
                matched += 1
                reported_per_true[label] += 1
                right_phases += set(op["phases"]) == set(truth_by_id[label]["phases"])
            outcomes.append(_outcome(op, is_true, label))
            continue
        labels = Counter(owner.get(a, BENIGN) for a in op["accounts"])
        label, count = labels.most_common(1)[0] if labels else (BENIGN, 0)
        purity_num += count
        operation_accounts = sum(n for lab, n in labels.items() if lab != BENIGN)
        if operation_accounts == 0:
            false_ops += 1
        if label != BENIGN:
            matched += 1
            reported_per_true[label] += 1
            right_phases += set(op["phases"]) == set(truth_by_id[label]["phases"])
        outcomes.append(_outcome(op, operation_accounts * 2 > len(op["accounts"]), label))
    records = [(o["confidence"], o["true"]) for o in outcomes]
    merged = _merged(found, owner, [o["label"] for o in outcomes])
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
        false_operations=false_ops,
        fragmentation=_ratio(sum(reported_per_true.values()), len(reported_per_true)),
        true_operations_found=len(reported_per_true),
        true_operations_split=sum(1 for n in reported_per_true.values() if n > 1),
        true_operations_merged=merged,
        people_warned=len(warned),
        people_warned_not_targeted=len(warned - true_targets),
        people_targeted=len(true_targets),
        people_warned_more_than_once=sum(1 for n in per_person.values() if n > 1),
        notification_records=len(notifications),
        operation_outcomes=tuple(outcomes),
        calibration=calibration(records),
    )


def _merged(found: list[dict[str, Any]], owner: dict[str, str], labels: list[str]) -> int:
    """True operations reported inside another one's record: the record holding most of
    the operation's reported accounts is labelled with another true operation.

    Fragmentation counts one operation reported as several records; this counts the
    reverse, several operations reported as one (two firms' personas in one record:
    one set of warnings, one attribution, for two operations). Either breaks "one
    operation, one record" (issue 11, item 3)."""
    held: dict[str, Counter[int]] = {}
    for index, op in enumerate(found):
        for account in op["accounts"]:
            if account in owner:
                held.setdefault(owner[account], Counter())[index] += 1
    return sum(
        1
        for true_id, where in held.items()
        if labels[min(where, key=lambda i: (-where[i], i))] != true_id
    )


def _outcome(op: dict[str, Any], is_true: bool, label: str) -> dict[str, Any]:
    return {
        "operation_id": op["operation_id"],
        "confidence": float(op.get("confidence", 0.0)),
        "true": is_true,
        "label": label,
    }


def _target_owners(truth: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Person -> the true operations that targeted them (sorted ids)."""
    owners: dict[str, list[str]] = {}
    for t in sorted(truth, key=lambda t: t["operation_id"]):
        for person in t["targets"]:
            owners.setdefault(person, []).append(t["operation_id"])
    return owners


def _label_by_targets(targets: list[str], owners: dict[str, list[str]]) -> tuple[str, bool]:
    """An account-less (recon-only) record's label and truth: the true operation that
    targeted most of the people it names; true when that is more than half of them.

    Such a record has nobody to disable, so it can be neither judged by its accounts
    nor blamed on benign ones: it is right exactly when the people it would warn are
    one true operation's targets (ties: the smallest operation id)."""
    people = set(targets)
    counts: Counter[str] = Counter(op for p in people for op in owners.get(p, ()))
    if not counts:
        return BENIGN, False
    label = min(counts, key=lambda op: (-counts[op], op))
    return label, counts[label] * 2 > len(people)


def fmt(value: float | None, digits: int = 2) -> str:
    """A metric for people: ``n/a`` when there was nothing to measure."""
    return "n/a" if value is None else f"{value:.{digits}f}"
