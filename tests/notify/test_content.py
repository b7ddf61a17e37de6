"""Honest, safe content (issue 13 item 2): only what is true when sent, nothing that
tips off the operation, links only to addresses the platform configured, short texts.

On the old texts every warning said "We removed accounts involved" even while the
removal waited for review, and always linked to a built-in address: the enforcement
and link tests below fail there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import datetime

import pytest
from typer.testing import CliRunner

from mercwatch.cli import app
from mercwatch.errors import ConfigError
from mercwatch.model.records import Notification, Phase
from mercwatch.notify import (
    REASONS,
    DeliveryResult,
    MessageRenderer,
    Outbox,
    OutgoingMessage,
    available_locales,
)
from mercwatch.store.state import StateStore, actions

URL = re.compile(r"https?://[^\s\"'<>]+")
REMOVED = "We have removed accounts involved in this activity."
REVIEWING = "We are reviewing accounts involved in this activity."


class Capture:
    """A channel that keeps what it was given."""

    channel = "webhook"

    def __init__(self) -> None:
        self.messages: list[OutgoingMessage] = []

    def send_each(self, messages: Iterable[OutgoingMessage]) -> Iterator[DeliveryResult]:
        for message in messages:
            self.messages.append(message)
            yield DeliveryResult(message.idempotency_key, True)


def _action(store: StateStore, op: str, status: str) -> None:
    now = datetime(2021, 12, 1)
    with store.transaction() as conn:
        conn.execute(
            actions.insert().values(
                action="disable_account",
                subject=f"persona-of-{op}",
                operation_id=op,
                status=status,
                reason="test",
                policy_version="1",
                created_at=now,
                updated_at=now,
            )
        )


def _deliver(store: StateStore, clock, person: str, op: str) -> OutgoingMessage:  # noqa: ANN001
    level = Phase.ENGAGEMENT
    outbox = Outbox(store, clock)
    outbox.enqueue([Notification(person, op, level, REASONS[level], operation_ids=(op,))])
    capture = Capture()
    outbox.deliver(capture)
    [message] = capture.messages
    return message


def test_says_removed_only_once_the_removal_is_applied(store: StateStore, clock) -> None:  # noqa: ANN001
    _action(store, "op-review", "pending_review")
    waiting = _deliver(store, clock, "t-1", "op-review")
    assert (waiting.enforcement, REVIEWING in waiting.text, REMOVED in waiting.text) == (
        "under_review",
        True,
        False,
    )
    # Approved between `run` and delivery: the state at send time is what is said.
    with store.transaction() as conn:
        conn.execute(actions.update().values(status="applied"))
    _deliver(store, clock, "t-0", "op-none")  # no action at all for this operation
    approved = _deliver(store, clock, "t-2", "op-review")
    assert approved.enforcement == "removed" and REMOVED in approved.text
    nothing = Outbox(store, clock)
    capture = Capture()
    _action(store, "op-rejected", "rejected")
    nothing.enqueue([Notification("t-3", "op-rejected", Phase.RECONNAISSANCE, ())])
    nothing.deliver(capture)
    [message] = capture.messages
    assert message.enforcement == "none"
    assert REMOVED not in message.text and REVIEWING not in message.text


def test_no_operation_detail_reaches_the_person(store: StateStore, clock) -> None:  # noqa: ANN001
    message = _deliver(store, clock, "t-9", "op-secret-operation-77")
    for body in (message.subject, message.text, message.html):
        assert "op-secret-operation-77" not in body
        assert "t-9" not in body
        for word in ("detector", "score", "confidence", "persona"):
            assert word not in body.lower()


@pytest.mark.parametrize("locale", available_locales())
@pytest.mark.parametrize("level", list(Phase))
def test_links_only_to_configured_addresses_and_texts_are_short(locale: str, level: Phase) -> None:
    bare = MessageRenderer().render(level, locale, enforcement="removed")
    assert URL.findall(bare.text + bare.html) == []
    configured = {"https://platform.example/security", "https://help.example/line"}
    linked = MessageRenderer(*sorted(configured)).render(level, locale, enforcement="removed")
    assert set(URL.findall(linked.text + linked.html)) == configured
    # Short: at most 200 English words; a translation at most twice the English length
    # in characters (words do not count in Chinese, Khmer or Burmese, nor syllables in
    # Vietnamese).
    english = MessageRenderer().render(level, "en", enforcement="removed").text
    assert len(english.split()) <= 200
    assert len(bare.text) <= 2 * len(english)


@pytest.mark.parametrize(
    "url",
    ["http://platform.example/", "javascript:alert(1)", "https://user:pw@x.example/", "/relative"],
)
def test_links_must_be_plain_https(url: str) -> None:
    with pytest.raises(ConfigError):
        MessageRenderer(checkup_url=url)
    with pytest.raises(ConfigError):
        MessageRenderer(help_url=url)


def test_deliver_refuses_a_bad_link_with_exit_2(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("MERCWATCH_NOTIFY_HELP_URL", "http://insecure.example/")
    result = CliRunner().invoke(
        app, ["outbox", "deliver", "--smtp", "127.0.0.1:25", "--state", str(tmp_path / "s.db")]
    )
    assert result.exit_code == 2 and "https" in result.output


def test_a_language_without_texts_at_send_time_is_recorded_not_silent(
    store: StateStore,
    clock,  # noqa: ANN001
) -> None:
    """A record asking for a locale with no catalog (e.g. removed since `run`) is sent in
    English, and the chain on the message says so."""
    level = Phase.RECONNAISSANCE
    outbox = Outbox(store, clock)
    outbox.enqueue([Notification("t-1", "op-1", level, (), locale="hu", locale_fallback=("hu",))])
    capture = Capture()
    outbox.deliver(capture)
    [message] = capture.messages
    assert (message.locale, message.locale_fallback) == ("en", ("hu", "en"))
