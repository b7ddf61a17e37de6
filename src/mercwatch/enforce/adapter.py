"""The enforcement adapter: a signed HTTP call to the platform's own enforcement endpoint.

"Applied" in the state store is a decision; this is what makes the platform act on
it. One POST per effect, JSON (contract in ``docs/enforcement-webhook.md``)::

    {"schema_version": 1, "idempotency_key": "...", "effect": "apply" | "reverse",
     "action": "disable_account" | "checkpoint_account" | "block_domain" | "block_url",
     "subject": "...", "operation_id": "...", "action_id": 7, "reason": "..."}

Headers, as the notification webhook (:mod:`mercwatch.notify.adapters`):
``Idempotency-Key``, ``X-Mercwatch-Timestamp`` (Unix seconds) and
``X-Mercwatch-Signature: sha256=HMAC(secret, "<timestamp>." + body)``. The receiver
answers 2xx once it has acted (or 409 for a key it already acted on, without acting
again); 408/425/429/5xx or no answer means "try again later"; any other 4xx is a
permanent refusal, recorded with its status for a person to look at.

The body never names a targeted person: the subject of an enforcement action is an
attacker account, domain or URL, and the reason is the policy rule's text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import httpx

from mercwatch.errors import DeliveryError
from mercwatch.notify.adapters import KEY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from mercwatch.store.state import Clock, utcnow

SCHEMA_VERSION = 1
_RETRYABLE_HTTP = {408, 425, 429}


@dataclass(frozen=True, slots=True)
class EnforcementCall:
    """One effect to deliver: apply an action, or reverse it after an appeal."""

    idempotency_key: str
    effect: str
    action: str
    subject: str
    operation_id: str
    action_id: int
    reason: str

    def body(self) -> bytes:
        """The canonical JSON body (sorted keys, no spaces): what the signature covers."""
        payload: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "idempotency_key": self.idempotency_key,
            "effect": self.effect,
            "action": self.action,
            "subject": self.subject,
            "operation_id": self.operation_id,
            "action_id": self.action_id,
            "reason": self.reason,
        }
        return json.dumps(
            payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")
        ).encode("utf-8")


@dataclass(frozen=True, slots=True)
class CallResult:
    """What one attempt came to: done, or why not (and whether retrying can help)."""

    idempotency_key: str
    ok: bool
    error: str = ""
    permanent: bool = False


class HttpEnforcementAdapter:
    """POSTs each call, signed, to the platform's enforcement endpoint.

    Args:
        url: the endpoint.
        secret: the shared HMAC key (from configuration, never from code).
        timeout: seconds to wait for each answer.
        transport: an httpx transport, for tests or custom TLS; default is the network.
    """

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
            raise DeliveryError("enforcement endpoint secret must not be empty")
        if not url.startswith(("https://", "http://")):
            raise DeliveryError(f"enforcement endpoint {url!r}: use an http(s) URL")
        self.url, self.secret, self.timeout = url, secret, timeout
        self.clock, self.transport = clock, transport

    def send_batch(self, calls: Sequence[EnforcementCall]) -> list[CallResult]:
        """One HTTP client (kept-alive connection) per batch, one POST per call."""
        with httpx.Client(timeout=self.timeout, transport=self.transport) as client:
            return [self._post(client, c) for c in calls]

    def _post(self, client: httpx.Client, call: EnforcementCall) -> CallResult:
        body = call.body()
        timestamp = str(int(self.clock().replace(tzinfo=UTC).timestamp()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            KEY_HEADER: call.idempotency_key,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self.secret, timestamp, body),
        }
        key = call.idempotency_key
        try:
            response = client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return CallResult(key, False, f"enforcement endpoint: {exc.__class__.__name__}: {exc}")
        code = response.status_code
        if 200 <= code < 300 or code == 409:
            return CallResult(key, True)
        permanent = 400 <= code < 500 and code not in _RETRYABLE_HTTP
        return CallResult(key, False, f"enforcement endpoint HTTP {code}", permanent)
