"""Dashboard approvals follow the four-eyes rule: never one's own proposal."""

from __future__ import annotations

from typing import Any

from _dashboard import csrf_of, login, make_client
from fastapi.testclient import TestClient

from mercwatch.auth.keys import Role
from mercwatch.enforce.proposals import propose
from mercwatch.model.records import ActionKind, ActionStatus


def decide(client: TestClient, action_id: int, decision: str, note: str) -> Any:
    data = {"decision": decision, "note": note, "csrf": csrf_of(client)}
    return client.post(f"/review/{action_id}", data=data, follow_redirects=False)


def test_a_reviewer_cannot_approve_their_own_proposal_in_the_dashboard(run: Any) -> None:
    enforcer = run.enforcer()
    mine = propose(
        enforcer,
        ActionKind.BLOCK_DOMAIN,
        "own-proposal-lure.site",
        run.hostile_op,
        "proposed through the API",
        f"api:{Role.REVIEWER.value}-1",  # the key the REVIEWER client signs in with
    )
    proposer = make_client(run)
    assert login(proposer, run.tokens[Role.REVIEWER]).status_code == 303
    refused = decide(proposer, mine.id, "approve", "looks right to me")
    assert refused.status_code == 409 and "another reviewer" in refused.text
    assert mine.id in [p.id for p in enforcer.pending_reviews()]

    other = make_client(run)
    assert login(other, run.tokens[Role.ADMIN]).status_code == 303
    assert decide(other, mine.id, "approve", "second pair of eyes").status_code == 303
    approved = next(a for a in enforcer.list_actions() if a.id == mine.id)
    assert approved.action.status is ActionStatus.APPLIED
