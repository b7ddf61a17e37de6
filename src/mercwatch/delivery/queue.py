"""The queue side of delivery: claim due rows under a lease, then decide each outcome.

A deliverer claims a batch of due rows in one statement (status ``sending``, a fresh
claim token, ``attempts + 1`` and a lease), so two deliverers never claim the same
row; on PostgreSQL ``SKIP LOCKED`` lets them share the queue without waiting. A row
is due when it is ``pending`` and past its retry time, or ``sending`` under a lease
that ran out (its deliverer crashed): a claimed row is never forgotten. Each result
is then recorded only by the deliverer still holding the claim token.

Used by :class:`mercwatch.notify.outbox.Outbox` and
:class:`mercwatch.enforce.delivery.EnforcementQueue`; both tables have the columns
``id``, ``status``, ``attempts``, ``next_attempt_at``, ``claim_token``, ``claimed_until``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, Table, Update, and_, or_, select

Outcome = Literal["sent", "retry", "failed"]


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """One message's outcome; ``permanent`` failures are not retried."""

    idempotency_key: str
    ok: bool
    error: str = ""
    permanent: bool = False


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff ``base * 2**(attempt-1)``, capped; a lease for crashed claims.

    The lease is renewed before every message, so it only has to outlast one send;
    the outbox still stretches it to three times the adapter's timeout when longer.
    """

    max_attempts: int = 8
    base: timedelta = timedelta(minutes=1)
    cap: timedelta = timedelta(hours=6)
    lease: timedelta = timedelta(minutes=10)

    def delay(self, attempts: int) -> timedelta:
        return min(self.base * (2 ** max(attempts - 1, 0)), self.cap)


def claim_due(
    table: Table,
    *,
    token: str,
    now: datetime,
    lease: timedelta,
    batch_size: int,
    also: ColumnElement[bool] | None = None,
) -> Update:
    """The one statement that claims up to ``batch_size`` due rows for ``token``.

    Args:
        table: the queue table.
        token: this deliverer's fresh claim token.
        now: naive UTC "now"; the claim holds until ``now + lease``.
        also: a further condition a row must meet to be due (e.g. "its apply was sent").
    """
    t = table.c
    due: ColumnElement[bool] = or_(
        and_(t.status == "pending", t.next_attempt_at <= now),
        and_(t.status == "sending", t.claimed_until <= now),
    )
    if also is not None:
        due = and_(due, also)
    ids = select(t.id).where(due).order_by(t.id).limit(batch_size).with_for_update(skip_locked=True)
    return (
        table.update()
        .where(t.id.in_(ids))
        .values(
            status="sending",
            claim_token=token,
            attempts=t.attempts + 1,
            claimed_until=now + lease,
        )
    )


def outcome(result: DeliveryResult | None, attempts: Any, retry: RetryPolicy) -> Outcome:
    """``sent``; ``failed`` when the receiver refused for good or attempts are used up;
    else ``retry`` (after ``retry.delay(attempts)``). No result counts as retryable."""
    if result is not None and result.ok:
        return "sent"
    if (result is not None and result.permanent) or int(attempts) >= retry.max_attempts:
        return "failed"
    return "retry"
