"""The notification outbox: enqueue once, deliver with retries, never warn anyone twice.

The guarantee, stated honestly: delivery is **at least once** and its **effect is
exactly once**. Every notification has a deterministic idempotency key (from account
and operation) that travels with every attempt (SMTP ``Message-ID``, webhook
``Idempotency-Key``). A row is claimed (status ``sending``, a lease), sent, then
marked ``sent``. If the process dies between sending and marking, the lease runs out
and a later run sends the same message again with the same key; the receiver drops
the repeat. Nothing is lost (a claimed row is never forgotten) and nothing is shown
twice, provided the receiving side deduplicates on the key - which both shipped
adapters' receivers are expected to do (see ``mercwatch.notify.adapters``).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import and_, bindparam, func, or_, select

from mercwatch.errors import DeliveryError
from mercwatch.model.records import Notification, Phase
from mercwatch.notify.render import MessageRenderer, pick_locale
from mercwatch.store.state import (
    Clock,
    StateStore,
    insert_ignore,
    notification_outbox,
    to_naive_utc,
    utcnow,
)

_T = notification_outbox
_ENQUEUE_CHUNK = 1000
STATUSES = ("pending", "sending", "sent", "failed")


def idempotency_key(account_id: str, operation_id: str) -> str:
    """Same (account, operation) -> same key, even from a rebuilt store."""
    return hashlib.sha256(f"mercwatch\x1f{account_id}\x1f{operation_id}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """What an adapter sends: the rendered warning plus its idempotency key."""

    idempotency_key: str
    account_id: str
    operation_id: str
    level: Phase
    locale: str
    recipient: str | None
    subject: str
    text: str
    html: str
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """One message's outcome; ``permanent`` failures are not retried."""

    idempotency_key: str
    ok: bool
    error: str = ""
    permanent: bool = False


class DeliveryAdapter(Protocol):
    """A channel: sends a batch (one connection) and reports each message's outcome.

    Raise :class:`DeliveryError` when nothing in the batch could be sent (e.g. the
    server is down); every message is then retried later.
    """

    def send_batch(self, messages: Sequence[OutgoingMessage]) -> list[DeliveryResult]: ...


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff: ``base * 2**(attempt-1)``, capped; a lease for crashed claims."""

    max_attempts: int = 8
    base: timedelta = timedelta(minutes=1)
    cap: timedelta = timedelta(hours=6)
    lease: timedelta = timedelta(minutes=10)

    def delay(self, attempts: int) -> timedelta:
        return min(self.base * (2 ** max(attempts - 1, 0)), self.cap)


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What one :meth:`Outbox.deliver` call did."""

    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    batches: int = 0


@dataclass(frozen=True, slots=True)
class OutboxStatus:
    """Row counts per status, and when the next retry is due."""

    pending: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0
    next_attempt_at: datetime | None = None
    by_level: tuple[tuple[str, int], ...] = field(default=())


