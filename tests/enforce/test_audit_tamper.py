"""Tampering that the chain alone missed: a cut tail, a wiped log, edited decision rows.

Each case is what someone with raw database access (the table owner, or the SQLite
file) would do after switching the append-only triggers off. Before schema 0003 every
one of these verified clean: the head row was rewritten with the tail, and the actions
and review tables were outside ``verify_audit``.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, text

from mercwatch.enforce import Anchor, Enforcer, audit_head, load_policy, read_audit, verify_audit
from mercwatch.errors import AuditChainBroken
from mercwatch.model.records import Action, ActionKind, ActionStatus
from mercwatch.store.state import StateStore

APPLIED, PENDING = ActionStatus.APPLIED, ActionStatus.PENDING_REVIEW


@pytest.fixture
def decided(store: StateStore, clock) -> Enforcer:  # noqa: ANN001
    """Five entries: apply 1, apply 2, queue 3 (review row 1), approve 3, reverse 1."""
    enforcer = Enforcer(store, load_policy(), clock)
    enforcer.apply(
        [
            Action(ActionKind.DISABLE_ACCOUNT, "acct-1", "op-1", APPLIED, "sure"),
            Action(ActionKind.DISABLE_ACCOUNT, "acct-2", "op-1", APPLIED, "sure"),
            Action(ActionKind.BLOCK_DOMAIN, "evil.example", "op-1", PENDING, "not sure"),
        ],
        {},
    )
    clock.advance(hours=1)
    enforcer.approve(3, "ana", "checked the domain")
    clock.advance(hours=1)
    enforcer.reverse(1, "appeals", "account owner proved identity")
    assert verify_audit(store) == 5
    return enforcer


def _as_intruder(store: StateStore, *statements: str) -> None:
    with store.engine.begin() as conn:
        _unprotect(store, conn)
        for statement in statements:
            conn.execute(text(statement))


def _unprotect(store: StateStore, conn: Connection) -> None:
    if store.dialect == "postgresql":
        conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
    else:
        conn.execute(text("DROP TRIGGER audit_log_no_update"))
        conn.execute(text("DROP TRIGGER audit_log_no_delete"))


def _broken(store: StateStore, expect: Anchor | None = None) -> AuditChainBroken:
    with pytest.raises(AuditChainBroken) as caught:
        verify_audit(store, expect)
    return caught.value


@pytest.mark.usefixtures("decided")
@pytest.mark.parametrize(
    ("statements", "entry", "reason"),
    [
        # the tail cut off: entries 4 and 5 gone, the decisions they changed remain as
        # changed, so they no longer match what the surviving entries recorded
        (["DELETE FROM audit_log WHERE id >= 4"], 1, "actions row 1 no longer matches"),
        (["DELETE FROM audit_log WHERE id = 5"], 1, "later entries that changed it"),
        # the whole log wiped, decisions kept
        (["DELETE FROM audit_log"], 1, "actions row 1 has no audit entry"),
        # a reversal quietly undone; a review decision re-attributed
        (["UPDATE actions SET status = 'applied' WHERE id = 1"], 5, "'reversed' -> 'applied'"),
        (["UPDATE review_queue SET decided_by = 'bob'"], 4, "'ana' -> 'bob'"),
        # a decision written behind mercwatch's back
        (
            [
                "INSERT INTO actions (action, subject, operation_id, status, reason, "
                "policy_version, created_at, updated_at) VALUES ('disable_account', 'acct-9', "
                "'op-1', 'applied', 'x', 'v', '2021-12-16 09:00:00', '2021-12-16 09:00:00')"
            ],
            6,
            "actions row 4 has no audit entry",
        ),
        # a decision deleted (its review row first, for the foreign key)
        (
            ["DELETE FROM review_queue", "DELETE FROM actions WHERE id = 3"],
            4,
            "actions row 3 recorded here was deleted",
        ),
        (["DELETE FROM actions WHERE id = 2"], 2, "actions row 2 recorded here was deleted"),
    ],
)
def test_decision_tables_are_held_to_the_chain(
    store: StateStore, statements: list[str], entry: int, reason: str
) -> None:
    _as_intruder(store, *statements)
    broken = _broken(store)
    assert reason in broken.reason
    assert broken.entry_id == entry


def test_the_message_names_the_changed_column(decided: Enforcer, store: StateStore) -> None:
    _as_intruder(store, "UPDATE actions SET status = 'applied' WHERE id = 1")
    assert "status: 'reversed' -> 'applied'" in str(_broken(store))


def test_a_consistent_rewrite_is_caught_only_by_an_anchor(
    decided: Enforcer, store: StateStore
) -> None:
    """The owner cuts the tail *and* the rows it recorded: only an outside anchor tells."""
    anchor = Anchor.parse(str(audit_head(store)))
    _as_intruder(
        store,
        "DELETE FROM audit_log WHERE id >= 3",
        "DELETE FROM review_queue",
        "DELETE FROM actions WHERE id = 3",
        "UPDATE actions SET status = 'applied', updated_at = created_at WHERE id = 1",
    )
    assert verify_audit(store) == 2  # internally consistent: the documented limit
    broken = _broken(store, anchor)
    assert "is not in the log" in broken.reason
    assert broken.entry_id == 5


def test_a_wiped_store_is_caught_by_an_anchor(decided: Enforcer, store: StateStore) -> None:
    anchor = Anchor.parse(str(audit_head(store)))
    _as_intruder(store, "DELETE FROM audit_log", "DELETE FROM review_queue", "DELETE FROM actions")
    assert verify_audit(store) == 0
    assert "is not in the log" in _broken(store, anchor).reason


def test_a_rewritten_entry_at_the_anchored_position_is_named(
    decided: Enforcer, store: StateStore
) -> None:
    head = audit_head(store)
    forged = Anchor("f" * 64, head.sequence)
    broken = _broken(store, forged)
    assert broken.entry_id == head.sequence
    assert "differs from the anchored head" in broken.reason


def test_an_anchor_is_still_found_after_the_log_grew(decided: Enforcer, store: StateStore) -> None:
    anchor = Anchor.parse(str(audit_head(store)))
    decided.reverse(2, "appeals", "second appeal")
    assert verify_audit(store, anchor) == 6
    assert verify_audit(store, Anchor(anchor.hash)) == 6
    assert read_audit(store)[-1].records[0]["image"]["status"] == "reversed"


def test_every_decision_entry_carries_its_row_images(decided: Enforcer, store: StateStore) -> None:
    tables = [[(r["table"], r["key"]) for r in e.records] for e in read_audit(store)]
    assert tables == [
        [("actions", 1)],
        [("actions", 2)],
        [("actions", 3), ("review_queue", 1)],
        [("actions", 3), ("review_queue", 1)],
        [("actions", 1)],
    ]


def test_a_deleted_decision_is_not_hidden_by_its_id_being_reused(
    decided: Enforcer, store: StateStore
) -> None:
    """SQLite hands the highest id out again: the next action would take the deleted one's."""
    _as_intruder(store, "DELETE FROM review_queue", "DELETE FROM actions WHERE id = 3")
    decided.apply([Action(ActionKind.DISABLE_ACCOUNT, "acct-7", "op-2", APPLIED, "sure")], {})
    broken = _broken(store)
    assert broken.entry_id == 4
    assert "actions row 3 recorded here was deleted" in broken.reason
    if store.dialect == "sqlite":
        assert "its id reused by another row (recorded by entry 6)" in broken.reason
