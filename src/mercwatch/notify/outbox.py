"""The notification outbox: one warning per person, each sent with exactly-once effect.

Who is queued (Notification contract v2): one row per person and warning, keyed on
(``account_id``, ``ordinal``). A person already queued is not queued again by a rerun
or a later run into the same state store; while their warning has not left, it is
updated in place to the furthest phase (so what is sent is true when sent); once it
has left, a further phase gets ONE follow-up if the :class:`FollowUpPolicy` says so.

How it is sent, and the guarantee, stated honestly:

1. *Claim*: a batch of due rows is marked ``sending`` under a fresh token and a lease.
2. *Begin*, per message, committed before the message is handed to the channel:
   ``send_started_at`` is set and the lease of every row still held is renewed, so a
   slow batch never outlives its lease (issue 10: 500 webhooks x 10 s > 10 minutes).
   A deliverer that lost its claim (its lease ran out and another took the row) finds
   its token gone and does not send.
3. *Send* one message; 4. *Record* that message's outcome at once (not per batch).

A crash between 1 and 2 or after 4 loses nothing and repeats nothing: the row is
retried when its lease runs out and was never handed over, or is already recorded.
The one window left is between the channel accepting a message (3) and the record (4):
the row comes back with ``send_started_at`` set (*in doubt*) and is sent again **with
the same idempotency key**. The webhook receiver drops the repeat (``Idempotency-Key``),
so that channel is exactly-once in effect. SMTP has no idempotency: the repeat carries
the same ``Message-ID``, which some mail clients collapse and servers do not; the window
is one SMTP reply to one database commit wide. In-doubt resends are counted
(``DeliveryReport.in_doubt``) and documented in docs/security/notify.md.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Connection, and_, bindparam, func, or_, select
from sqlalchemy.exc import SQLAlchemyError

from mercwatch.delivery.queue import DeliveryResult, RetryPolicy, claim_due, outcome
from mercwatch.errors import DeliveryError, StateError
from mercwatch.model.records import ActionKind, ActionStatus, Notification, Phase
from mercwatch.notify.locales import resolve_locale
from mercwatch.notify.render import ENFORCEMENT_STATES, MessageRenderer
from mercwatch.store.state import (
    Clock,
    StateStore,
    actions,
    insert_ignore,
    notification_contacts,
    notification_outbox,
    to_naive_utc,
    utcnow,
)

_T = notification_outbox
_C = notification_contacts
_CHUNK = 500
STATUSES = ("pending", "sending", "sent", "failed")
#: Not sent because a later, complete run no longer targets the person (never sent
#: unless they are targeted again); outside STATUSES, which OutboxStatus takes in order.
WITHDRAWN = "withdrawn"


# Per-message statements, built once: delivery runs two per message, and building and
# cache-keying a fresh expression each time cost more than the database work.
_HELD = and_(_T.c.claim_token == bindparam("b_token"), _T.c.status == "sending")
_MINE = and_(_T.c.id == bindparam("b_id"), _HELD)
_BEGIN = (
    _T.update()
    .where(_MINE)
    .values(
        send_started_at=bindparam("b_now"),
        claimed_until=bindparam("b_until"),
        recipient=bindparam("b_recipient"),
        locale=bindparam("b_locale"),
        locale_fallback=bindparam("b_chain"),
    )
)
_RENEW = _T.update().where(_HELD).values(claimed_until=bindparam("b_until"))
_RELEASED = {"claim_token": None, "claimed_until": None}
_MARK = {
    "sent": _T.update()
    .where(_MINE)
    .values(
        status="sent",
        sent_at=bindparam("b_now"),
        channel=bindparam("b_channel"),
        last_error=None,
        **_RELEASED,
    ),
    "failed": _T.update()
    .where(_MINE)
    .values(status="failed", last_error=bindparam("b_error"), send_started_at=None, **_RELEASED),
    "retry": _T.update()
    .where(_MINE)
    .values(
        status="pending",
        next_attempt_at=bindparam("b_next"),
        last_error=bindparam("b_error"),
        send_started_at=None,
        **_RELEASED,
    ),
}


@contextmanager
def _committed(conn: Connection) -> Iterator[Connection]:
    """One transaction on a held connection; SQL errors come out as :class:`StateError`."""
    try:
        with conn.begin():
            yield conn
    except SQLAlchemyError as exc:
        raise StateError(f"state store: {exc.__class__.__name__}: {exc}") from exc


def idempotency_key(account_id: str, ordinal: int = 1) -> str:
    """Same (person, warning number) -> same key, even from a rebuilt store."""
    return hashlib.sha256(f"mercwatch-warning\x1f{account_id}\x1f{ordinal}".encode()).hexdigest()


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
    operation_ids: tuple[str, ...] = ()
    ordinal: int = 1
    locale_fallback: tuple[str, ...] = ()
    enforcement: str = "none"


class DeliveryAdapter(Protocol):
    """A channel. ``send_each`` pulls messages one at a time and yields each outcome
    as soon as it is known, so the outbox records every send before the next begins.

    Raise :class:`DeliveryError` when the channel cannot be reached at all; every
    message not yet recorded is then retried later. Stop pulling after a failure that
    dooms the rest (a dropped connection): unpulled messages are retried, never begun.
    """

    channel: str

    def send_each(self, messages: Iterable[OutgoingMessage]) -> Iterator[DeliveryResult]: ...


@dataclass(frozen=True, slots=True)
class FollowUpPolicy:
    """When a person already warned gets one more warning.

    Default: only reaching exploitation warrants a follow-up (someone warned that they
    were being watched is now being attacked), and never more than two warnings.
    """

    warrants: frozenset[Phase] = frozenset({Phase.EXPLOITATION})
    max_warnings: int = 2

    def follow_up(self, warned_at: Phase, now_at: Phase, warnings: int) -> bool:
        return (
            now_at.rank > warned_at.rank
            and now_at in self.warrants
            and (warnings < self.max_warnings)
        )


@dataclass(frozen=True, slots=True)
class EnqueueReport:
    """What one :meth:`Outbox.enqueue` did, in people."""

    queued: int = 0
    follow_ups: int = 0
    updated: int = 0
    already_warned: int = 0
    contacts: int = 0
    reopened: int = 0  # withdrawn warnings queued again (the person is targeted again)


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What one :meth:`Outbox.deliver` call did."""

    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    batches: int = 0
    in_doubt: int = 0
    skipped: int = 0


