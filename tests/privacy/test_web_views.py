"""The dashboard shows block_url subjects raw only to the roles that see targets
(analyst and up, ``Role.sees_targets``: they read all and decide; issue 14).

For a viewer, the operation page's infrastructure actions, the review queue and the
audit page (readable by every role) show a URL subject in its shareable form.
"""

from __future__ import annotations

from datetime import datetime

from mercwatch.auth.keys import Role
from mercwatch.enforce import AuditEntry, StoredAction
from mercwatch.model import Action, ActionKind, ActionStatus, Infrastructure, Operation
from mercwatch.web.views import shown_action, shown_audit

URL = "https://evil.example/signin/nour.novak?rid=100234"


def _stored(kind: ActionKind, subject: str) -> StoredAction:
    action = Action(kind, subject, "op-1", ActionStatus.PENDING_REVIEW, "rule")
    return StoredAction(1, action, "v1", datetime(2026, 1, 1), datetime(2026, 1, 1))


def _op() -> Operation:
    return Operation("op-1", 0.9, (), ("p1",), ("100234",), Infrastructure(urls=(URL,)), None, None)


def test_for_a_viewer_a_block_url_subject_is_its_shareable_form() -> None:
    for role in (Role.VIEWER,):
        shown = shown_action(_stored(ActionKind.BLOCK_URL, URL), _op(), role)
        assert shown.action.subject == "https://evil.example/signin/:name"
        assert shown.action.action is ActionKind.BLOCK_URL and shown.id == 1


def test_roles_that_see_targets_and_other_actions_see_the_subject_unchanged() -> None:
    for role in (Role.ANALYST, Role.REVIEWER, Role.ADMIN):
        assert shown_action(_stored(ActionKind.BLOCK_URL, URL), _op(), role).action.subject == URL
    domain = _stored(ActionKind.BLOCK_DOMAIN, "evil.example")
    assert shown_action(domain, _op(), Role.READER) is domain


def _entry(subject: str) -> AuditEntry:
    return AuditEntry(
        id=1,
        ts=datetime(2026, 1, 1),
        actor="mercwatch-run",
        action="apply:block_url",
        subject=subject,
        operation_id="op-1",
        reason=f"rule r1: link {subject} delivered",
        evidence=(),
        policy_version="v1",
        prev_hash="0" * 64,
        hash="f" * 64,
    )


def test_the_audit_page_shows_a_viewer_urls_in_shareable_form() -> None:
    for role in (Role.VIEWER,):
        (shown,) = shown_audit([_entry(URL)], role)
        assert shown.subject == "https://evil.example/signin/:name"
        assert "nour" not in shown.reason and "100234" not in shown.reason
    assert shown_audit([_entry("acct-persona-1")], Role.READER)[0].subject == "acct-persona-1"
    for role in (Role.ANALYST, Role.REVIEWER, Role.ADMIN):
        assert shown_audit([_entry(URL)], role)[0].subject == URL
