"""The policy file and the pure decision: (operation, account ages) -> actions."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from mercwatch.enforce.policy import decide, load_policy
from mercwatch.errors import ConfigError
from mercwatch.model.records import (
    Action,
    ActionKind,
    ActionStatus,
    Infrastructure,
    Operation,
    Phase,
)

R, E, X = Phase.RECONNAISSANCE, Phase.ENGAGEMENT, Phase.EXPLOITATION
FIRST_SEEN = datetime(2021, 9, 1)
CREATED = {
    "fresh": datetime(2021, 8, 20),  # made for the operation
    "old": datetime(2016, 3, 1),  # long-standing: probably hijacked
    "edge": datetime(2020, 9, 1),  # exactly 365 days before first_seen
}


def _op(
    confidence: float,
    phases: tuple[Phase, ...],
    *,
    op_id: str = "op-1",
    accounts: tuple[str, ...] = ("fresh",),
) -> Operation:
    infra = Infrastructure(
        domains=("login-verify.example", "drive.google.com"),
        urls=("https://login-verify.example/a",),
    )
    return Operation(
        op_id, confidence, phases, accounts, ("target-1",), infra, FIRST_SEEN, datetime(2021, 10, 1)
    )


def _kinds(actions: list[Action]) -> set[tuple[str, str, str]]:
    return {(a.action.value, a.subject, a.status.value) for a in actions}


DEFAULT = load_policy()


@pytest.mark.parametrize(
    ("confidence", "phases", "expected"),
    [
        # very likely, reached exploitation: accounts down, infrastructure blocked
        (
            0.95,
            (R, E, X),
            {
                ("disable_account", "fresh", "applied"),
                ("block_domain", "login-verify.example", "applied"),
                ("block_url", "https://login-verify.example/a", "applied"),
            },
        ),
        # very likely but only reconnaissance: accounts only, nothing to block yet
        (0.95, (R,), {("disable_account", "fresh", "applied")}),
        # likely but below auto-apply: the same actions wait for a human
        (
            0.7,
            (R, X),
            {
                ("disable_account", "fresh", "pending_review"),
                ("block_domain", "login-verify.example", "pending_review"),
                ("block_url", "https://login-verify.example/a", "pending_review"),
            },
        ),
        # weak: only the review rule fires
        (
            0.45,
            (E,),
            {
                ("disable_account", "fresh", "pending_review"),
                ("block_domain", "login-verify.example", "pending_review"),
                ("block_url", "https://login-verify.example/a", "pending_review"),
            },
        ),
        # too weak for anything
        (0.2, (R, E, X), set()),
    ],
)
def test_default_policy_decisions(
    confidence: float, phases: tuple[Phase, ...], expected: set[tuple[str, str, str]]
) -> None:
    assert _kinds(decide([_op(confidence, phases)], CREATED, DEFAULT)) == expected


@pytest.mark.parametrize(
    ("account", "kind"),
    [
        ("fresh", ActionKind.DISABLE_ACCOUNT),
        ("old", ActionKind.CHECKPOINT_ACCOUNT),
        ("edge", ActionKind.CHECKPOINT_ACCOUNT),
        ("unknown", ActionKind.CHECKPOINT_ACCOUNT),
    ],
)
def test_long_standing_accounts_are_checkpointed_not_disabled(
    account: str, kind: ActionKind
) -> None:
    [action] = decide([_op(0.99, (R,), accounts=(account,))], CREATED, DEFAULT)
    assert action.action is kind
    assert action.status is ActionStatus.APPLIED


def test_protected_domains_are_never_blocked() -> None:
    subjects = {a.subject for a in decide([_op(0.99, (X,))], CREATED, DEFAULT)}
    assert "drive.google.com" not in subjects
    assert "login-verify.example" in subjects


def test_order_is_deterministic_and_one_action_per_key() -> None:
    ops = [
        _op(0.95, (R, X), op_id="op-b", accounts=("old", "fresh")),
        _op(0.95, (R, X), op_id="op-a", accounts=("fresh",)),
    ]
    first = decide(ops, CREATED, DEFAULT)
    assert first == decide(list(reversed(ops)), CREATED, DEFAULT)
    keys = [(a.operation_id, a.action, a.subject) for a in first]
    assert len(keys) == len(set(keys))
    assert [a.operation_id for a in first] == ["op-a"] * 3 + ["op-b"] * 4
    assert first[3].action is ActionKind.DISABLE_ACCOUNT and first[3].subject == "fresh"


def test_applied_beats_review_when_rules_overlap(tmp_path: Path) -> None:
    path = tmp_path / "overlap.yaml"
    path.write_text(
        "version: o-1\nauto_apply_confidence: 0.9\nrules:\n"
        "  - id: second-look\n    mode: review\n    actions: [disable_account]\n"
        "  - id: takedown\n    min_confidence: 0.8\n    actions: [disable_account]\n",
        encoding="utf-8",
    )
    policy = load_policy(path)
    [strong] = decide([_op(0.95, (E,))], CREATED, policy)
    assert strong.status is ActionStatus.APPLIED
    assert strong.reason.startswith("takedown:")
    [weak] = decide([_op(0.85, (E,))], CREATED, policy)
    assert weak.status is ActionStatus.PENDING_REVIEW
    assert weak.reason.startswith("second-look:")


def test_custom_policy_phases_all_and_review_mode(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "version: strict-1\nauto_apply_confidence: 0.5\nrules:\n"
        "  - id: full-chain\n    phases_all: [reconnaissance, exploitation]\n"
        "    actions: [checkpoint_account]\n    mode: review\n",
        encoding="utf-8",
    )
    policy = load_policy(path)
    assert policy.version == "strict-1"
    assert decide([_op(0.99, (X,))], CREATED, policy) == []
    [action] = decide([_op(0.99, (R, X))], CREATED, policy)
    assert (action.action, action.status) == (
        ActionKind.CHECKPOINT_ACCOUNT,
        ActionStatus.PENDING_REVIEW,
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("version: v\nrules: []\n", "rules"),
        ("version: v\nrules:\n  - id: r\n    actions: [nuke_account]\n", "rules.0.actions.0"),
        (
            "version: v\nauto_apply_confidence: 2\nrules:\n  - id: r\n    actions: [block_url]\n",
            "auto_apply_confidence",
        ),
        ("version: v\nsurprise: 1\nrules:\n  - id: r\n    actions: [block_url]\n", "surprise"),
        ("- just\n- a list\n", "mapping"),
        ("version: [unclosed\n", "not valid YAML"),
    ],
)
def test_bad_policy_files_name_the_problem(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_policy(path)


def test_missing_policy_file() -> None:
    with pytest.raises(ConfigError, match="nope.yaml"):
        load_policy("nope.yaml")
