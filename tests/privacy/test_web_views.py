"""The dashboard shows block_url subjects raw only to admins (they act on them)."""

from __future__ import annotations

from datetime import datetime

from mercwatch.api.keys import Role
from mercwatch.enforce import StoredAction
from mercwatch.model import Action, ActionKind, ActionStatus, Infrastructure, Operation
from mercwatch.web.views import shown_action

URL = "https://evil.example/signin/nour.novak?rid=100234"


def _stored(kind: ActionKind, subject: str) -> StoredAction:
    action = Action(kind, subject, "op-1", ActionStatus.PENDING_REVIEW, "rule")
    return StoredAction(1, action, "v1", datetime(2026, 1, 1), datetime(2026, 1, 1))


def _op() -> Operation:
    return Operation("op-1", 0.9, (), ("p1",), ("100234",), Infrastructure(urls=(URL,)), None, None)


def test_below_admin_a_block_url_subject_is_its_shareable_form() -> None:
    for role in (Role.READER, Role.WRITER):
        shown = shown_action(_stored(ActionKind.BLOCK_URL, URL), _op(), role)
        assert shown.action.subject == "https://evil.example/signin/:name"
        assert shown.action.action is ActionKind.BLOCK_URL and shown.id == 1


def test_admins_and_other_actions_see_the_subject_unchanged() -> None:
    assert shown_action(_stored(ActionKind.BLOCK_URL, URL), _op(), Role.ADMIN).action.subject == URL
    domain = _stored(ActionKind.BLOCK_DOMAIN, "evil.example")
    assert shown_action(domain, _op(), Role.READER) is domain
