"""REST review queue, proposals, reversals and audit: roles, four eyes, error codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mercwatch.api import ApiSettings, Authenticator, create_app, new_api_key
from mercwatch.auth.keys import Role
from mercwatch.enforce import Enforcer, load_policy
from mercwatch.model.records import Action, ActionKind, ActionStatus
from mercwatch.store.state import StateStore
from mercwatch.web import WebSettings

KEYS = {
    "view": Role.VIEWER,
    "ana": Role.ANALYST,
    "rev1": Role.REVIEWER,
    "rev2": Role.REVIEWER,
    "old-writer": Role("writer"),
}
PROPOSAL = {
    "action": "block_domain",
    "subject": "apple-alert.site",
    "operation_id": "op-1",
    "reason": "lookalike of Apple used in the lure",
}


@pytest.fixture
def setup(tmp_path: Path) -> tuple[TestClient, dict[str, dict[str, str]], StateStore]:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    store = StateStore.open(url)
    Enforcer(store, load_policy()).apply(
        [Action(ActionKind.DISABLE_ACCOUNT, "acct-1", "op-1", ActionStatus.APPLIED, "policy")], {}
    )
    made = {k: new_api_key(k, role) for k, role in KEYS.items()}
    auth = Authenticator(key for _, key in made.values())
    web = WebSettings(state_url=url, session_secret="s" * 40)
    client = TestClient(create_app(ApiSettings(), authenticator=auth, web=web))
    headers = {k: {"Authorization": f"Bearer {token}"} for k, (token, _) in made.items()}
    return client, headers, store


def test_every_route_refuses_without_credentials(setup) -> None:  # noqa: ANN001
    client, _, _ = setup
    for method, path in [
        ("GET", "/api/actions"),
        ("GET", "/api/review"),
        ("POST", "/api/review"),
        ("POST", "/api/review/1/approve"),
        ("POST", "/api/review/1/reject"),
        ("POST", "/api/actions/1/reverse"),
        ("GET", "/api/audit"),
        ("GET", "/api/audit/verify"),
    ]:
        assert client.request(method, path, json={}).status_code == 401, path


def test_roles(setup) -> None:  # noqa: ANN001
    client, h, _ = setup
    assert client.get("/api/actions", headers=h["view"]).json()["total"] == 1
    assert client.get("/api/review", headers=h["view"]).status_code == 200
    assert client.get("/api/audit/verify", headers=h["view"]).json()["ok"] is True
    # Audit evidence can name targeted people: not for viewers.
    assert client.get("/api/audit", headers=h["view"]).status_code == 403
    assert client.post("/api/review", json=PROPOSAL, headers=h["view"]).status_code == 403
    created = client.post("/api/review", json=PROPOSAL, headers=h["ana"])
    assert created.status_code == 201 and created.json()["status"] == "pending_review"
    action_id = created.json()["id"]
    # An analyst proposes; deciding is for reviewers.
    assert client.post(f"/api/review/{action_id}/approve", headers=h["ana"]).status_code == 403
    approved = client.post(f"/api/review/{action_id}/approve", json={}, headers=h["old-writer"])
    assert approved.status_code == 200 and approved.json()["status"] == "applied"


def test_four_eyes_a_proposer_cannot_approve_their_own_action(setup) -> None:  # noqa: ANN001
    client, h, _ = setup
    action_id = client.post("/api/review", json=PROPOSAL, headers=h["rev1"]).json()["id"]
    own = client.post(f"/api/review/{action_id}/approve", json={}, headers=h["rev1"])
    assert own.status_code == 403 and "another reviewer" in own.json()["detail"]
    other = client.post(f"/api/review/{action_id}/approve", json={"note": "ok"}, headers=h["rev2"])
    assert other.status_code == 200
    again = client.post(f"/api/review/{action_id}/approve", json={}, headers=h["rev2"])
    assert again.status_code == 409
    assert client.post("/api/review", json=PROPOSAL, headers=h["ana"]).status_code == 409


def test_reject_needs_a_reason_and_reverse_undoes_on_appeal(setup) -> None:  # noqa: ANN001
    client, h, _ = setup
    action_id = client.post("/api/review", json=PROPOSAL, headers=h["ana"]).json()["id"]
    path = f"/api/review/{action_id}/reject"
    assert client.post(path, json={}, headers=h["rev1"]).status_code == 422
    assert client.post(path, json={"reason": "   "}, headers=h["rev1"]).status_code == 422
    rejected = client.post(path, json={"reason": "benign brand site"}, headers=h["rev1"])
    assert rejected.json()["status"] == "rejected"
    assert client.post(path, json={"reason": "again"}, headers=h["rev1"]).status_code == 409
    assert (
        client.post("/api/review/999/reject", json={"reason": "x"}, headers=h["rev1"]).status_code
        == 404
    )

    applied = client.get("/api/actions?status=applied", headers=h["view"]).json()["items"][0]
    reverse = f"/api/actions/{applied['id']}/reverse"
    assert client.post(reverse, json={"reason": "x"}, headers=h["ana"]).status_code == 403
    done = client.post(reverse, json={"reason": "appeal upheld"}, headers=h["rev2"])
    assert done.status_code == 200 and done.json()["status"] == "reversed"
    assert client.post(reverse, json={"reason": "again"}, headers=h["rev2"]).status_code == 409

    log = client.get("/api/audit", headers=h["ana"]).json()["entries"]
    assert [e["action"] for e in log][-3:] == [
        "queue_review:block_domain",
        "review_reject:block_domain",
        "reverse:disable_account",
    ]
    assert log[-3]["actor"] == "api:ana" and log[-1]["actor"] == "api:rev2"
    assert client.get("/api/audit/verify", headers=h["view"]).json() == {
        "ok": True,
        "entries": len(log),
        "problem": None,
        "entry_id": None,
    }


def test_without_a_state_store_the_routes_say_503(tmp_path: Path) -> None:
    token, key = new_api_key("ana", Role.ANALYST)
    web = WebSettings(state_url=None, session_secret="s" * 40)
    client = TestClient(create_app(ApiSettings(), authenticator=Authenticator([key]), web=web))
    response = client.get("/api/review", headers={"X-API-Key": token})
    assert response.status_code == 503


def test_openapi_documents_bodies_and_error_codes(setup) -> None:  # noqa: ANN001
    client, _, _ = setup
    spec = client.get("/openapi.json").json()
    approve = spec["paths"]["/api/review/{action_id}/approve"]["post"]
    assert {"401", "403", "404", "409", "413", "422"} <= set(approve["responses"])
    reject = spec["paths"]["/api/review/{action_id}/reject"]["post"]
    assert reject["requestBody"]["required"] is True


def test_actions_are_paged_and_filtered_in_the_store(setup) -> None:  # noqa: ANN001
    client, h, _ = setup
    for n in range(5):
        body = {**PROPOSAL, "subject": f"lure-{n}.site"}
        assert client.post("/api/review", json=body, headers=h["ana"]).status_code == 201
    page = client.get("/api/actions?status=pending_review&offset=2&limit=2", headers=h["view"])
    body = page.json()
    assert (body["total"], body["offset"], body["limit"]) == (5, 2, 2)
    assert [a["subject"] for a in body["items"]] == ["lure-2.site", "lure-3.site"]
    assert client.get("/api/actions?limit=0", headers=h["view"]).status_code == 422
    assert client.get("/api/actions?operation_id=op-9", headers=h["view"]).json()["total"] == 0
