"""The delivery core both webhooks go through: same signing, same answer rules.

Issue 12: the enforcement adapter and the notification webhook each carried a copy of
the signing and of the "which HTTP answers are final" rules. These tests hold both
adapters to one behaviour, so a change to the rules reaches both or fails here.
"""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

import mercwatch
from mercwatch.delivery.queue import DeliveryResult, RetryPolicy, outcome
from mercwatch.delivery.webhook import (
    KEY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify_signature,
)
from mercwatch.enforce.adapter import EnforcementCall, HttpEnforcementAdapter
from mercwatch.errors import DeliveryError
from mercwatch.model.records import Phase
from mercwatch.notify.adapters import WebhookAdapter
from mercwatch.notify.outbox import OutgoingMessage

SECRET = b"core-test-secret"
NOW = datetime(2026, 1, 2, 3, 4, 5)
CALL = EnforcementCall("k-enf", "apply", "block_domain", "evil.example", "op-1", 7, "lookalike")
MESSAGE = OutgoingMessage(
    "k-msg", "acct-9", "op-1", Phase.RECONNAISSANCE, "en", None, "s", "t", "h"
)


def _adapters(handler):
    transport = httpx.MockTransport(handler)
    options = {"clock": lambda: NOW, "transport": transport}
    return [
        (HttpEnforcementAdapter("https://platform.example/enforce", SECRET, **options), CALL),
        (WebhookAdapter("https://platform.example/notify", SECRET, **options), MESSAGE),
    ]


def test_both_sign_the_body_they_send_the_same_way():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    for adapter, item in _adapters(handler):
        assert adapter.send_batch([item]) == [DeliveryResult(item.idempotency_key, True)]
    assert len(seen) == 2
    for request, key in zip(seen, ("k-enf", "k-msg"), strict=True):
        assert request.headers[KEY_HEADER] == key
        assert request.headers[TIMESTAMP_HEADER] == str(int(NOW.replace(tzinfo=UTC).timestamp()))
        assert verify_signature(
            SECRET,
            request.headers[TIMESTAMP_HEADER],
            request.content,
            request.headers[SIGNATURE_HEADER],
            now=float(request.headers[TIMESTAMP_HEADER]),
        )
        assert request.headers["Content-Type"] == "application/json; charset=utf-8"


@pytest.mark.parametrize(
    ("status", "ok", "permanent"),
    [
        (200, True, False),
        (204, True, False),
        (409, True, False),  # a key already acted on: done, not again
        (408, False, False),
        (425, False, False),
        (429, False, False),
        (500, False, False),
        (503, False, False),
        (400, False, True),
        (401, False, True),
        (404, False, True),
    ],
)
def test_both_read_an_answer_the_same_way(status, ok, permanent):
    for adapter, item in _adapters(lambda _request: httpx.Response(status)):
        (result,) = adapter.send_batch([item])
        assert (result.ok, result.permanent) == (ok, permanent), adapter.label
        assert result.error == ("" if ok else f"{adapter.label} HTTP {status}")


def test_no_answer_is_retryable_for_both():
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    for adapter, item in _adapters(handler):
        (result,) = adapter.send_batch([item])
        assert not result.ok and not result.permanent
        assert result.error.startswith(f"{adapter.label}: ConnectError")


@pytest.mark.parametrize("cls", [HttpEnforcementAdapter, WebhookAdapter])
def test_both_refuse_an_empty_secret_and_a_non_http_url(cls):
    with pytest.raises(DeliveryError, match="secret must not be empty"):
        cls("https://platform.example/", b"")
    with pytest.raises(DeliveryError, match="use an http"):
        cls("ftp://platform.example/", SECRET)


def test_outcome_rules():
    retry = RetryPolicy(max_attempts=3)
    assert outcome(DeliveryResult("k", True), 9, retry) == "sent"
    assert outcome(DeliveryResult("k", False, "x", True), 1, retry) == "failed"
    assert outcome(DeliveryResult("k", False, "x"), 2, retry) == "retry"
    assert outcome(DeliveryResult("k", False, "x"), 3, retry) == "failed"
    assert outcome(None, 1, retry) == "retry"


def test_only_the_core_computes_signatures():
    """No second copy of the HMAC signing may grow back in another module."""
    root = Path(mercwatch.__file__).parent
    users = sorted(
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if any(
            isinstance(node, ast.Attribute) and node.attr == "new" and _is_hmac(node.value)
            for node in ast.walk(ast.parse(path.read_text("utf-8")))
        )
    )
    assert "delivery/webhook.py" in users
    assert not [u for u in users if u.startswith(("notify/", "enforce/"))]


def _is_hmac(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "hmac"
