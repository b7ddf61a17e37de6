"""Notification: pick the targets to warn, render the warning in their language, and
deliver it through an outbox (SMTP or signed webhook): one warning per person."""

from mercwatch.notify.adapters import SmtpAdapter, WebhookAdapter, sign, verify_signature
from mercwatch.notify.locales import resolve_locale
from mercwatch.notify.outbox import (
    DeliveryAdapter,
    DeliveryReport,
    DeliveryResult,
    EnqueueReport,
    FollowUpPolicy,
    Outbox,
    OutboxStatus,
    OutgoingMessage,
    RetryPolicy,
    idempotency_key,
)
from mercwatch.notify.render import (
    MessageRenderer,
    NotifySettings,
    RenderedMessage,
    available_locales,
    pick_locale,
)
from mercwatch.notify.select import REASONS, select_notifications

__all__ = [
    "REASONS",
    "DeliveryAdapter",
    "DeliveryReport",
    "DeliveryResult",
    "EnqueueReport",
    "FollowUpPolicy",
    "MessageRenderer",
    "NotifySettings",
    "Outbox",
    "OutboxStatus",
    "OutgoingMessage",
    "RenderedMessage",
    "RetryPolicy",
    "SmtpAdapter",
    "WebhookAdapter",
    "available_locales",
    "idempotency_key",
    "pick_locale",
    "resolve_locale",
    "select_notifications",
    "sign",
    "verify_signature",
]
