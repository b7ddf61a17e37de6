"""The delivery lease outlives the slowest batch (issue 10 finding 9).

A 10-minute lease on a batch of 500 webhooks, each allowed 10 s, ran out while the
first deliverer was still sending: a second deliverer then claimed and re-sent the
rest. The lease is now renewed before every message; the clock is moved by hand, so
nothing sleeps. With the old fixed lease (claimed at 0 s, expired at 600 s) the second
deliverer, cutting in at 800 s, would take the 20 messages not yet sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import timedelta

from mercwatch.model.records import Notification, Phase
from mercwatch.notify import REASONS, DeliveryResult, Outbox, OutgoingMessage, RetryPolicy
from mercwatch.store.state import StateStore


class SlowChannel:
    """Every message takes its whole 10 s timeout; at message ``cut_in`` a second
    deliverer runs against the same store."""

    channel = "webhook"
    timeout = 10.0

    def __init__(self, clock, cut_in: int, other: Outbox) -> None:  # noqa: ANN001
        self.clock, self.cut_in, self.other = clock, cut_in, other
        self.sent: list[str] = []
        self.other_claimed = -1

    def send_each(self, messages: Iterable[OutgoingMessage]) -> Iterator[DeliveryResult]:
        for message in messages:
            self.clock.advance(seconds=self.timeout)
            self.sent.append(message.account_id)
            if len(self.sent) == self.cut_in:
                self.other_claimed = self.other.deliver(Recorder(self.sent)).claimed
            yield DeliveryResult(message.idempotency_key, True)


class Recorder:
    channel = "webhook"

    def __init__(self, sent: list[str]) -> None:
        self.sent = sent

    def send_each(self, messages: Iterable[OutgoingMessage]) -> Iterator[DeliveryResult]:
        for message in messages:
            self.sent.append(message.account_id)
            yield DeliveryResult(message.idempotency_key, True)


def test_a_batch_slower_than_the_lease_keeps_its_claim(store: StateStore, clock) -> None:  # noqa: ANN001
    level = Phase.EXPLOITATION
    people = [f"t-{i:03d}" for i in range(100)]
    retry = RetryPolicy(lease=timedelta(minutes=10))
    first = Outbox(store, clock, retry=retry)
    first.enqueue([Notification(p, "op-1", level, REASONS[level]) for p in people])
    channel = SlowChannel(clock, cut_in=80, other=Outbox(store, clock, retry=retry))
    report = first.deliver(channel, batch_size=100)  # 100 x 10 s = 1000 s > 600 s lease
    assert channel.other_claimed == 0
    assert report.sent == 100 and report.skipped == 0
    assert sorted(channel.sent) == people  # each person once
    assert first.status().people_warned == 100


def test_a_deliverer_that_lost_its_claim_does_not_send(store: StateStore, clock) -> None:  # noqa: ANN001
    """Stalled past its lease (e.g. a paused VM), the first deliverer finds the rows
    taken and skips them instead of sending a second copy."""
    level = Phase.RECONNAISSANCE
    first = Outbox(store, clock, retry=RetryPolicy(lease=timedelta(minutes=1)))
    first.enqueue([Notification(f"t-{i}", "op-1", level, REASONS[level]) for i in range(3)])
    token, rows = first._claim(10, timedelta(minutes=1))
    clock.advance(minutes=2)
    sent: list[str] = []
    assert Outbox(store, clock).deliver(Recorder(sent)).sent == 3
    with store.engine.connect() as conn:
        for row in rows:
            message = first._message(row, None, {})
            assert not first._begin(conn, token, message, row.id, timedelta(minutes=1), True)
    assert sorted(sent) == ["t-0", "t-1", "t-2"]
