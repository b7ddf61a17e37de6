"""Fault injection: kill -9 the deliverer at every step; everyone is warned exactly once.

Issue 10 finding 2: a deliverer killed mid-batch, rerun after its lease ran out,
re-sent the whole batch (15 people got a second e-mail), because the batch was marked
sent only at its end. Here a real subprocess delivers to a real SMTP server (aiosmtpd,
which, like real servers, does NOT de-duplicate) and to a webhook receiver, and SIGKILLs
itself at each step (tests/notify/_crashing_deliverer.py). A second deliverer, run once
the lease has run out, finishes the job. On the old outbox the ``accept``/``record``
cases sent up to a whole batch twice.

The one window no outbox can close is ``accept`` over SMTP (the server said 250, the
process died before recording it): that one person gets the message twice, with the
same Message-ID, and the test says so. Over the webhook the receiver drops the repeat
by ``Idempotency-Key``: exactly once in effect, at every step.
"""

from __future__ import annotations

import email
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from email.policy import default as default_policy
from pathlib import Path

import pytest
from _sinks import WEBHOOK_SECRET, WebhookSink, free_port
from aiosmtpd.controller import Controller

import mercwatch
from mercwatch.model.records import Notification, Phase
from mercwatch.notify import REASONS, Outbox, SmtpAdapter, WebhookAdapter
from mercwatch.store.state import StateStore, utcnow

PEOPLE = [f"t-{i:02d}" for i in range(10)]
SCRIPT = Path(__file__).with_name("_crashing_deliverer.py")
STEPS = [
    ("claim", 1),
    ("claim", 2),
    ("begin", 2),
    ("begin", 6),
    ("accept", 2),
    ("accept", 6),
    ("record", 2),
    ("record", 6),
]


class CountingSmtp:
    """Keeps every message it accepts (no de-duplication), per recipient."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str]] = []  # (recipient, Message-ID)

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001,ANN201,N802
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        for rcpt in envelope.rcpt_tos:
            self.received.append((rcpt.split("@")[0], str(message["Message-ID"])))
        return "250 Message accepted"


@pytest.fixture
def counting_smtp() -> Iterator[tuple[CountingSmtp, int]]:
    sink, port = CountingSmtp(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


def _enqueue(store: StateStore) -> None:
    level = Phase.EXPLOITATION
    notes = [Notification(p, "op-1", level, REASONS[level]) for p in PEOPLE]
    # A second operation against half of them: still one warning per person.
    notes += [Notification(p, "op-2", Phase.ENGAGEMENT, ()) for p in PEOPLE[::2]]
    assert Outbox(store).enqueue(notes) == len(PEOPLE)


def _crash(url: str, channel: str, target: str, step: str, count: int) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(mercwatch.__file__).resolve().parents[1]),
        "MERCWATCH_WEBHOOK_SECRET": WEBHOOK_SECRET.decode(),
    }
    done = subprocess.run(
        [sys.executable, str(SCRIPT), url, channel, target, step, str(count)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == -9, (done.returncode, done.stdout, done.stderr)


def _recover(store: StateStore, adapter: SmtpAdapter | WebhookAdapter) -> int:
    """A second deliverer, started after the dead one's lease ran out."""
    later = Outbox(store, clock=lambda: utcnow() + timedelta(minutes=30))
    report = later.deliver(adapter, batch_size=4)
    assert later.deliver(adapter).claimed == 0
    status = later.status()
    assert (status.sent, status.people_warned, status.sending, status.pending) == (10, 10, 0, 0)
    return report.in_doubt


@pytest.mark.parametrize(("step", "count"), STEPS, ids=[f"{s}-{n}" for s, n in STEPS])
def test_smtp_kill_at_each_step(
    state_url: str, counting_smtp: tuple[CountingSmtp, int], step: str, count: int
) -> None:
    sink, port = counting_smtp
    store = StateStore.open(state_url)
    try:
        _enqueue(store)
        _crash(state_url, "smtp", str(port), step, count)
        adapter = SmtpAdapter(
            "127.0.0.1",
            port,
            sender="security@platform.example",
            recipient_template="{account_id}@users.platform.example",
            timeout=5,
        )
        in_doubt = _recover(store, adapter)
    finally:
        store.dispose()
    per_person = Counter(person for person, _ in sink.received)
    assert set(per_person) == set(PEOPLE)
    if step == "accept":
        # The unavoidable SMTP window: exactly the one message in flight, same Message-ID.
        assert in_doubt == 1
        [(twice, n)] = [(p, n) for p, n in per_person.items() if n > 1]
        assert n == 2 and twice == PEOPLE[count - 1]
        assert len({mid for p, mid in sink.received if p == twice}) == 1
    else:
        # Killed after "begin": the outbox cannot tell it from "accept" (in doubt), resends,
        # and as nothing had gone out the person gets exactly one.
        assert in_doubt == (1 if step == "begin" else 0)
        assert per_person == dict.fromkeys(PEOPLE, 1)


@pytest.mark.parametrize(("step", "count"), STEPS, ids=[f"{s}-{n}" for s, n in STEPS])
def test_webhook_kill_at_each_step_is_exactly_once(
    state_url: str, webhook_sink: tuple[WebhookSink, str], step: str, count: int
) -> None:
    sink, url = webhook_sink
    store = StateStore.open(state_url)
    try:
        _enqueue(store)
        _crash(state_url, "webhook", url, step, count)
        in_doubt = _recover(store, WebhookAdapter(url, WEBHOOK_SECRET, timeout=5, clock=utcnow))
    finally:
        store.dispose()
    processed = Counter(payload["account_id"] for payload in sink.processed.values())
    assert processed == dict.fromkeys(PEOPLE, 1)
    assert in_doubt == (1 if step in ("begin", "accept") else 0)
    assert sink.attempts == len(PEOPLE) + (1 if step == "accept" else 0)
