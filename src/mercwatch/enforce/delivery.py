"""Getting enforcement decisions to the platform: queued once, delivered, effect exactly once.

The same discipline as the notification outbox (:mod:`mercwatch.notify.outbox`), with
the same claim and outcome rules (:mod:`mercwatch.delivery.queue`):

- :meth:`EnforcementQueue.sync` turns decisions in the ``actions`` table into rows of
  ``enforcement_delivery``: an ``apply`` row per applied action, a ``reverse`` row
  per action reversed on appeal. Keys are unique and deterministic (from the action's
  kind, subject, operation and effect), so a rerun queues nothing twice and a rebuilt
  store sends the same keys again.
- :meth:`EnforcementQueue.deliver` claims due rows under a lease (one statement, so
  two deliverers never claim the same row), calls the adapter, then marks each row
  ``sent`` — only if it still holds the claim. A deliverer killed between the call
  and the mark leaves the row ``sending``; when the lease runs out a later run sends
  it again *with the same key*, and the platform acts once (it deduplicates on the
  key, as the contract requires). So delivery is at least once and the effect exactly
  once; nothing is lost, because a claimed row is never forgotten.
- A ``reverse`` is sent only after its ``apply`` was sent, so the platform never sees
  "restore" before "disable". An action reversed before its ``apply`` was ever
  attempted is cancelled instead: nothing reached the platform, nothing to undo.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import and_, bindparam, exists, func, or_, select

from mercwatch.delivery.queue import DeliveryResult, RetryPolicy, claim_due, outcome
from mercwatch.enforce.adapter import EnforcementCall
from mercwatch.model.records import ActionStatus
from mercwatch.store.state import (
    Clock,
    StateStore,
    actions,
    enforcement_delivery,
    insert_ignore,
    to_naive_utc,
    utcnow,
)

_T = enforcement_delivery
APPLY, REVERSE = "apply", "reverse"
STATUSES = ("pending", "sending", "sent", "failed", "cancelled")


def effect_key(action: str, subject: str, operation_id: str, effect: str) -> str:
    """Same decision and effect -> same key, even from a rebuilt store."""
    material = "\x1f".join(("mercwatch-enforcement", action, subject, operation_id, effect))
    return hashlib.sha256(material.encode()).hexdigest()


class EnforcementAdapter(Protocol):
    def send_batch(self, calls: Sequence[EnforcementCall]) -> list[DeliveryResult]: ...


@dataclass(frozen=True, slots=True)
class EnforcementReport:
    """What one :meth:`EnforcementQueue.deliver` call did."""

    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0


class EnforcementQueue:
    """Deliveries of enforcement effects to the platform.

    Args:
        store: the state store (migrated to 0004 or later).
        clock: "now", injected so tests move time instead of sleeping.
        retry: backoff, attempts and the lease after which a crashed claim is retaken.
    """

    def __init__(
        self, store: StateStore, *, clock: Clock = utcnow, retry: RetryPolicy | None = None
    ) -> None:
        self.store, self.clock = store, clock
        self.retry = retry or RetryPolicy()

    def sync(self) -> int:
        """Queue the effects of every decision not queued yet; returns how many were added."""
        now = to_naive_utc(self.clock())
        added = 0
        with self.store.transaction() as conn:
            insert = insert_ignore(self.store.dialect, _T, ["idempotency_key"])
            queued_apply = exists().where(
                and_(_T.c.action_id == actions.c.id, _T.c.effect == APPLY)
            )
            for row in conn.execute(
                select(actions).where(
                    actions.c.status.in_([ActionStatus.APPLIED.value, ActionStatus.REVERSED.value]),
                    ~queued_apply,
                )
            ).all():
                if row.status == ActionStatus.REVERSED.value:
                    continue  # reversed before it was ever queued: nothing to send
                added += self._insert(conn, insert, row, APPLY, now)
            queued_reverse = exists().where(
                and_(_T.c.action_id == actions.c.id, _T.c.effect == REVERSE)
            )
            for row in conn.execute(
                select(actions).where(
                    actions.c.status == ActionStatus.REVERSED.value, queued_apply, ~queued_reverse
                )
            ).all():
                cancelled = conn.execute(
                    _T.update()
                    .where(
                        _T.c.action_id == row.id,
                        _T.c.effect == APPLY,
                        _T.c.status == "pending",
                        _T.c.attempts == 0,
                    )
                    .values(status="cancelled", last_error="reversed before it was sent")
                ).rowcount
                if not cancelled:
                    added += self._insert(conn, insert, row, REVERSE, now)
        return added

    def _insert(self, conn: Any, insert: Any, action: Any, effect: str, now: Any) -> int:
        """1 if the row was added, 0 if its key was already queued (RETURNING, because
        psycopg reports no row count for ``ON CONFLICT DO NOTHING``)."""
        added = conn.execute(insert.values(**self._row(action, effect, now)).returning(_T.c.id))
        return len(added.all())

    @staticmethod
    def _row(action: Any, effect: str, now: Any) -> dict[str, Any]:
        return {
            "idempotency_key": effect_key(
                action.action, action.subject, action.operation_id, effect
            ),
            "action_id": action.id,
            "effect": effect,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }

    def deliver(self, adapter: EnforcementAdapter, batch_size: int = 100) -> EnforcementReport:
        """Send everything due, one claimed batch at a time, until nothing is due."""
        totals = EnforcementReport()
        while True:
            token, rows = self._claim(batch_size)
            if not rows:
                return totals
            results = {r.idempotency_key: r for r in adapter.send_batch([_call(r) for r in rows])}
            sent, retrying, failed = self._mark(token, rows, results)
            totals = EnforcementReport(
                totals.claimed + len(rows),
                totals.sent + sent,
                totals.retrying + retrying,
                totals.failed + failed,
            )

    def _claim(self, batch_size: int) -> tuple[str, list[Any]]:
        now = to_naive_utc(self.clock())
        token = uuid.uuid4().hex
        applied = _T.alias("applied")
        apply_sent = exists().where(
            and_(
                applied.c.action_id == _T.c.action_id,
                applied.c.effect == APPLY,
                applied.c.status == "sent",
            )
        )
        claim = claim_due(
            _T,
            token=token,
            now=now,
            lease=self.retry.lease,
            batch_size=batch_size,
            also=or_(_T.c.effect == APPLY, apply_sent),
        )
        decision = (actions.c.action, actions.c.subject, actions.c.operation_id, actions.c.reason)
        joined = (
            select(_T, *decision)
            .join(actions, actions.c.id == _T.c.action_id)
            .where(_T.c.claim_token == token)
            .order_by(_T.c.id)
        )
        with self.store.transaction() as conn:
            conn.execute(claim)
            rows = conn.execute(joined).all()
        return token, list(rows)

    def _mark(
        self, token: str, rows: list[Any], results: dict[str, DeliveryResult]
    ) -> tuple[int, int, int]:
        now = to_naive_utc(self.clock())
        done: dict[str, list[dict[str, Any]]] = {"sent": [], "pending": [], "failed": []}
        for row in rows:
            result = results.get(row.idempotency_key) or DeliveryResult(
                row.idempotency_key, False, "adapter returned no result"
            )
            params = {"b_id": row.id, "b_token": token, "b_error": result.error or None}
            decided = outcome(result, row.attempts, self.retry)
            if decided == "sent":
                done["sent"].append({**params, "b_next": row.next_attempt_at, "b_sent": now})
            elif decided == "failed":
                done["failed"].append({**params, "b_next": row.next_attempt_at, "b_sent": None})
            else:
                later = now + self.retry.delay(row.attempts)
                done["pending"].append({**params, "b_next": later, "b_sent": None})
        mine = and_(_T.c.id == bindparam("b_id"), _T.c.claim_token == bindparam("b_token"))
        with self.store.transaction() as conn:
            for status, batch in done.items():
                if batch:
                    conn.execute(
                        _T.update()
                        .where(mine)
                        .values(
                            status=status,
                            sent_at=bindparam("b_sent"),
                            next_attempt_at=bindparam("b_next"),
                            claim_token=None,
                            claimed_until=None,
                            last_error=bindparam("b_error"),
                        ),
                        batch,
                    )
        return len(done["sent"]), len(done["pending"]), len(done["failed"])

    def status(self) -> dict[str, int]:
        """Rows per status (every status named, zeros included)."""
        counts = dict.fromkeys(STATUSES, 0)
        with self.store.engine.connect() as conn:
            for status, n in conn.execute(select(_T.c.status, func.count()).group_by(_T.c.status)):
                counts[status] = n
        return counts


def _call(row: Any) -> EnforcementCall:
    return EnforcementCall(
        idempotency_key=row.idempotency_key,
        effect=row.effect,
        action=row.action,
        subject=row.subject,
        operation_id=row.operation_id,
        action_id=row.action_id,
        reason=row.reason,
    )
