"""The enforcement adapter: a signed HTTP call to the platform's own enforcement endpoint.

"Applied" in the state store is a decision; this is what makes the platform act on
it. One POST per effect, JSON (contract in ``docs/enforcement-webhook.md``)::

    {"schema_version": 1, "idempotency_key": "...", "effect": "apply" | "reverse",
     "action": "disable_account" | "checkpoint_account" | "block_domain" | "block_url",
     "subject": "...", "operation_id": "...", "action_id": 7, "reason": "..."}

Signed and sent as the notification webhook is (:mod:`mercwatch.delivery.webhook`):
``Idempotency-Key``, ``X-Mercwatch-Timestamp`` (Unix seconds) and
``X-Mercwatch-Signature: sha256=HMAC(secret, "<timestamp>." + body)``. The receiver
answers 2xx once it has acted (or 409 for a key it already acted on, without acting
again); 408/425/429/5xx or no answer means "try again later"; any other 4xx is a
permanent refusal, recorded with its status for a person to look at.

The body never names a targeted person: the subject of an enforcement action is an
attacker account, domain or URL, and the reason is the policy rule's text.
"""

from __future__ import annotations

from dataclasses import dataclass

from mercwatch.delivery.webhook import SignedJsonPoster, canonical_json

SCHEMA_VERSION = 1


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
        return canonical_json(
            {
                "schema_version": SCHEMA_VERSION,
                "idempotency_key": self.idempotency_key,
                "effect": self.effect,
                "action": self.action,
                "subject": self.subject,
                "operation_id": self.operation_id,
                "action_id": self.action_id,
                "reason": self.reason,
            }
        )


class HttpEnforcementAdapter(SignedJsonPoster[EnforcementCall]):
    """POSTs each call, signed, to the platform's enforcement endpoint.

    Args:
        url: the endpoint (http or https).
        secret: the shared HMAC key (from configuration, never from code).
        timeout: seconds to wait for each answer.
        transport: an httpx transport, for tests or custom TLS; default is the network.
    """

    label = "enforcement endpoint"

    def body(self, item: EnforcementCall) -> bytes:
        return item.body()
