"""Proposals and the four-eyes rule: whoever proposed an action cannot approve it.

An analyst proposes an action (it is queued for review, ``pending_review``); a
reviewer decides it. The proposer is read back from the audit log — the
``queue_review`` entry of that action, whose actor is ``<channel>:<key id>`` — so the
rule needs no new column and holds for proposals from any channel (API, dashboard).
Actions queued by a run (actor ``mercwatch-run``) have no human proposer.
"""

from __future__ import annotations

from sqlalchemy import select

from mercwatch.enforce.enforcer import Enforcer, StoredAction
from mercwatch.errors import StateError
from mercwatch.model.records import Action, ActionKind, ActionStatus
from mercwatch.store.state import actions, audit_log


class SelfApproval(StateError):
    """The reviewer is the one who proposed the action."""


class AlreadyExists(StateError):
    """The same action (kind, subject, operation) is already stored."""

    def __init__(self, existing: StoredAction) -> None:
        super().__init__(
            f"action {existing.id} already exists for this subject and operation "
            f"({existing.action.status.value})"
        )
        self.existing = existing


def key_of(actor: str) -> str:
    """The key id in an actor string (``api:ana`` -> ``ana``); other actors unchanged."""
    channel, sep, key_id = actor.partition(":")
    return key_id if sep and channel in ("api", "dashboard") else actor


def find_action(enforcer: Enforcer, action_id: int) -> StoredAction | None:
    """One stored action, or ``None`` (reads only that action's operation)."""
    with enforcer.store.engine.connect() as conn:
        op = conn.execute(
            select(actions.c.operation_id).where(actions.c.id == action_id)
        ).scalar_one_or_none()
    if op is None:
        return None
    return next((a for a in enforcer.list_actions(operation_id=op) if a.id == action_id), None)


def propose(
    enforcer: Enforcer, kind: ActionKind, subject: str, operation_id: str, reason: str, who: str
) -> StoredAction:
    """Queue an action for review on behalf of ``who``.

    Raises:
        AlreadyExists: that action is already stored (proposed, applied or decided).
    """
    existing = _stored(enforcer, kind, subject, operation_id)
    if existing is not None:
        raise AlreadyExists(existing)
    action = Action(kind, subject, operation_id, ActionStatus.PENDING_REVIEW, reason)
    enforcer.apply([action], {}, who=who)
    stored = _stored(enforcer, kind, subject, operation_id)
    assert stored is not None
    return stored


def proposer(enforcer: Enforcer, action_id: int) -> str | None:
    """Who queued the action for review (the audit actor), or ``None``."""
    with enforcer.store.engine.connect() as conn:
        row = conn.execute(select(actions).where(actions.c.id == action_id)).one_or_none()
        if row is None:
            return None
        actor = conn.execute(
            select(audit_log.c.actor)
            .where(
                audit_log.c.action == f"queue_review:{row.action}",
                audit_log.c.subject == row.subject,
                audit_log.c.operation_id == row.operation_id,
            )
            .order_by(audit_log.c.id)
            .limit(1)
        ).scalar_one_or_none()
    return actor


def approve(enforcer: Enforcer, action_id: int, who: str, note: str = "") -> StoredAction:
    """:meth:`Enforcer.approve`, refused when ``who`` proposed the action.

    Raises:
        SelfApproval: same key as the proposer. StateError: not pending, or no such action.
    """
    queued_by = proposer(enforcer, action_id)
    if queued_by is not None and key_of(queued_by) == key_of(who):
        raise SelfApproval(
            f"action {action_id} was proposed by {key_of(who)!r}: another reviewer must decide"
        )
    return enforcer.approve(action_id, who, note)


def _stored(
    enforcer: Enforcer, kind: ActionKind, subject: str, operation_id: str
) -> StoredAction | None:
    found = [
        a
        for a in enforcer.list_actions(operation_id=operation_id)
        if a.action.action is kind and a.action.subject == subject
    ]
    return found[0] if found else None