class Outbox:
    """Notifications waiting for, or done with, delivery.

    Args:
        store: the state store holding the ``notification_outbox`` table.
        clock: "now", injected so tests move time instead of sleeping.
        renderer: turns (level, locale) into subject and bodies.
        retry: backoff and lease settings.
    """

    def __init__(
        self,
        store: StateStore,
        clock: Clock = utcnow,
        renderer: MessageRenderer | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.renderer = renderer or MessageRenderer()
        self.retry = retry or RetryPolicy()

    def enqueue(
        self,
        notifications: Sequence[Notification],
        locales: Mapping[str, str] | None = None,
        recipients: Mapping[str, str] | None = None,
    ) -> int:
        """Add notifications not already in the outbox; returns how many were new.

        A rerun enqueues nothing twice: (account_id, operation_id) and the idempotency
        key are unique, and duplicates are skipped inside the database.
        """
        now = to_naive_utc(self.clock())
        locales, recipients = locales or {}, recipients or {}
        rows = [
            {
                "idempotency_key": idempotency_key(n.account_id, n.operation_id),
                "account_id": n.account_id,
                "operation_id": n.operation_id,
                "level": n.level.value,
                "reasons": list(n.reasons),
                "locale": pick_locale(locales.get(n.account_id)),
                "recipient": recipients.get(n.account_id),
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for n in notifications
        ]
        added = 0
        with self.store.transaction() as conn:
            statement = insert_ignore(self.store.dialect, _T, ["account_id", "operation_id"])
            for start in range(0, len(rows), _ENQUEUE_CHUNK):
                chunk = rows[start : start + _ENQUEUE_CHUNK]
                added += len(conn.execute(statement.returning(_T.c.id), chunk).all())
        return added

    def deliver(
        self, adapter: DeliveryAdapter, batch_size: int = 500, max_batches: int | None = None
    ) -> DeliveryReport:
        """Send everything due, one claimed batch (one adapter connection) at a time."""
        totals = DeliveryReport()
        while max_batches is None or totals.batches < max_batches:
            token, claimed = self._claim(batch_size)
            if not claimed:
                break
            sent, retrying, failed = self._send(adapter, token, claimed)
            totals = DeliveryReport(
                totals.claimed + len(claimed),
                totals.sent + sent,
                totals.retrying + retrying,
                totals.failed + failed,
                totals.batches + 1,
            )
        return totals

    def _claim(self, batch_size: int) -> tuple[str, list[Any]]:
        """Mark up to ``batch_size`` due rows ``sending`` under a fresh token and lease.

        Due means pending and past its retry time, or claimed by a run whose lease ran
        out (it crashed). One statement, so two workers never claim the same row; on
        PostgreSQL ``SKIP LOCKED`` lets them share the queue without waiting.
        """
        now = to_naive_utc(self.clock())
        token = uuid.uuid4().hex
        due = or_(
            and_(_T.c.status == "pending", _T.c.next_attempt_at <= now),
            and_(_T.c.status == "sending", _T.c.claimed_until <= now),
        )
        ids = (
            select(_T.c.id)
            .where(due)
            .order_by(_T.c.id)
            .limit(batch_size)
            .with_for_update(skip_locked=True)
        )
        claim = (
            _T.update()
            .where(_T.c.id.in_(ids))
            .values(
                status="sending",
                claim_token=token,
                attempts=_T.c.attempts + 1,
                claimed_until=now + self.retry.lease,
            )
            .returning(*_T.c)
        )
        with self.store.transaction() as conn:
            rows = sorted(conn.execute(claim).all(), key=lambda r: r.id)
        return token, rows

    def _message(self, row: Any) -> OutgoingMessage:
        rendered = self.renderer.render(Phase(row.level), row.locale)
        return OutgoingMessage(
            idempotency_key=row.idempotency_key,
            account_id=row.account_id,
            operation_id=row.operation_id,
            level=Phase(row.level),
            locale=rendered.locale,
            recipient=row.recipient,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            reasons=tuple(row.reasons),
        )

    def _send(self, adapter: DeliveryAdapter, token: str, rows: list[Any]) -> tuple[int, int, int]:
        messages = [self._message(r) for r in rows]
        try:
            results = {r.idempotency_key: r for r in adapter.send_batch(messages)}
        except DeliveryError as exc:
            results = {
                m.idempotency_key: DeliveryResult(m.idempotency_key, False, str(exc))
                for m in messages
            }
        return self._mark(token, rows, results)

    def _mark(
        self, token: str, rows: list[Any], results: Mapping[str, DeliveryResult]
    ) -> tuple[int, int, int]:
        now = to_naive_utc(self.clock())
        sent: list[dict[str, Any]] = []
        retry: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        for row in rows:
            result = results.get(row.idempotency_key) or DeliveryResult(
                row.idempotency_key, False, "adapter returned no result"
            )
            params = {"b_id": row.id, "b_token": token, "b_error": result.error or None}
            if result.ok:
                sent.append(params)
            elif result.permanent or row.attempts >= self.retry.max_attempts:
                failed.append(params)
            else:
                retry.append({**params, "b_next": now + self.retry.delay(row.attempts)})
        mine = and_(_T.c.id == bindparam("b_id"), _T.c.claim_token == bindparam("b_token"))
        with self.store.transaction() as conn:
            if sent:
                conn.execute(
                    _T.update()
                    .where(mine)
                    .values(
                        status="sent",
                        sent_at=now,
                        claim_token=None,
                        claimed_until=None,
                        last_error=None,
                    ),
                    sent,
                )
            if retry:
                conn.execute(
                    _T.update()
                    .where(mine)
                    .values(
                        status="pending",
                        next_attempt_at=bindparam("b_next"),
                        claim_token=None,
                        claimed_until=None,
                        last_error=bindparam("b_error"),
                    ),
                    retry,
                )
            if failed:
                conn.execute(
                    _T.update()
                    .where(mine)
                    .values(
                        status="failed",
                        claim_token=None,
                        claimed_until=None,
                        last_error=bindparam("b_error"),
                    ),
                    failed,
                )
        return len(sent), len(retry), len(failed)

    def status(self) -> OutboxStatus:
        """Counts per status and the earliest pending retry."""
        with self.store.engine.connect() as conn:
            counts = dict(
                conn.execute(select(_T.c.status, func.count()).group_by(_T.c.status)).all()
            )
            next_at = conn.execute(
                select(func.min(_T.c.next_attempt_at)).where(_T.c.status == "pending")
            ).scalar_one()
            levels = conn.execute(
                select(_T.c.level, func.count()).group_by(_T.c.level).order_by(_T.c.level)
            ).all()
        return OutboxStatus(
            *(int(counts.get(s, 0)) for s in STATUSES),
            next_attempt_at=next_at,
            by_level=tuple(levels),
        )

    def retry_failed(self) -> int:
        """Put permanently failed rows back in the queue (after fixing the cause)."""
        now = to_naive_utc(self.clock())
        with self.store.transaction() as conn:
            return int(
                conn.execute(
                    _T.update()
                    .where(_T.c.status == "failed")
                    .values(status="pending", attempts=0, next_attempt_at=now)
                ).rowcount
            )
