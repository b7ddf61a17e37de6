"""The outbox over SMTP: idempotent enqueue, retries with backoff, and crash recovery."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import timedelta

import pytest
from _sinks import SmtpSink, free_port

from mercwatch.model.records import Notification, Phase
from mercwatch.notify import (
    REASONS,
    DeliveryResult,
    Outbox,
    OutgoingMessage,
    RetryPolicy,
    SmtpAdapter,
    idempotency_key,
)
from mercwatch.store.state import StateStore

LOCALES = {"t-1": "es-ES", "t-2": "ar", "t-3": "hu-HU"}  # no Hungarian catalog


def _notes(n: int, op: str = "op-1") -> list[Notification]:
    level = Phase.EXPLOITATION
    return [Notification(f"t-{i}", op, level, REASONS[level]) for i in range(1, n + 1)]


def _adapter(port: int) -> SmtpAdapter:
    return SmtpAdapter(
        "127.0.0.1",
        port,
        sender="security@platform.example",
        recipient_template="{account_id}@users.platform.example",
        timeout=5,
    )


def test_enqueue_is_idempotent(store: StateStore, clock) -> None:  # noqa: ANN001
    outbox = Outbox(store, clock)
    assert outbox.enqueue(_notes(3), LOCALES) == 3
    assert outbox.enqueue(_notes(4), LOCALES) == 1
    assert outbox.enqueue(_notes(4) + _notes(4), LOCALES) == 0
    status = outbox.status()
    assert (status.pending, status.sent, status.by_level) == (4, 0, (("exploitation", 4),))


def test_delivers_each_in_its_language_with_its_key(
    store: StateStore,
    clock,  # noqa: ANN001
    smtp_sink: tuple[SmtpSink, int],
) -> None:
    sink, port = smtp_sink
    outbox = Outbox(store, clock)
    outbox.enqueue(_notes(3), LOCALES, recipients={"t-1": "uno@example.org"})
    report = outbox.deliver(_adapter(port), batch_size=2)
    assert (report.claimed, report.sent, report.batches) == (3, 3, 2)
    assert outbox.status().sent == 3
    by_key = {str(m["X-Mercwatch-Idempotency-Key"]).strip(): m for m in sink.delivered.values()}
    first = by_key[idempotency_key("t-1")]
    assert first["To"] == "uno@example.org"
    assert first["Message-ID"] == f"<{idempotency_key('t-1')}@platform.example>"
    assert first["Content-Language"] == "es"
    assert "ataque" in first["Subject"]
    assert by_key[idempotency_key("t-2")]["Content-Language"] == "ar"
    third = by_key[idempotency_key("t-3")]
    assert (third["To"], third["Content-Language"]) == ("t-3@users.platform.example", "en")
    assert {p.get_content_type() for p in third.iter_parts()} == {"text/plain", "text/html"}
    assert outbox.deliver(_adapter(port)).claimed == 0
    assert sink.attempts == 3


def test_temporary_failure_backs_off_then_succeeds(
    store: StateStore,
    clock,  # noqa: ANN001
    smtp_sink: tuple[SmtpSink, int],
) -> None:
    sink, port = smtp_sink
    sink.rcpt_replies["t-2@users.platform.example"] = "451 4.3.0 try again later"
    outbox = Outbox(store, clock, retry=RetryPolicy(base=timedelta(minutes=1)))
    outbox.enqueue(_notes(3))
    report = outbox.deliver(_adapter(port))
    assert (report.sent, report.retrying, report.failed) == (2, 1, 0)
    assert outbox.status().next_attempt_at == clock.now + timedelta(minutes=1)
    assert outbox.deliver(_adapter(port)).claimed == 0  # not due yet: no sleeping, no resend
    clock.advance(minutes=1)
    assert outbox.deliver(_adapter(port)).retrying == 1  # second failure: 2 minutes now
    assert outbox.status().next_attempt_at == clock.now + timedelta(minutes=2)
    del sink.rcpt_replies["t-2@users.platform.example"]
    clock.advance(minutes=2)
    assert outbox.deliver(_adapter(port)).sent == 1
    assert (outbox.status().sent, len(sink.delivered)) == (3, 3)


def test_permanent_failure_and_attempt_limit(
    store: StateStore,
    clock,  # noqa: ANN001
    smtp_sink: tuple[SmtpSink, int],
) -> None:
    sink, port = smtp_sink
    sink.rcpt_replies["t-1@users.platform.example"] = "550 5.1.1 no such user"
    sink.rcpt_replies["t-2@users.platform.example"] = "451 4.3.0 later"
    outbox = Outbox(store, clock, retry=RetryPolicy(max_attempts=2))
    outbox.enqueue(_notes(2))
    assert outbox.deliver(_adapter(port)).failed == 1  # 550: never retried
    clock.advance(hours=1)
    assert outbox.deliver(_adapter(port)).failed == 1  # 451 twice: gives up at max_attempts
    assert outbox.status().failed == 2
    sink.rcpt_replies.clear()
    assert outbox.retry_failed() == 2
    assert outbox.deliver(_adapter(port)).sent == 2


def test_server_down_retries_everything(store: StateStore, clock) -> None:  # noqa: ANN001
    outbox = Outbox(store, clock)
    outbox.enqueue(_notes(2))
    report = outbox.deliver(_adapter(free_port()))
    assert (report.sent, report.retrying) == (0, 2)
    assert outbox.status().pending == 2


def test_backoff_schedule() -> None:
    policy = RetryPolicy(base=timedelta(seconds=30), cap=timedelta(minutes=5))
    assert [policy.delay(n).total_seconds() for n in range(1, 7)] == [30, 60, 120, 240, 300, 300]


class SimulatedCrash(BaseException):
    """The process dies: not an Exception, so nothing on the way catches it."""


class CrashAfter:
    """Sends through the real adapter and dies right after the ``n``-th message went out,
    before its outcome reaches the outbox: the one window the outbox cannot close."""

    channel = "email"

    def __init__(self, inner: SmtpAdapter, n: int) -> None:
        self.inner, self.left = inner, n

    def send_each(self, messages: Iterable[OutgoingMessage]) -> Iterator[DeliveryResult]:
        for result in self.inner.send_each(messages):
            self.left -= 1
            if self.left == 0:
                raise SimulatedCrash
            yield result


def test_crash_between_send_and_record_repeats_only_that_message(
    store: StateStore,
    clock,
    smtp_sink: tuple[SmtpSink, int],  # noqa: ANN001
) -> None:
    sink, port = smtp_sink
    lease = timedelta(minutes=10)
    outbox = Outbox(store, clock, retry=RetryPolicy(lease=lease))
    outbox.enqueue(_notes(25), LOCALES)
    with pytest.raises(SimulatedCrash):
        outbox.deliver(CrashAfter(_adapter(port), 13), batch_size=10)
    # Each send is recorded at once: 12 sent; the 13th went out unrecorded; 14-20 were
    # claimed but never begun; batch 3 untouched.
    status = outbox.status()
    assert (status.sent, status.sending, status.pending) == (12, 8, 5)
    # A rerun right away must not steal a live claim...
    assert outbox.deliver(_adapter(port), batch_size=10).sent == 5
    # ...and once the dead run's lease runs out, its rows are sent with the same keys.
    clock.advance(minutes=10, seconds=1)
    report = outbox.deliver(_adapter(port), batch_size=10)
    assert (report.sent, report.in_doubt) == (8, 1)
    assert outbox.deliver(_adapter(port)).claimed == 0
    assert outbox.status().sent == 25
    assert sink.attempts == 26  # exactly the one in-doubt message repeated (same Message-ID)
    keys = sorted(str(m["X-Mercwatch-Idempotency-Key"]).strip() for m in sink.delivered.values())
    assert keys == sorted(idempotency_key(f"t-{i}") for i in range(1, 26))


def test_crash_mid_delivery_rerun_twice_nothing_duplicated(
    store: StateStore,
    clock,
    smtp_sink: tuple[SmtpSink, int],  # noqa: ANN001
) -> None:
    """A whole run (enqueue + deliver) crashes and is rerun on the same input; people
    targeted by two operations are queued once."""
    sink, port = smtp_sink
    notes = _notes(6, "op-a") + _notes(6, "op-b")

    def run(adapter: object) -> None:
        outbox = Outbox(store, clock)
        outbox.enqueue(notes)
        outbox.deliver(adapter, batch_size=4)  # type: ignore[arg-type]

    with pytest.raises(SimulatedCrash):
        run(CrashAfter(_adapter(port), 3))
    clock.advance(hours=1)
    run(_adapter(port))
    run(_adapter(port))
    status = Outbox(store, clock).status()
    assert (status.sent, status.people, status.people_warned) == (6, 6, 6)
    assert len(sink.delivered) == 6
    assert sink.attempts == 6 + 1  # the one message in the crash window


def test_header_injection_through_recipient_is_refused(
    store: StateStore,
    clock,  # noqa: ANN001
    smtp_sink: tuple[SmtpSink, int],
) -> None:
    sink, port = smtp_sink
    outbox = Outbox(store, clock)
    outbox.enqueue(_notes(1), recipients={"t-1": "a@example.org\r\nBcc: spy@example.org"})
    assert outbox.deliver(_adapter(port)).failed == 1
    assert sink.attempts == 0
