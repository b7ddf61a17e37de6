"""The overview's enforcement counts, read from the state store as decisions happen.

The run folder's ``summary.json`` and ``enforcement.jsonl`` say what the run decided
when it ran; approvals, rejections and reversals made afterwards (dashboard, API,
CLI) change only the state store. The overview used to show the run-time numbers, so
an approved action never moved them; these counts are read from the store on each
page view instead (a handful of ``GROUP BY`` queries on indexed columns).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from mercwatch.model import ActionKind, ActionStatus
from mercwatch.notify import Outbox
from mercwatch.store.state import StateStore, actions, review_queue


@dataclass(frozen=True, slots=True)
class DecisionCounts:
    """Where enforcement stands now.

    Attributes:
        proposed: actions waiting for a reviewer (``pending_review``).
        approved: queued actions a reviewer approved (whatever happened to them since).
        rejected: actions a reviewer turned down.
        applied: actions in force now (applied by policy or approved, not reversed).
        reversed: actions undone on appeal.
        accounts_disabled: distinct accounts with a ``disable_account`` in force.
        people_to_warn: distinct people in the notification outbox.
    """

    proposed: int
    approved: int
    rejected: int
    applied: int
    reversed: int
    accounts_disabled: int
    people_to_warn: int


def decision_counts(store: StateStore) -> DecisionCounts:
    """The counts of :class:`DecisionCounts`, as the store holds them now."""
    with store.engine.connect() as conn:
        by_status: dict[str, int] = dict(
            conn.execute(select(actions.c.status, func.count()).group_by(actions.c.status)).all()
        )
        approved = conn.execute(
            select(func.count()).select_from(review_queue).where(review_queue.c.state == "approved")
        ).scalar_one()
        disabled = conn.execute(
            select(func.count(func.distinct(actions.c.subject))).where(
                actions.c.action == ActionKind.DISABLE_ACCOUNT.value,
                actions.c.status == ActionStatus.APPLIED.value,
            )
        ).scalar_one()
    return DecisionCounts(
        proposed=int(by_status.get(ActionStatus.PENDING_REVIEW.value, 0)),
        approved=int(approved),
        rejected=int(by_status.get(ActionStatus.REJECTED.value, 0)),
        applied=int(by_status.get(ActionStatus.APPLIED.value, 0)),
        reversed=int(by_status.get(ActionStatus.REVERSED.value, 0)),
        accounts_disabled=int(disabled),
        people_to_warn=Outbox(store).status().people,
    )
