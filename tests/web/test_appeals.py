"""Appeals and reversals in the dashboard, and overview counts that follow decisions.

Reversing goes through the same call as ``mercwatch review reverse`` and the API
(:meth:`Enforcer.reverse`): reviewer role, the session's CSRF token and a reason; the
audit log records who and why, and the overview's counts move with every decision.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from _dashboard import csrf_of, signed_in
from fastapi.testclient import TestClient
from markupsafe import escape

from mercwatch.auth.keys import Role
from mercwatch.enforce import read_audit, verify_audit
from mercwatch.enforce.proposals import propose
from mercwatch.model import ActionKind, ActionStatus
from mercwatch.notify import Outbox

COUNT = re.compile(r'<span class="num" id="count-([a-z]+)">(?:<a [^>]*>)?(\d+)')
HOSTILE_REASON = "<script>alert('appeal')</script> owner proved identity"


@pytest.fixture(scope="module")
def clients(run: Any) -> dict[Role, TestClient]:
    return {role: signed_in(run, run.tokens[role]) for role in Role}


def counts(client: TestClient) -> dict[str, int]:
    return {k: int(v) for k, v in COUNT.findall(client.get("/").text)}


def reverse(client: TestClient, action_id: int, reason: str, csrf: str | None = None) -> Any:
    data = {"reason": reason, "csrf": csrf_of(client) if csrf is None else csrf}
    return client.post(f"/appeals/{action_id}", data=data, follow_redirects=False)


def approve(client: TestClient, action_id: int, note: str) -> Any:
    data = {"decision": "approve", "note": note, "csrf": csrf_of(client)}
    return client.post(f"/review/{action_id}", data=data, follow_redirects=False)


def by_status(run: Any) -> dict[ActionStatus, int]:
    out: dict[ActionStatus, int] = {}
    for stored in run.enforcer().list_actions():
        out[stored.action.status] = out.get(stored.action.status, 0) + 1
    return out


def test_overview_counts_are_the_state_stores(run: Any, clients: dict[Role, TestClient]) -> None:
    shown = counts(clients[Role.VIEWER])
    statuses = by_status(run)
    disabled = {
        s.action.subject
        for s in run.enforcer().list_actions(ActionStatus.APPLIED)
        if s.action.action is ActionKind.DISABLE_ACCOUNT
    }
    assert shown == {
        "proposed": statuses.get(ActionStatus.PENDING_REVIEW, 0),
        "approved": 0,
        "rejected": statuses.get(ActionStatus.REJECTED, 0),
        "applied": statuses.get(ActionStatus.APPLIED, 0),
        "reversed": statuses.get(ActionStatus.REVERSED, 0),
        "disabled": len(disabled),
    }
    assert shown["applied"] > 0 and shown["disabled"] > 0  # the run applied some by policy
    people = Outbox(run.store()).status().people
    assert people > 0
    page = clients[Role.VIEWER].get("/").text
    assert f'<span class="num">{people}</span><span class="label">people to warn' in page


def test_counts_follow_approval_and_reversal(run: Any, clients: dict[Role, TestClient]) -> None:
    reviewer = clients[Role.REVIEWER]
    action_id = run.pending_ids[1]  # block the look-alike domain
    before = counts(reviewer)
    assert approve(reviewer, action_id, "domain confirmed malicious").status_code == 303
    approved = counts(reviewer)
    assert approved["proposed"] == before["proposed"] - 1
    assert approved["approved"] == before["approved"] + 1
    assert approved["applied"] == before["applied"] + 1

    assert reverse(reviewer, action_id, "registrant's appeal upheld").status_code == 303
    after = counts(clients[Role.VIEWER])
    assert after["applied"] == before["applied"]
    assert after["reversed"] == before["reversed"] + 1
    assert after["approved"] == approved["approved"]  # it was approved, then reversed


def test_reversing_a_disabled_account_lowers_accounts_disabled(
    run: Any, clients: dict[Role, TestClient]
) -> None:
    reviewer = clients[Role.REVIEWER]
    disabled = [
        s
        for s in run.enforcer().list_actions(ActionStatus.APPLIED)
        if s.action.action is ActionKind.DISABLE_ACCOUNT
    ]
    before = counts(reviewer)
    assert reverse(reviewer, disabled[0].id, HOSTILE_REASON).status_code == 303
    after = counts(reviewer)
    assert after["disabled"] == before["disabled"] - 1
    assert after["reversed"] == before["reversed"] + 1
    entry = read_audit(run.store())[-1]
    assert (entry.actor, entry.action, entry.reason) == (
        "dashboard:reviewer-1",
        "reverse:disable_account",
        HOSTILE_REASON,
    )
    assert verify_audit(run.store()) == entry.id

    page = clients[Role.VIEWER].get("/appeals").text
    done = page[page.index("Reversals done") : page.index("Applied actions that can be")]
    assert "dashboard:reviewer-1" in done and disabled[0].action.subject in done
    assert HOSTILE_REASON not in page and str(escape(HOSTILE_REASON)) in done
    assert f'id="applied-{disabled[0].id}"' not in page  # no longer reversible


def test_appeals_lists_applied_actions_and_forms_only_for_reviewers(
    run: Any, clients: dict[Role, TestClient]
) -> None:
    applied = run.enforcer().list_actions(ActionStatus.APPLIED)
    newest = max(s.id for s in applied)
    for role in Role:
        page = clients[role].get("/appeals").text
        assert f"{len(applied)} in force" in page
        assert f'id="applied-{newest}"' in page
        has_form = f'action="/appeals/{newest}"' in page
        assert has_form is role.allows(Role.REVIEWER), role


def test_reversal_needs_reviewer_csrf_and_reason(run: Any, clients: dict[Role, TestClient]) -> None:
    target = run.enforcer().list_actions(ActionStatus.APPLIED)[0]
    for role in (Role.VIEWER, Role.ANALYST):
        assert reverse(clients[role], target.id, "not my call").status_code == 403
    reviewer = clients[Role.REVIEWER]
    other = signed_in(run, run.tokens[Role.ADMIN])
    for token in ["", "forged", csrf_of(other)]:
        assert reverse(reviewer, target.id, "appeal upheld", csrf=token).status_code == 403
    assert reverse(reviewer, target.id, "   ").status_code == 400
    assert reverse(reviewer, 10**6, "appeal upheld").status_code == 400
    still = {s.id: s for s in run.enforcer().list_actions()}[target.id]
    assert still.action.status is ActionStatus.APPLIED
    pending = run.pending_ids[2]
    assert reverse(reviewer, pending, "appeal upheld").status_code == 409  # not applied


def test_the_dashboard_reversal_is_the_library_reversal(
    run: Any, clients: dict[Role, TestClient]
) -> None:
    """An action proposed over the API, approved and reversed in the dashboard, ends
    exactly as the CLI's ``review reverse`` leaves one: reversed, one audit entry each."""
    enforcer = run.enforcer()
    proposed = propose(
        enforcer,
        ActionKind.BLOCK_DOMAIN,
        "appeal-test-lure.example",
        run.hostile_op,
        "lure domain",
        "api:analyst-1",
    )
    assert approve(clients[Role.ADMIN], proposed.id, "confirmed").status_code == 303
    assert reverse(clients[Role.REVIEWER], proposed.id, "domain sold").status_code == 303
    entries = read_audit(run.store(), subject="appeal-test-lure.example")
    assert [(e.actor, e.action) for e in entries] == [
        ("api:analyst-1", "queue_review:block_domain"),
        ("dashboard:admin-1", "review_approve:block_domain"),
        ("dashboard:reviewer-1", "reverse:block_domain"),
    ]
    stored = {s.id: s for s in enforcer.list_actions()}[proposed.id]
    assert stored.action.status is ActionStatus.REVERSED
