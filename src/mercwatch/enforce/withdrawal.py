"""Decisions a later run no longer supports: held for a person, never undone silently.

Incremental and continuous runs (``run`` on a grown export, ``watch``) decide on the
evidence seen so far. A later batch can take that evidence away: an operation seen on
the first days' events dissolves once the rest arrives (its accounts turn out to be a
crowd, or the link stage groups them differently). Found by streaming a platform into
``watch``: after the first of four batches, four accounts were disabled for an
operation that the run over all events did not report — one of them benign — and
nothing ever looked at them again.

What happens to a run's own decision that the current run does not make again:

* ``pending_review`` -> ``superseded``: nothing reached the platform, and the review
  queue should not ask a person to approve what the evidence no longer shows. If a
  later run wants it again, it goes back to ``pending_review``.
* ``applied`` -> ``evidence_withdrawn``: the platform keeps the effect (a disabled
  account stays disabled, the delivery queue sends nothing new) until a reviewer
  reverses it (``review reverse`` accepts it) — undoing it automatically would let an
  operation restore its accounts by diluting the evidence with noise. If a later run
  supports it again, it goes back to ``applied``.

Only decisions a run made (audit actor ``mercwatch-run``) are reconsidered; an
analyst's proposal is not evidence-driven and stays. Partial runs (a detector failed,
or ``--only``/``--skip`` chose some) and dry runs reconsider nothing: they do not see
all the evidence. Every change has its audit entry, in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, String, exists, func, literal, or_, select

from mercwatch.enforce.audit import AuditWriter
from mercwatch.enforce.enforcer import Enforcer, _images_by_action, _transition
from mercwatch.model.records import Action, ActionStatus
from mercwatch.store.state import actions, audit_log, review_queue, to_naive_utc

RUN_ACTOR = "mercwatch-run"
_HELD = (ActionStatus.EVIDENCE_WITHDRAWN.value, ActionStatus.SUPERSEDED.value)


@dataclass(frozen=True, slots=True)
class Reconciled:
    """Action ids moved by one :func:`reconcile`, per kind of move."""

    withdrawn: tuple[int, ...] = ()  # applied -> evidence_withdrawn
    superseded: tuple[int, ...] = ()  # pending_review -> superseded
    restored: tuple[int, ...] = ()  # evidence_withdrawn -> applied
    reopened: tuple[int, ...] = ()  # superseded -> pending_review
    # Actions held after this call, per status (``evidence_withdrawn``, ``superseded``):
    # the state, not the moves, so a rerun after a crash reports the same.
    held: tuple[tuple[str, int], ...] = ()

    def to_dict(self) -> dict[str, list[int]]:
        return {
            "withdrawn": list(self.withdrawn),
            "superseded": list(self.superseded),
            "restored": list(self.restored),
            "reopened": list(self.reopened),
        }


_MOVES = {
    # status now -> (status after, audit verb, review-queue state or None)
    "withdraw": (ActionStatus.APPLIED, ActionStatus.EVIDENCE_WITHDRAWN, None),
    "supersede": (ActionStatus.PENDING_REVIEW, ActionStatus.SUPERSEDED, "superseded"),
    "restore": (ActionStatus.EVIDENCE_WITHDRAWN, ActionStatus.APPLIED, None),
    "reopen": (ActionStatus.SUPERSEDED, ActionStatus.PENDING_REVIEW, "open"),
}
_REASONS = {
    "withdraw": "evidence withdrawn: no operation of this run supports it; still in effect "
    "until a reviewer reverses it",
    "supersede": "superseded: no operation of this run supports it; nothing reached the platform",
    "restore": "evidence restored: this run supports it again",
    "reopen": "reopened: this run supports it again",
}


def reconcile(enforcer: Enforcer, wanted: Sequence[Action], who: str = RUN_ACTOR) -> Reconciled:
    """Bring the run's earlier decisions in line with what this (complete) run wants."""
    supported = {(a.action.value, a.subject) for a in wanted}
    exact = {(a.action.value, a.subject, a.operation_id) for a in wanted}
    now = to_naive_utc(enforcer.clock())
    moved: dict[str, list[int]] = {verb: [] for verb in _MOVES}
    with enforcer.store.transaction() as conn:
        audit: AuditWriter | None = None
        for row in _reconsidered(conn):
            verb = _verb(row, supported, exact)
            if verb is None:
                continue
            audit = audit or AuditWriter.begin(conn, now)
            expect, to, queue_state = _MOVES[verb]
            _transition(conn, row.id, expect, to, now)
            if queue_state is not None:
                conn.execute(
                    review_queue.update()
                    .where(review_queue.c.action_id == row.id)
                    .values(state=queue_state)
                )
            audit.append(
                ts=now,
                actor=who,
                action=f"{verb}:{row.action}",
                subject=row.subject,
                operation_id=row.operation_id,
                reason=_REASONS[verb],
                evidence=[],
                policy_version=enforcer.policy.version,
                records=_images_by_action(conn, [row.id])[row.id],
            )
            moved[verb].append(row.id)
        held = conn.execute(
            select(actions.c.status, func.count())
            .where(actions.c.status.in_(_HELD))
            .group_by(actions.c.status)
            .order_by(actions.c.status)
        ).all()
    return Reconciled(
        held=tuple((str(status), int(n)) for status, n in held),
        withdrawn=tuple(moved["withdraw"]),
        superseded=tuple(moved["supersede"]),
        restored=tuple(moved["restore"]),
        reopened=tuple(moved["reopen"]),
    )


def _verb(
    row: Any, supported: set[tuple[str, str]], exact: set[tuple[str, str, str]]
) -> str | None:
    status = ActionStatus(row.status)
    pair = (row.action, row.subject)
    key = (row.action, row.subject, row.operation_id)
    if status is ActionStatus.APPLIED and pair not in supported:
        return "withdraw"
    if status is ActionStatus.EVIDENCE_WITHDRAWN and pair in supported:
        return "restore"
    # A pending decision is about one operation: under another id it is a new action.
    if status is ActionStatus.PENDING_REVIEW and key not in exact:
        return "supersede"
    if status is ActionStatus.SUPERSEDED and key in exact:
        return "reopen"
    return None


def _reconsidered(conn: Connection) -> list[Any]:
    """The run's own actions in a status a run may move, oldest first."""
    made_by_run = exists().where(
        audit_log.c.actor == RUN_ACTOR,
        audit_log.c.subject == actions.c.subject,
        audit_log.c.operation_id == actions.c.operation_id,
        or_(
            audit_log.c.action == literal("apply:", String) + actions.c.action,
            audit_log.c.action == literal("queue_review:", String) + actions.c.action,
        ),
    )
    movable = sorted({expect.value for expect, _, _ in _MOVES.values()})
    query = (
        select(actions.c.id, actions.c.action, actions.c.subject)
        .add_columns(actions.c.operation_id, actions.c.status)
        .where(actions.c.status.in_(movable), made_by_run)
        .order_by(actions.c.id)
    )
    return list(conn.execute(query))
