"""Warnings not yet sent to people a later, complete run no longer finds targeted are
withdrawn, never sent; a person targeted again is queued again; sent ones stay sent."""

from __future__ import annotations

from mercwatch.model.records import Notification, Phase
from mercwatch.notify import REASONS, DeliveryResult, Outbox
from mercwatch.store.state import StateStore


def _notes(*people: str) -> list[Notification]:
    level = Phase.ENGAGEMENT
    return [Notification(p, "op-1", level, REASONS[level]) for p in people]


class _Recorder:
    channel = "test"

    def __init__(self) -> None:
        self.sent: list[str] = []

    def send_each(self, messages):  # type: ignore[no-untyped-def]
        for message in messages:
            self.sent.append(message.account_id)
            yield DeliveryResult(message.idempotency_key, ok=True)


def test_unsent_warnings_of_people_no_longer_targeted_are_withdrawn(
    store: StateStore,
    clock,  # noqa: ANN001
):
    outbox = Outbox(store, clock)
    outbox.enqueue(_notes("t-1", "t-2", "t-3"))
    assert outbox.withdraw(["t-1"]) == ["t-2", "t-3"]
    assert (outbox.status().pending, outbox.status().withdrawn) == (1, 2)
    assert outbox.withdraw(["t-1"]) == []  # nothing moves twice

    recorder = _Recorder()
    outbox.deliver(recorder)
    assert recorder.sent == ["t-1"]  # never the withdrawn ones

    report = outbox.enqueue_report(_notes("t-1", "t-2"))  # t-2 is targeted again
    assert report.reopened == 1
    outbox.deliver(recorder)
    assert recorder.sent == ["t-1", "t-2"]
    # A warning already sent is never withdrawn; only t-3's (still withdrawn) remains.
    assert outbox.withdraw([]) == []
    assert (outbox.status().sent, outbox.status().withdrawn) == (2, 1)


def test_withdrawn_is_not_a_sent_message(store: StateStore, clock):  # noqa: ANN001
    outbox = Outbox(store, clock)
    outbox.enqueue(_notes("t-1"))
    outbox.withdraw([])
    status = outbox.status()
    assert (status.people_warned, status.withdrawn, status.pending) == (0, 1, 0)
