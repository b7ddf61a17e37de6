"""The review, appeal and audit verbs through the CLI runner."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from mercwatch.cli import app
from mercwatch.enforce import Enforcer, load_policy
from mercwatch.model.records import Action, ActionKind, ActionStatus
from mercwatch.store.state import StateStore

runner = CliRunner()


@pytest.fixture
def seeded(store: StateStore, state_url: str) -> str:
    Enforcer(store, load_policy()).apply(
        [
            Action(ActionKind.DISABLE_ACCOUNT, "acct-1", "op-1", ActionStatus.APPLIED, "sure"),
            Action(
                ActionKind.BLOCK_DOMAIN,
                "<b>evil</b>.example",
                "op-1",
                ActionStatus.PENDING_REVIEW,
                "not sure",
            ),
        ],
        {},
    )
    return state_url


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_review_list_approve_and_audit(seeded: str) -> None:
    [line] = _run("review", "list", "--state", seeded, "--json").splitlines()
    queued = json.loads(line)
    assert (queued["id"], queued["subject"], queued["status"]) == (
        2,
        "<b>evil</b>.example",
        "pending_review",
    )
    assert "pending_review" in _run("review", "list", "--state", seeded)
    assert "applied" in _run("review", "approve", "2", "--who", "ana", "--state", seeded)
    assert _run("review", "list", "--state", seeded, "--json") == ""
    assert "verified: 3 entries" in _run("audit", "verify", "--state", seeded)
    shown = [json.loads(x) for x in _run("audit", "show", "--json", "--state", seeded).splitlines()]
    assert [e["action"] for e in shown] == [
        "apply:disable_account",
        "queue_review:block_domain",
        "review_approve:block_domain",
    ]
    count, head = _run("audit", "show", "--head", "--state", seeded).split()
    assert (count, head) == ("3", shown[-1]["hash"])


def test_reject_and_appeal(seeded: str) -> None:
    assert "rejected" in _run("review", "reject", "2", "--who", "bo", "--state", seeded)
    out = _run("appeal", "1", "--who", "appeals", "--reason", "owner verified", "--state", seeded)
    assert "reversed" in out
    rows = _run("audit", "show", "--operation", "op-1", "--limit", "1", "--json", "--state", seeded)
    assert json.loads(rows)["action"] == "reverse:disable_account"


def test_user_errors_are_mercwatch_errors(seeded: str, monkeypatch: pytest.MonkeyPatch) -> None:
    result = runner.invoke(app, ["review", "approve", "1", "--who", "x", "--state", seeded])
    assert result.exit_code == 2
    assert "action 1 is applied, not pending_review" in result.output
    monkeypatch.delenv("MERCWATCH_STATE_URL", raising=False)
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 2
    assert "MERCWATCH_STATE_URL" in result.output


def test_audit_verify_reports_tampering(seeded: str, store: StateStore) -> None:
    with store.engine.begin() as conn:
        if store.dialect == "postgresql":
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        else:
            conn.execute(text("DROP TRIGGER audit_log_no_update"))
        conn.execute(text("UPDATE audit_log SET subject = 'acct-9' WHERE id = 1"))
    result = runner.invoke(app, ["audit", "verify", "--state", seeded])
    assert result.exit_code == 1  # tampered is a failed check, not a usage error
    assert "audit entry 1: content does not match its hash" in result.output


def test_audit_head_anchors_and_verify_checks_it(seeded: str) -> None:
    anchor = _run("audit", "head", "--state", seeded).strip()
    digest, seq = anchor.split(":")
    assert seq == "2" and len(digest) == 64
    assert json.loads(_run("audit", "head", "--json", "--state", seeded)) == {
        "sequence": 2,
        "hash": digest,
    }
    _run("review", "approve", "2", "--who", "ana", "--state", seeded)  # the log grows past it
    for expect in (anchor, digest):
        assert "verified: 3 entries" in _run(
            "audit", "verify", "--expect-head", expect, "--state", seeded
        )
    forged = runner.invoke(
        app, ["audit", "verify", "--expect-head", f"{'a' * 64}:2", "--state", seeded]
    )
    assert forged.exit_code == 1
    assert "differs from the anchored head" in forged.output
    ahead = runner.invoke(
        app, ["audit", "verify", "--expect-head", f"{'b' * 64}", "--state", seeded]
    )
    assert ahead.exit_code == 1
    assert "is not in the log" in ahead.output


@pytest.mark.parametrize(
    "bad", ["xyz", "a" * 63, f"{'a' * 64}:-1", f"{'a' * 64}:two", f"{'a' * 64}:²"]
)
def test_a_malformed_anchor_is_a_usage_error(seeded: str, bad: str) -> None:
    result = runner.invoke(app, ["audit", "verify", "--expect-head", bad, "--state", seeded])
    assert result.exit_code == 2
    assert "--expect-head" in result.output
