"""Applying decided actions to the state store: idempotent, reviewed, reversible, audited.

A crashed run is rerun on the same input (DESIGN.md), so :meth:`Enforcer.apply` must
add nothing the second time: actions are unique on (action, subject, operation) and
an action already stored keeps its stored status, so a rerun never re-applies what an
analyst rejected or reversed on appeal. Every change writes one audit entry in the
same transaction, and that entry carries the images of the rows it wrote
(``audit_rows``), so the log and the state never disagree and ``audit verify`` can prove it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, tuple_

from mercwatch.enforce.audit import AuditWriter
from mercwatch.enforce.audit_rows import read_images
from mercwatch.enforce.policy import Policy
from mercwatch.errors import StateError
from mercwatch.model.records import Action, ActionKind, ActionStatus, Evidence
from mercwatch.store.state import Clock, StateStore, actions, review_queue, to_naive_utc, utcnow

_KEY_CHUNK = 300
_FALLBACK_EVIDENCE = 10


@dataclass(frozen=True, slots=True)
class StoredAction:
    """An action as the state store holds it, with the id analysts refer to."""

    id: int
    action: Action
    policy_version: str
    created_at: datetime
    updated_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, **self.action.to_dict(), "policy_version": self.policy_version}


def _stored(row: Any) -> StoredAction:
    action = Action(
        ActionKind(row.action), row.subject, row.operation_id, ActionStatus(row.status), row.reason
    )
    return StoredAction(row.id, action, row.policy_version, row.created_at, row.updated_at)


def evidence_for(action: Action, evidence: Sequence[Evidence]) -> list[dict[str, Any]]:
    """The evidence behind ``action``: items about its subject, else the operation's strongest."""
    own = [e for e in evidence if e.subject == action.subject]
    if not own:
        own = sorted(evidence, key=lambda e: (-e.score, e.detector, e.subject))[:_FALLBACK_EVIDENCE]
    return [e.to_dict() for e in own]


class Enforcer:
    """Writes actions, review decisions and reversals, each with its audit entry.

    Args:
        store: the state store.
        policy: the policy in force (its version goes into the audit log).
        clock: returns "now"; injected so tests control time.
    """

    def __init__(self, store: StateStore, policy: Policy, clock: Clock = utcnow) -> None:
        self.store = store
        self.policy = policy
        self.clock = clock

    def apply(
        self,
        actions_: Sequence[Action],
        evidence_by_operation: Mapping[str, Sequence[Evidence]],
        who: str = "mercwatch-run",
        dry_run: bool = False,
    ) -> list[Action]:
        """Store ``actions_`` (applied or pending_review) once; return them as stored.

        In ``dry_run`` nothing is written and every action comes back as ``dry_run``.

        Raises:
            StateError: an input action is neither applied nor pending_review, or the
                store failed (the whole call is rolled back).
        """
        for action in actions_:
            if action.status not in (ActionStatus.APPLIED, ActionStatus.PENDING_REVIEW):
                raise StateError(f"cannot apply an action with status {action.status.value!r}")
        if dry_run:
            return [replace(a, status=ActionStatus.DRY_RUN) for a in actions_]
        now = to_naive_utc(self.clock())
        result: list[Action] = []
        with self.store.transaction() as conn:
            audit = AuditWriter.begin(conn, now)
            known = _existing(conn, actions_)
            written: list[tuple[Action, int]] = []
            for action in actions_:
                key = (action.action.value, action.subject, action.operation_id)
                if key not in known:
                    written.append((action, self._insert(conn, action, now)))
                    known[key] = action
                result.append(known[key])
            # Rows first, then one read-back for all of them: the entries need the rows
            # as stored, and reading them one by one doubled the time of a large run.
            images = _images_by_action(conn, [action_id for _, action_id in written])
            for action, action_id in written:
                evidence = evidence_by_operation.get(action.operation_id, ())
                verb = "queue_review" if action.status is ActionStatus.PENDING_REVIEW else "apply"
                audit.append(
                    ts=now,
                    actor=who,
                    action=f"{verb}:{action.action.value}",
                    subject=action.subject,
                    operation_id=action.operation_id,
                    reason=action.reason,
                    evidence=evidence_for(action, evidence),
                    policy_version=self.policy.version,
                    records=images[action_id],
                )
        return result

    def _insert(self, conn: Connection, action: Action, now: datetime) -> int:
        """Insert the action (and its review-queue row when pending); returns its id."""
        inserted = conn.execute(
            actions.insert().values(
                action=action.action.value,
                subject=action.subject,
                operation_id=action.operation_id,
                status=action.status.value,
                reason=action.reason,
                policy_version=self.policy.version,
                created_at=now,
                updated_at=now,
            )
        ).inserted_primary_key
        if inserted is None:
            raise StateError("the database returned no id for a new action")
        action_id = int(inserted[0])
        if action.status is ActionStatus.PENDING_REVIEW:
            conn.execute(
                review_queue.insert().values(action_id=action_id, state="open", queued_at=now)
            )
        return action_id

    def list_actions(
        self, status: ActionStatus | None = None, operation_id: str | None = None
    ) -> list[StoredAction]:
        """Stored actions in id order, optionally filtered."""
        query = select(actions).order_by(actions.c.id)
        if status is not None:
            query = query.where(actions.c.status == status.value)
        if operation_id is not None:
            query = query.where(actions.c.operation_id == operation_id)
        with self.store.engine.connect() as conn:
            return [_stored(r) for r in conn.execute(query)]

    def pending_reviews(self) -> list[StoredAction]:
        """The review queue: actions waiting for an analyst, oldest first."""
        return self.list_actions(ActionStatus.PENDING_REVIEW)

    def approve(self, action_id: int, who: str, note: str = "") -> StoredAction:
        """An analyst confirms a queued action: it becomes applied."""
        return self._review(action_id, who, note, ActionStatus.APPLIED, "approve", "approved")

    def reject(self, action_id: int, who: str, note: str = "") -> StoredAction:
        """An analyst turns a queued action down: it becomes rejected, nothing happens."""
        return self._review(action_id, who, note, ActionStatus.REJECTED, "reject", "rejected")

    def _review(
        self, action_id: int, who: str, note: str, to: ActionStatus, decision: str, state: str
    ) -> StoredAction:
        now = to_naive_utc(self.clock())
        with self.store.transaction() as conn:
            audit = AuditWriter.begin(conn, now)
            row = _transition(conn, action_id, ActionStatus.PENDING_REVIEW, to, now)
            conn.execute(
                review_queue.update()
                .where(review_queue.c.action_id == action_id)
                .values(state=state, decided_at=now, decided_by=who, note=note or None)
            )
            audit.append(
                ts=now,
                actor=who,
                action=f"review_{decision}:{row.action}",
                subject=row.subject,
                operation_id=row.operation_id,
                reason=note or f"review: {decision}",
                evidence=[],
                policy_version=row.policy_version,
                records=_images_by_action(conn, [action_id])[action_id],
            )
            return _stored(_reload(conn, action_id))

    def reverse(self, action_id: int, who: str, reason: str) -> StoredAction:
        """Undo an applied action on appeal: status ``reversed``, with an audit entry.

        The platform restores the account, domain or URL when it sees ``reversed``; a
        rerun on the same input never re-applies it, because the action is still stored.
        """
        if not reason.strip():
            raise StateError("a reversal needs a reason")
        now = to_naive_utc(self.clock())
        with self.store.transaction() as conn:
            audit = AuditWriter.begin(conn, now)
            # An action whose evidence a later run withdrew is still in effect: reversible.
            held = (ActionStatus.APPLIED, ActionStatus.EVIDENCE_WITHDRAWN)
            row = _transition(conn, action_id, held, ActionStatus.REVERSED, now)
            audit.append(
                ts=now,
                actor=who,
                action=f"reverse:{row.action}",
                subject=row.subject,
                operation_id=row.operation_id,
                reason=reason,
                evidence=[],
                policy_version=row.policy_version,
                records=_images_by_action(conn, [action_id])[action_id],
            )
            return _stored(_reload(conn, action_id))


