"""Signed JSON over HTTP: how mercwatch calls a platform endpoint (both webhooks).

Every request carries ``Idempotency-Key``, ``X-Mercwatch-Timestamp`` (Unix seconds)
and ``X-Mercwatch-Signature: sha256=HMAC(secret, "<timestamp>." + body)``; the body
is canonical JSON (sorted keys, no spaces, UTF-8), so the bytes signed are the bytes
sent. The receiver answers 2xx once it has acted, or 409 for a key it already acted
on; 408/425/429/5xx or no answer means "try again later"; any other 4xx is a
permanent refusal.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC
from typing import Any, Generic, Protocol, TypeVar

import httpx

from mercwatch.delivery.queue import DeliveryResult
from mercwatch.errors import DeliveryError
from mercwatch.store.state import Clock, utcnow

SIGNATURE_HEADER = "X-Mercwatch-Signature"
TIMESTAMP_HEADER = "X-Mercwatch-Timestamp"
KEY_HEADER = "Idempotency-Key"
#: 4xx answers that mean "not now" rather than "never".
RETRYABLE_HTTP = frozenset({408, 425, 429})


class Keyed(Protocol):
    """Anything delivered: it names its idempotency key."""

    @property
    def idempotency_key(self) -> str: ...


Item = TypeVar("Item", bound=Keyed)


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """``sha256=`` + hex HMAC-SHA256 of ``timestamp + "." + body``."""
    mac = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_signature(
    secret: bytes,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    now: float,
    tolerance: float = 300.0,
) -> bool:
    """What a receiver runs: right key, and not a replay older than ``tolerance`` seconds."""
    try:
        fresh = abs(now - float(timestamp)) <= tolerance
    except ValueError:
        return False
    return fresh and hmac.compare_digest(sign(secret, timestamp, body), signature)


def canonical_json(payload: Mapping[str, Any]) -> bytes:
    """The body as signed and sent: sorted keys, no spaces, UTF-8 (not ASCII-escaped)."""
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.encode("utf-8")


class SignedJsonPoster(Generic[Item]):
    """POSTs each item's body, signed, to one endpoint; subclasses say what the body is.

    Args:
        url: the endpoint (http or https).
        secret: the shared HMAC key (from configuration, never from code).
        timeout: seconds to wait for each answer.
        clock: "now" for the timestamp header, injected for tests.
        transport: an httpx transport, for tests or custom TLS; default is the network.
    """

    #: Names the endpoint in recorded errors (``"webhook HTTP 503"``).
    label = "endpoint"

    def __init__(
        self,
        url: str,
        secret: bytes,
        *,
        timeout: float = 10.0,
        clock: Clock = utcnow,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not secret:
            raise DeliveryError(f"{self.label} secret must not be empty")
        if not url.startswith(("https://", "http://")):
            raise DeliveryError(f"{self.label} {url!r}: use an http(s) URL")
        self.url, self.secret, self.timeout = url, secret, timeout
        self.clock, self.transport = clock, transport

    def body(self, item: Item) -> bytes:
        """The canonical JSON body of ``item`` (see :func:`canonical_json`)."""
        raise NotImplementedError

    def send_each(self, items: Iterable[Item]) -> Iterator[DeliveryResult]:
        """One HTTP client (kept-alive connection) for all items, one POST at a time."""
        with httpx.Client(timeout=self.timeout, transport=self.transport) as client:
            for item in items:
                yield self._post(client, item)

    def send_batch(self, items: Sequence[Item]) -> list[DeliveryResult]:
        """:meth:`send_each` over a list."""
        return list(self.send_each(items))

    def _post(self, client: httpx.Client, item: Item) -> DeliveryResult:
        body, key = self.body(item), item.idempotency_key
        timestamp = str(int(self.clock().replace(tzinfo=UTC).timestamp()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            KEY_HEADER: key,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self.secret, timestamp, body),
        }
        try:
            response = client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return DeliveryResult(key, False, f"{self.label}: {exc.__class__.__name__}: {exc}")
        code = response.status_code
        if 200 <= code < 300 or code == 409:
            return DeliveryResult(key, True)
        permanent = 400 <= code < 500 and code not in RETRYABLE_HTTP
        return DeliveryResult(key, False, f"{self.label} HTTP {code}", permanent)
