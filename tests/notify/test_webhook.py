"""The signed webhook adapter against a loopback endpoint that checks signatures."""

from __future__ import annotations

from datetime import datetime

import pytest
from _sinks import WEBHOOK_SECRET, WebhookSink

from mercwatch.errors import DeliveryError
from mercwatch.model.records import Notification, Phase
from mercwatch.notify import REASONS, Outbox, WebhookAdapter, idempotency_key, sign
from mercwatch.notify.adapters import verify_signature
from mercwatch.store.state import StateStore, utcnow


def _notes(n: int) -> list[Notification]:
    return [
        Notification(f"t-{i}", "op-9", Phase.ENGAGEMENT, REASONS[Phase.ENGAGEMENT])
        for i in range(n)
    ]


def _adapter(url: str, secret: bytes = WEBHOOK_SECRET) -> WebhookAdapter:
    # The endpoint checks freshness against real time, so the adapter signs with it too.
    return WebhookAdapter(url, secret, timeout=5, clock=utcnow)


def test_signed_posts_are_processed_once(
    store: StateStore,
    clock,  # noqa: ANN001
    webhook_sink: tuple[WebhookSink, str],
) -> None:
    sink, url = webhook_sink
    outbox = Outbox(store, clock)
    outbox.enqueue(_notes(3), {"t-1": "fr"})
    assert outbox.deliver(_adapter(url)).sent == 3
    payload = sink.processed[idempotency_key("t-1")]
    assert (payload["account_id"], payload["level"], payload["locale"]) == (
        "t-1",
        "engagement",
        "fr",
    )
    assert payload["reasons"] == list(REASONS[Phase.ENGAGEMENT])
    assert "Access Now" in payload["text"]


def test_server_errors_retry_and_bad_signatures_fail(
    store: StateStore,
    clock,  # noqa: ANN001
    webhook_sink: tuple[WebhookSink, str],
) -> None:
    sink, url = webhook_sink
    outbox = Outbox(store, clock)
    outbox.enqueue(_notes(2))
    sink.fail_next = 1
    report = outbox.deliver(_adapter(url))
    assert (report.sent, report.retrying) == (1, 1)
    clock.advance(minutes=5)
    assert outbox.deliver(_adapter(url)).sent == 1
    outbox.enqueue([Notification("t-x", "op-10", Phase.EXPLOITATION, ())])
    assert outbox.deliver(_adapter(url, b"wrong-secret")).failed == 1  # 401: permanent
    assert len(sink.processed) == 2


def test_repeat_after_crash_is_acknowledged_not_reprocessed(
    webhook_sink: tuple[WebhookSink, str],
) -> None:
    sink, url = webhook_sink
    outbox_message = _message()
    adapter = _adapter(url)
    assert adapter.send_batch([outbox_message])[0].ok
    assert adapter.send_batch([outbox_message])[0].ok
    assert (sink.attempts, len(sink.processed)) == (2, 1)


def _message():  # noqa: ANN202
    from mercwatch.notify import MessageRenderer, OutgoingMessage

    rendered = MessageRenderer().render(Phase.RECONNAISSANCE, "en")
    return OutgoingMessage(
        idempotency_key("t-1"),
        "t-1",
        "op-1",
        Phase.RECONNAISSANCE,
        "en",
        None,
        rendered.subject,
        rendered.text,
        rendered.html,
    )


def test_signature_checks() -> None:
    body, ts = b'{"a":1}', "1639645200"
    good = sign(WEBHOOK_SECRET, ts, body)
    now = datetime(2021, 12, 16, 9, 0, 0).timestamp()
    assert verify_signature(WEBHOOK_SECRET, ts, body, good, now=float(ts) + 10)
    assert not verify_signature(WEBHOOK_SECRET, ts, b'{"a":2}', good, now=float(ts))
    assert not verify_signature(b"other", ts, body, good, now=float(ts))
    assert not verify_signature(WEBHOOK_SECRET, ts, body, good, now=float(ts) + 301)
    assert not verify_signature(WEBHOOK_SECRET, "soon", body, good, now=now)


def test_unreachable_endpoint_is_retryable() -> None:
    from _sinks import free_port

    [result] = _adapter(f"http://127.0.0.1:{free_port()}/x").send_batch([_message()])
    assert not result.ok and not result.permanent


def test_empty_secret_is_refused() -> None:
    with pytest.raises(DeliveryError, match="secret"):
        WebhookAdapter("http://127.0.0.1:1/", b"")