@dataclass(frozen=True, slots=True)
class OutboxStatus:
    """Warnings per status, people queued and warned, and when the next retry is due."""

    pending: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0
    next_attempt_at: datetime | None = None
    by_level: tuple[tuple[str, int], ...] = field(default=())
    people: int = 0
    people_warned: int = 0
    follow_ups: int = 0
    sent_by_channel_locale: tuple[tuple[str, str, int], ...] = field(default=())
    withdrawn: int = 0


def _renewed_lease(retry: RetryPolicy, adapter: object) -> timedelta:
    timeout = getattr(adapter, "timeout", None)
    if isinstance(timeout, int | float) and timeout > 0:
        return max(retry.lease, timedelta(seconds=3 * float(timeout)))
    return retry.lease


class Outbox:
    """Warnings waiting for, or done with, delivery.

    Args:
        store: the state store holding the outbox and contacts tables.
        clock: "now", injected so tests move time instead of sleeping.
        renderer: turns (level, locale, enforcement state) into subject and bodies.
        retry: backoff and lease settings.
        follow_up: when an already-warned person is warned once more.
    """

    def __init__(
        self,
        store: StateStore,
        clock: Clock = utcnow,
        renderer: MessageRenderer | None = None,
        retry: RetryPolicy | None = None,
        follow_up: FollowUpPolicy | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.renderer = renderer or MessageRenderer()
        self.retry = retry or RetryPolicy()
        self.follow_up = follow_up or FollowUpPolicy()

    # -- enqueue -------------------------------------------------------------------

    def set_contacts(
        self,
        locales: Mapping[str, str] | None = None,
        recipients: Mapping[str, str] | None = None,
    ) -> int:
        """Record addresses and languages; every warning not yet sent will use them.

        A warning that failed for good (e.g. the old address was refused) is queued
        again when that person's address changes: a new address is a new chance.
        """
        locales, recipients = locales or {}, recipients or {}
        people = sorted(set(locales) | set(recipients))
        if not people:
            return 0
        now = to_naive_utc(self.clock())
        with self.store.transaction() as conn:
            known = {
                r.account_id: r
                for start in range(0, len(people), _CHUNK)
                for r in conn.execute(
                    select(_C).where(_C.c.account_id.in_(people[start : start + _CHUNK]))
                )
            }
            fresh, changed = [], []
            for person in people:
                old = known.get(person)
                values = {
                    "recipient": recipients.get(person, old.recipient if old else None),
                    "locale": locales.get(person, old.locale if old else None),
                    "updated_at": now,
                }
                if old is None:
                    fresh.append({"account_id": person, **values})
                else:
                    changed.append({"b_id": person, **values})
            if fresh:
                conn.execute(_C.insert(), fresh)
            if changed:
                conn.execute(_C.update().where(_C.c.account_id == bindparam("b_id")), changed)
            if recipients:
                # Compared with the address the failed attempt used (recorded at begin).
                conn.execute(
                    _T.update()
                    .where(
                        _T.c.account_id == bindparam("b_id"),
                        _T.c.status == "failed",
                        or_(_T.c.recipient.is_(None), _T.c.recipient != bindparam("b_to")),
                    )
                    .values(status="pending", attempts=0, next_attempt_at=now, last_error=None),
                    [{"b_id": p, "b_to": to} for p, to in recipients.items()],
                )
        return len(people)

    def enqueue(
        self,
        notifications: Sequence[Notification],
        locales: Mapping[str, str] | None = None,
        recipients: Mapping[str, str] | None = None,
    ) -> int:
        """Queue each person once; returns how many warnings were added (people + follow-ups).

        See :meth:`enqueue_report` for the details.
        """
        report = self.enqueue_report(notifications, locales, recipients)
        return report.queued + report.follow_ups

    def enqueue_report(
        self,
        notifications: Sequence[Notification],
        locales: Mapping[str, str] | None = None,
        recipients: Mapping[str, str] | None = None,
    ) -> EnqueueReport:
        """Queue, update in place, or follow up, per person; contacts are recorded first.

        Notifications of one person (a v1 file has one per operation) are folded first.
        """
        contacts = self.set_contacts(locales, recipients)
        people = _fold(notifications)
        now = to_naive_utc(self.clock())
        queued = follow_ups = updated = already = reopened = 0
        statement = insert_ignore(self.store.dialect, _T, ["account_id", "ordinal"])
        ids = sorted(people)
        with self.store.transaction() as conn:
            rows: dict[str, list[Any]] = {}
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                for row in conn.execute(
                    select(_T).where(_T.c.account_id.in_(chunk)).order_by(_T.c.ordinal)
                ):
                    rows.setdefault(row.account_id, []).append(row)
            inserts: list[dict[str, Any]] = []
            for person in ids:
                note, existing = people[person], rows.get(person, [])
                if not existing:
                    inserts.append(_row(note, 1, now))
                    continue
                latest = existing[-1]
                if latest.status == WITHDRAWN:  # targeted again: back in the queue
                    reopened += self._reopen(conn, latest, now)
                    updated += self._refresh(conn, latest, note)
                    continue
                if latest.status == "pending":
                    updated += self._refresh(conn, latest, note)
                    continue
                warned_at = max((Phase(r.level) for r in existing), key=lambda p: p.rank)
                if self.follow_up.follow_up(warned_at, note.level, len(existing)):
                    inserts.append(_row(note, latest.ordinal + 1, now))
                else:
                    already += 1
            for start in range(0, len(inserts), _CHUNK):
                batch = inserts[start : start + _CHUNK]
                added = conn.execute(statement.returning(_T.c.ordinal), batch).all()
                queued += sum(1 for r in added if r.ordinal == 1)
                follow_ups += sum(1 for r in added if r.ordinal > 1)
        return EnqueueReport(queued, follow_ups, updated, already, contacts, reopened)

    def withdraw(self, targeted: Iterable[str]) -> list[str]:
        """Take out of the queue the warnings not yet sent to people no current operation
        targets (the evidence a run had was withdrawn by a later, complete run);
        returns those people. A warning being sent or sent is left alone; a person
        targeted again is queued again by :meth:`enqueue`. See enforce/withdrawal.py."""
        keep = set(targeted)
        now = to_naive_utc(self.clock())
        with self.store.transaction() as conn:
            waiting = conn.execute(
                select(_T.c.id, _T.c.account_id).where(_T.c.status.in_(("pending", "failed")))
            ).all()
            gone = [row for row in waiting if row.account_id not in keep]
            for start in range(0, len(gone), _CHUNK):
                chunk = [row.id for row in gone[start : start + _CHUNK]]
                conn.execute(
                    _T.update()
                    .where(_T.c.id.in_(chunk), _T.c.status.in_(("pending", "failed")))
                    .values(
                        status=WITHDRAWN,
                        next_attempt_at=now,
                        last_error="withdrawn: no operation of the latest run targets this person",
                    )
                )
        return sorted({row.account_id for row in gone})

    @staticmethod
    def _reopen(conn: Any, row: Any, now: datetime) -> int:
        done = conn.execute(
            _T.update()
            .where(and_(_T.c.id == row.id, _T.c.status == WITHDRAWN))
            .values(status="pending", attempts=0, next_attempt_at=now, last_error=None)
        ).rowcount
        return int(done)

    @staticmethod
    def _refresh(conn: Any, row: Any, note: Notification) -> int:
        """A warning not yet sent takes the furthest phase and every operation."""
        before = sorted(row.operation_ids or [row.operation_id])
        merged = sorted(set(before) | set(note.all_operation_ids()))
        values: dict[str, Any] = {}
        if merged != before:
            values["operation_ids"] = merged
        if note.level.rank > Phase(row.level).rank:
            values |= {
                "level": note.level.value,
                "operation_id": note.operation_id,
                "reasons": list(note.reasons),
            }
        if not values:
            return 0
        done = conn.execute(
            _T.update().where(and_(_T.c.id == row.id, _T.c.status == "pending")).values(**values)
        ).rowcount
        return int(done)

    # -- deliver -------------------------------------------------------------------

    def deliver(
        self, adapter: DeliveryAdapter, batch_size: int = 500, max_batches: int | None = None
    ) -> DeliveryReport:
        """Send everything due, one claimed batch (one adapter connection) at a time."""
        totals = DeliveryReport()
        lease = _renewed_lease(self.retry, adapter)
        while max_batches is None or totals.batches < max_batches:
            token, claimed = self._claim(batch_size, lease)
            if not claimed:
                break
            counts = self._send(adapter, token, claimed, lease)
            totals = DeliveryReport(
                totals.claimed + len(claimed),
                totals.sent + counts["sent"],
                totals.retrying + counts["retry"],
                totals.failed + counts["failed"],
                totals.batches + 1,
                totals.in_doubt + sum(1 for r in claimed if r.send_started_at is not None),
                totals.skipped + counts["skipped"],
            )
        return totals

    def _claim(self, batch_size: int, lease: timedelta) -> tuple[str, list[Any]]:
        """Mark up to ``batch_size`` due rows ``sending`` under a fresh token and lease.

        Due means pending and past its retry time, or claimed by a run whose lease ran
        out (it crashed). One statement, so two workers never claim the same row; on
        PostgreSQL ``SKIP LOCKED`` lets them share the queue without waiting.
        """
        now = to_naive_utc(self.clock())
        token = uuid.uuid4().hex
        claim = claim_due(_T, token=token, now=now, lease=lease, batch_size=batch_size)
        claim = claim.returning(*_T.c)
        with self.store.transaction() as conn:
            rows = sorted(conn.execute(claim).all(), key=lambda r: r.id)
        return token, rows

    def _context(self, rows: list[Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """Contacts of the batch's people and, per operation, its enforcement state now."""
        people = sorted({r.account_id for r in rows})
        operations = sorted({o for r in rows for o in (r.operation_ids or [r.operation_id])})
        with self.store.engine.connect() as conn:
            contacts = {
                c.account_id: c for c in conn.execute(select(_C).where(_C.c.account_id.in_(people)))
            }
            states = conn.execute(
                select(actions.c.operation_id, actions.c.status).where(
                    actions.c.operation_id.in_(operations),
                    actions.c.action == ActionKind.DISABLE_ACCOUNT.value,
                )
            ).all()
        enforcement: dict[str, str] = {}
        for op_id, status in states:
            if status == ActionStatus.APPLIED.value:
                enforcement[op_id] = "removed"
            elif status == ActionStatus.PENDING_REVIEW.value:
                enforcement.setdefault(op_id, "under_review")
        return contacts, enforcement

    def _message(self, row: Any, contact: Any, enforcement: Mapping[str, str]) -> OutgoingMessage:
        operation_ids = tuple(row.operation_ids or [row.operation_id])
        if contact is not None and contact.locale:
            locale, chain = resolve_locale(contact.locale)
        else:
            locale, chain = row.locale, tuple(row.locale_fallback or [row.locale])
        states = {enforcement.get(o, "none") for o in operation_ids}
        state = next(s for s in ENFORCEMENT_STATES if s in states or s == "none")
        rendered = self.renderer.render(Phase(row.level), locale, enforcement=state)
        if rendered.locale != chain[-1]:  # e.g. a catalog removed since enqueue: say so
            chain = (*chain, rendered.locale)
        return OutgoingMessage(
            idempotency_key=row.idempotency_key,
            account_id=row.account_id,
            operation_id=row.operation_id,
            level=Phase(row.level),
            locale=rendered.locale,
            recipient=(contact.recipient if contact is not None else None) or row.recipient,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            reasons=tuple(row.reasons),
            operation_ids=operation_ids,
            ordinal=row.ordinal,
            locale_fallback=chain,
            enforcement=state,
        )

    def _begin(
        self,
        conn: Connection,
        token: str,
        message: OutgoingMessage,
        row_id: int,
        lease: timedelta,
        renew: bool,
    ) -> bool:
        """Commit "about to send" for one message; with ``renew``, extend the batch's lease.

        False when this deliverer no longer holds the row: then it must not send.
        """
        now = to_naive_utc(self.clock())
        until = now + lease
        with _committed(conn):
            mine = conn.execute(
                _BEGIN,
                {
                    "b_id": row_id,
                    "b_token": token,
                    "b_now": now,
                    "b_until": until,
                    "b_recipient": message.recipient,
                    "b_locale": message.locale,
                    "b_chain": list(message.locale_fallback),
                },
            ).rowcount
            if mine and renew:
                conn.execute(_RENEW, {"b_token": token, "b_until": until})
        return bool(mine)

    def _send(
        self, adapter: DeliveryAdapter, token: str, rows: list[Any], lease: timedelta
    ) -> dict[str, int]:
        """Begin, send and record one message at a time, on one held connection."""
        contacts, enforcement = self._context(rows)
        with self.store.engine.connect() as conn:
            return self._send_on(conn, adapter, token, rows, lease, contacts, enforcement)

    def _send_on(
        self,
        conn: Connection,
        adapter: DeliveryAdapter,
        token: str,
        rows: list[Any],
        lease: timedelta,
        contacts: Mapping[str, Any],
        enforcement: Mapping[str, str],
    ) -> dict[str, int]:
        counts = {"sent": 0, "retry": 0, "failed": 0, "skipped": 0}
        by_key = {r.idempotency_key: r for r in rows}
        handed: set[str] = set()
        renewed_at = self.clock()

        def messages() -> Iterator[OutgoingMessage]:
            # The whole batch's lease is renewed once a third of it has passed: the lease
            # is at least three sends long, so a live deliverer never loses its claim,
            # and renewing on every message would rewrite the batch once per message.
            nonlocal renewed_at
            for row in rows:
                message = self._message(row, contacts.get(row.account_id), enforcement)
                renew = self.clock() - renewed_at >= lease / 3
                if renew:
                    renewed_at = self.clock()
                if self._begin(conn, token, message, row.id, lease, renew):
                    handed.add(row.idempotency_key)
                    yield message
                else:
                    counts["skipped"] += 1

        recorded: set[str] = set()
        error = "adapter stopped before this message"
        try:
            for result in adapter.send_each(messages()):
                row = by_key.get(result.idempotency_key)
                if row is None or result.idempotency_key in recorded:
                    continue
                counts[self._record(conn, token, row, result, adapter.channel)] += 1
                recorded.add(result.idempotency_key)
        except DeliveryError as exc:
            error = str(exc)
        for key in [k for k in by_key if k not in recorded]:
            row = by_key[key]
            # Never handed over, or the channel was unreachable: certainly not sent.
            result = DeliveryResult(key, False, error if key in handed else "not attempted")
            counts[self._record(conn, token, row, result, adapter.channel)] += 1
        return counts

    def _record(
        self, conn: Connection, token: str, row: Any, result: DeliveryResult, channel: str
    ) -> str:
        """Record one message's outcome at once; returns sent / retry / failed."""
        now = to_naive_utc(self.clock())
        decided = outcome(result, row.attempts, self.retry)  # failed: nothing was delivered
        params = {
            "b_id": row.id,
            "b_token": token,
            "b_now": now,
            "b_channel": channel,
            "b_error": result.error or None,
            "b_next": now + self.retry.delay(row.attempts),
        }
        with _committed(conn):
            conn.execute(_MARK[decided], params)
        return decided

    # -- status --------------------------------------------------------------------

    def status(self) -> OutboxStatus:
        """Counts per status, people queued and warned, and the earliest pending retry."""
        with self.store.engine.connect() as conn:
            counts: dict[str, int] = {
                str(status): int(n)
                for status, n in conn.execute(
                    select(_T.c.status, func.count()).group_by(_T.c.status)
                ).all()
            }
            next_at = conn.execute(
                select(func.min(_T.c.next_attempt_at)).where(_T.c.status == "pending")
            ).scalar_one()
            levels = conn.execute(
                select(_T.c.level, func.count()).group_by(_T.c.level).order_by(_T.c.level)
            ).all()
            people = conn.execute(select(func.count(func.distinct(_T.c.account_id)))).scalar_one()
            warned = conn.execute(
                select(func.count(func.distinct(_T.c.account_id))).where(_T.c.status == "sent")
            ).scalar_one()
            follow_ups = conn.execute(
                select(func.count()).select_from(_T).where(_T.c.ordinal > 1)
            ).scalar_one()
            by_channel = conn.execute(
                select(_T.c.channel, _T.c.locale, func.count())
                .where(_T.c.status == "sent")
                .group_by(_T.c.channel, _T.c.locale)
                .order_by(_T.c.channel, _T.c.locale)
            ).all()
        pending, sending, sent, failed = (counts.get(s, 0) for s in STATUSES)
        return OutboxStatus(
            pending=pending,
            sending=sending,
            sent=sent,
            failed=failed,
            next_attempt_at=next_at,
            by_level=tuple((str(a), int(b)) for a, b in levels),
            people=int(people),
            people_warned=int(warned),
            follow_ups=int(follow_ups),
            sent_by_channel_locale=tuple((str(c), str(lc), int(n)) for c, lc, n in by_channel),
            withdrawn=int(counts.get(WITHDRAWN, 0)),
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


def _fold(notifications: Sequence[Notification]) -> dict[str, Notification]:
    """One notification per person: furthest level, every operation (v1 files too)."""
    folded: dict[str, Notification] = {}
    for note in notifications:
        old = folded.get(note.account_id)
        if old is None:
            folded[note.account_id] = note
            continue
        operations = tuple(sorted(set(old.all_operation_ids()) | set(note.all_operation_ids())))
        lead = note if note.level.rank > old.level.rank else old
        folded[note.account_id] = Notification(
            note.account_id,
            lead.operation_id,
            lead.level,
            lead.reasons,
            operations,
            lead.locale,
            lead.locale_fallback,
        )
    return folded


def _row(note: Notification, ordinal: int, now: datetime) -> dict[str, Any]:
    return {
        "idempotency_key": idempotency_key(note.account_id, ordinal),
        "account_id": note.account_id,
        "ordinal": ordinal,
        "operation_id": note.operation_id,
        "operation_ids": list(note.all_operation_ids()),
        "level": note.level.value,
        "reasons": list(note.reasons),
        "locale": note.locale,
        "locale_fallback": list(note.locale_fallback or (note.locale,)),
        "recipient": None,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


__all__ = [
    "ENFORCEMENT_STATES",
    "DeliveryAdapter",
    "DeliveryReport",
    "DeliveryResult",
    "EnqueueReport",
    "FollowUpPolicy",
    "Outbox",
    "OutboxStatus",
    "OutgoingMessage",
    "RetryPolicy",
    "idempotency_key",
]