def _images_by_action(conn: Connection, action_ids: Sequence[int]) -> dict[int, list[Any]]:
    """Per action id, the images of its ``actions`` row and review-queue row, as stored now."""
    images: dict[int, list[Any]] = {action_id: [] for action_id in action_ids}
    for start in range(0, len(action_ids), _KEY_CHUNK):
        chunk = list(action_ids[start : start + _KEY_CHUNK])
        for record in read_images(conn, actions, chunk):
            images[record["key"]].append(record)
        reviews = conn.execute(
            select(review_queue.c.id, review_queue.c.action_id).where(
                review_queue.c.action_id.in_(chunk)
            )
        ).all()
        owner = {row.id: row.action_id for row in reviews}
        for record in read_images(conn, review_queue, owner):
            images[owner[record["key"]]].append(record)
    return images


def _reload(conn: Connection, action_id: int) -> Any:
    return conn.execute(select(actions).where(actions.c.id == action_id)).one()


def _transition(
    conn: Connection,
    action_id: int,
    expect: ActionStatus | tuple[ActionStatus, ...],
    to: ActionStatus,
    now: datetime,
) -> Any:
    """Move one action from ``expect`` (one status or any of several) to ``to``; the
    caller holds the audit head lock."""
    row = conn.execute(select(actions).where(actions.c.id == action_id)).one_or_none()
    if row is None:
        raise StateError(f"no action with id {action_id}")
    allowed = expect if isinstance(expect, tuple) else (expect,)
    if row.status not in {s.value for s in allowed}:
        wanted = " or ".join(s.value for s in allowed)
        raise StateError(f"action {action_id} is {row.status}, not {wanted}: nothing to do")
    conn.execute(
        actions.update().where(actions.c.id == action_id).values(status=to.value, updated_at=now)
    )
    return row


def _existing(conn: Connection, wanted: Sequence[Action]) -> dict[tuple[str, str, str], Action]:
    """The stored version of any of ``wanted`` already in the store."""
    keys = sorted({(a.action.value, a.subject, a.operation_id) for a in wanted})
    found: dict[tuple[str, str, str], Action] = {}
    key_cols = tuple_(actions.c.action, actions.c.subject, actions.c.operation_id)
    for start in range(0, len(keys), _KEY_CHUNK):
        chunk = keys[start : start + _KEY_CHUNK]
        for row in conn.execute(select(actions).where(key_cols.in_(chunk))):
            found[(row.action, row.subject, row.operation_id)] = _stored(row).action
    return found
