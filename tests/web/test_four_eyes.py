"""Dashboard approvals follow the four-eyes rule: never one's own proposal."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from mercwatch.api import ApiSettings, create_app
from mercwatch.auth.keys import Role
from mercwatch.enforce.proposals import propose
from mercwatch.model.records import ActionKind, ActionStatus
from mercwatch.web import WebSettings

NONCE = re.compile(r'name="nonce" value="([^"]+)"')
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def make_client(run: Any) -> TestClient:
    web = WebSettings(state_url=run.state_url, export_dir=run.export, session_secret="s" * 40)
    app = create_app(ApiSettings(run_dir=run.out), authenticator=run.auth, web=web)
    return TestClient(app, base_url="https://testserver")  # the cookies are Secure


def login(client: TestClient, token: str) -> Any:
    nonce = NONCE.search(client.get("/login").text).group(1)  # type: ignore[union-attr]
    data = {"token": token, "nonce": nonce, "next": "/"}
    return client.post("/login", data=data, follow_redirects=False)


def decide(client: TestClient, action_id: int, decision: str, note: str) -> Any:
    csrf = CSRF.search(client.get("/outbox").text).group(1)  # type: ignore[union-attr]
    data = {"decision": decision, "note": note, "csrf": csrf}
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
