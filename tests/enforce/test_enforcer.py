"""Applying actions: idempotent reruns, dry runs, review, appeal, and the audit chain."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select, text

from mercwatch.enforce import Enforcer, load_policy, read_audit, verify_audit
from mercwatch.errors import AuditChainBroken, StateError
from mercwatch.model.records import Action, ActionKind, ActionStatus, Evidence, Phase
from mercwatch.store.state import StateStore, actions, audit_log, review_queue

APPLIED, PENDING = ActionStatus.APPLIED, ActionStatus.PENDING_REVIEW
EVIDENCE = {
    "op-1": (
        Evidence("fake-persona", Phase.ENGAGEMENT, "acct-1", 0.8, "stock photo reused"),
        Evidence("lookalike-domain", Phase.EXPLOITATION, "login-verify.example", 0.9, "typo"),
    )
}
ACTIONS = [
    Action(ActionKind.DISABLE_ACCOUNT, "acct-1", "op-1", APPLIED, "operation-accounts: 0.95"),
    Action(ActionKind.CHECKPOINT_ACCOUNT, "acct-2", "op-1", APPLIED, "hijacked"),
    Action(ActionKind.BLOCK_DOMAIN, "login-verify.example", "op-1", PENDING, "below auto-apply"),
]


@pytest.fixture
def enforcer(store: StateStore, clock) -> Enforcer:  # noqa: ANN001
    return Enforcer(store, load_policy(), clock)


def _count(store: StateStore, table) -> int:  # noqa: ANN001
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_apply_stores_actions_queue_and_audit(enforcer: Enforcer, store: StateStore) -> None:
    stored = enforcer.apply(ACTIONS, EVIDENCE)
    assert stored == ACTIONS
    assert _count(store, actions) == 3
    assert [s.action.subject for s in enforcer.pending_reviews()] == ["login-verify.example"]
    entries = read_audit(store)
    assert [e.action for e in entries] == [
        "apply:disable_account",
        "apply:checkpoint_account",
        "queue_review:block_domain",
    ]
    assert entries[0].evidence == (EVIDENCE["op-1"][0].to_dict(),)
    assert entries[0].actor == "mercwatch-run"
    assert entries[0].policy_version == "default-2025.1"
    assert entries[0].ts == datetime(2021, 12, 16, 9, 0, 0)
    assert verify_audit(store) == 3


def test_rerun_with_same_input_adds_nothing(enforcer: Enforcer, store: StateStore) -> None:
    enforcer.apply(ACTIONS, EVIDENCE)
    enforcer.apply(ACTIONS + ACTIONS, EVIDENCE)
    assert (_count(store, actions), _count(store, audit_log), _count(store, review_queue)) == (
        3,
        3,
        1,
    )
    assert verify_audit(store) == 3


def test_dry_run_persists_nothing(enforcer: Enforcer, store: StateStore) -> None:
    result = enforcer.apply(ACTIONS, EVIDENCE, dry_run=True)
    assert {a.status for a in result} == {ActionStatus.DRY_RUN}
    assert [a.subject for a in result] == [a.subject for a in ACTIONS]
    assert (_count(store, actions), _count(store, audit_log)) == (0, 0)


def test_only_applied_or_pending_can_be_applied(enforcer: Enforcer) -> None:
    bad = Action(ActionKind.BLOCK_URL, "https://x.example/", "op-1", ActionStatus.REVERSED, "")
    with pytest.raises(StateError, match="reversed"):
        enforcer.apply([bad], {})


def test_review_approve_and_reject(enforcer: Enforcer, store: StateStore, clock) -> None:  # noqa: ANN001
    second = Action(ActionKind.BLOCK_URL, "https://login-verify.example/a", "op-1", PENDING, "r")
    enforcer.apply([*ACTIONS, second], EVIDENCE)
    first_id, second_id = (s.id for s in enforcer.pending_reviews())
    clock.advance(hours=2)
    approved = enforcer.approve(first_id, "analyst-ana", "confirmed phishing kit")
    rejected = enforcer.reject(second_id, "analyst-bo")
    assert approved.action.status is APPLIED and approved.updated_at == clock.now
    assert rejected.action.status is ActionStatus.REJECTED
    assert enforcer.pending_reviews() == []
    with store.engine.connect() as conn:
        states = conn.execute(
            select(review_queue.c.state, review_queue.c.decided_by).order_by(review_queue.c.id)
        ).all()
    assert states == [("approved", "analyst-ana"), ("rejected", "analyst-bo")]
    tail = read_audit(store, limit=2)
    assert [(e.action, e.actor, e.reason) for e in tail] == [
        ("review_approve:block_domain", "analyst-ana", "confirmed phishing kit"),
        ("review_reject:block_url", "analyst-bo", "review: reject"),
    ]
    with pytest.raises(StateError, match="is applied, not pending_review"):
        enforcer.approve(first_id, "analyst-ana")
    assert verify_audit(store) == 6


def test_appeal_reverses_and_rerun_does_not_reapply(enforcer: Enforcer, store: StateStore) -> None:
    enforcer.apply(ACTIONS, EVIDENCE)
    [disable] = enforcer.list_actions(operation_id="op-1")[:1]
    reversed_ = enforcer.reverse(disable.id, "appeals-team", "owner proved identity")
    assert reversed_.action.status is ActionStatus.REVERSED
    assert enforcer.apply(ACTIONS, EVIDENCE)[0].status is ActionStatus.REVERSED
    assert read_audit(store)[-1].action == "reverse:disable_account"
    assert verify_audit(store) == 4
    with pytest.raises(StateError, match="is reversed, not applied"):
        enforcer.reverse(disable.id, "appeals-team", "again")
    with pytest.raises(StateError, match="no action with id 999"):
        enforcer.reverse(999, "appeals-team", "x")
    with pytest.raises(StateError, match="needs a reason"):
        enforcer.reverse(disable.id, "appeals-team", " ")


def _unprotect(store: StateStore, conn) -> None:  # noqa: ANN001
    """What someone with raw database access would do first."""
    if store.dialect == "postgresql":
        conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
    else:
        conn.execute(text("DROP TRIGGER audit_log_no_update"))
        conn.execute(text("DROP TRIGGER audit_log_no_delete"))


@pytest.mark.parametrize(
    ("tamper", "broken_id", "reason"),
    [
        ("UPDATE audit_log SET reason = 'nothing to see' WHERE id = 2", 2, "edited"),
        ("UPDATE audit_log SET actor = 'someone-else' WHERE id = 1", 1, "edited"),
        ("UPDATE audit_log SET evidence = '[]' WHERE id = 1", 1, "edited"),
        ("DELETE FROM audit_log WHERE id = 2", 2, "missing"),
        ("DELETE FROM audit_log WHERE id = 3", 3, "removed from the end"),
        ("UPDATE audit_log SET prev_hash = hash WHERE id = 3", 3, "prev_hash"),
    ],
)
def test_tampering_is_detected(
    enforcer: Enforcer, store: StateStore, tamper: str, broken_id: int, reason: str
) -> None:
    enforcer.apply(ACTIONS, EVIDENCE)
    with store.engine.begin() as conn:
        _unprotect(store, conn)
        conn.execute(text(tamper))
    with pytest.raises(AuditChainBroken, match=reason) as caught:
        verify_audit(store)
    assert caught.value.entry_id == broken_id


def test_rehashing_an_edited_entry_still_breaks_the_next_link(
    enforcer: Enforcer, store: StateStore
) -> None:
    from mercwatch.enforce.audit import entry_hash

    enforcer.apply(ACTIONS, EVIDENCE)
    entry = read_audit(store)[0].to_dict()
    fields = {k: v for k, v in entry.items() if k not in ("prev_hash", "hash")}
    fields["reason"] = "forged"
    forged = entry_hash(fields, entry["prev_hash"])
    with store.engine.begin() as conn:
        _unprotect(store, conn)
        conn.execute(
            text("UPDATE audit_log SET reason = 'forged', hash = :h WHERE id = 1"), {"h": forged}
        )
    with pytest.raises(AuditChainBroken, match="prev_hash") as caught:
        verify_audit(store)
    assert caught.value.entry_id == 2
