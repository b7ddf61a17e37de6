"""The dashboard over a real run: sign-in, roles, CSRF, escaping, review decisions, audit."""

from __future__ import annotations

import json
import re
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from _dashboard import SECRET, csrf_of, login, make_client
from itsdangerous import URLSafeTimedSerializer
from markupsafe import escape
from pydantic import SecretStr
from sqlalchemy import text, update
from typer.testing import CliRunner

from mercwatch.api import ApiSettings, Role, create_app, hash_secret
from mercwatch.cli import app as cli_app
from mercwatch.enforce import Enforcer, load_policy, read_audit, verify_audit
from mercwatch.model import Action, ActionKind, ActionStatus, Phase
from mercwatch.notify import Outbox
from mercwatch.store.state import StateStore, audit_log
from mercwatch.web import WebSettings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

OWN_SCRIPTS = re.compile(
    r'<script (src="/static/[\w./-]+\.js" defer|type="application/json" id="graph-data")>'
)


@pytest.fixture(scope="module")
def clients(run: Any) -> dict[Role, TestClient]:
    signed_in = {}
    for role in Role:
        client = make_client(run)
        assert login(client, run.tokens[role]).status_code == 303
        signed_in[role] = client
    return signed_in


def assert_escaped(page: str, *hostile: str) -> None:
    for value in hostile:
        assert value not in page
        assert str(escape(value)) in page
    # The operation page's own scripts: two static files and the graph's JSON block.
    lowered = OWN_SCRIPTS.sub("", page).lower()
    assert "<script" not in lowered and "<svg" not in lowered and "<img" not in lowered


# --- sign-in and sessions -------------------------------------------------------------


def test_every_page_needs_a_session(run: Any) -> None:
    client = make_client(run)
    for path in [
        "/",
        "/operations",
        f"/operations/{run.hostile_op}",
        "/review",
        "/audit",
        "/outbox",
    ]:
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")
    response = client.post(
        f"/review/{run.pending_ids[0]}",
        data={"decision": "approve", "note": "x", "csrf": "x"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert run.pending_ids[0] in [p.id for p in run.enforcer().pending_reviews()]


def test_sign_in_sets_a_hardened_session_cookie(run: Any) -> None:
    client = make_client(run)
    response = login(client, run.tokens[Role.READER], "/operations")
    assert response.status_code == 303 and response.headers["location"] == "/operations"
    cookie = next(
        v
        for k, v in response.headers.multi_items()
        if k == "set-cookie" and v.startswith("mw_session=")
    )
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "secure", "samesite=strict", "path=/"} <= flags
    assert run.tokens[Role.READER].split(".", 1)[1] not in cookie
    assert client.get("/operations").status_code == 200


def test_wrong_key_forged_cookie_and_stale_form_are_refused(run: Any) -> None:
    client = make_client(run)
    bad = login(client, run.tokens[Role.ADMIN][:-2] + "xx")
    assert bad.status_code == 401 and "not valid" in bad.text
    assert "mw_session" not in client.cookies
    stale = client.post("/login", data={"token": run.tokens[Role.ADMIN], "nonce": "guess"})
    assert stale.status_code == 400 and "mw_session" not in client.cookies
    assert login(client, run.tokens[Role.READER]).status_code == 303
    genuine = client.cookies["mw_session"]
    # Promoted to admin, signed with a key that is not the server's:
    promoted = URLSafeTimedSerializer("w" * 40, salt="mercwatch.web.session").dumps(
        {"k": "reader-1", "r": "admin", "c": "x"}
    )
    for forged in [
        promoted,
        genuine[:-4] + ("AAAA" if genuine[-4:] != "AAAA" else "BBBB"),
        "garbage",
    ]:
        other = make_client(run)
        other.cookies.set("mw_session", forged)
        assert other.get("/", follow_redirects=False).status_code == 303


def test_sign_in_never_redirects_off_site(run: Any) -> None:
    for target in ["//evil.example/x", "https://evil.example/", "/\\evil.example"]:
        response = login(make_client(run), run.tokens[Role.READER], target)
        assert response.headers["location"] == "/"


def test_sign_out_needs_the_csrf_token_and_ends_the_session(run: Any) -> None:
    client = make_client(run)
    login(client, run.tokens[Role.READER])
    assert client.post("/logout", data={"csrf": "nope"}).status_code == 403
    assert client.get("/").status_code == 200
    response = client.post("/logout", data={"csrf": csrf_of(client)}, follow_redirects=False)
    assert response.status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


def test_pages_forbid_scripts_and_framing(clients: dict[Role, TestClient]) -> None:
    headers = clients[Role.READER].get("/").headers
    assert "script-src" not in headers["content-security-policy"]
    assert "default-src 'none'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert clients[Role.READER].get("/static/dashboard.css").status_code == 200


def test_api_still_answers_beside_the_dashboard(run: Any, clients: dict[Role, TestClient]) -> None:
    client = clients[Role.READER]
    assert client.get("/api/health").json()["status"] == "ok"
    assert client.get("/api/operations").status_code == 401  # sessions are not API keys
    assert "/" not in client.get("/openapi.json").json()["paths"]


# --- what the pages show --------------------------------------------------------------


def test_overview_counts_match_the_run_folder(run: Any, clients: dict[Role, TestClient]) -> None:
    page = clients[Role.READER].get("/").text
    summary = json.loads((run.out / "summary.json").read_text())
    ops = json.loads((run.out / "operations.json").read_text())["operations"]
    notes = (run.out / "notifications.jsonl").read_text().splitlines()
    warned = len({json.loads(line)["account_id"] for line in notes})
    rejects = [json.loads(line) for line in (run.out / "rejects.jsonl").read_text().splitlines()]
    assert rejects, "the fixture export has bad rows"
    assert f'<span class="num">{len(ops)}</span><span class="label">operations' in page
    assert f'<span class="num">{warned}</span><span class="label">people to warn' in page
    assert f'<td class="n">{summary["rows_rejected"]}</td>' in page
    for (table, reason), n in Counter((r["table"], r["reason"]) for r in rejects).items():
        row = f'<td>{table}</td><td class="wrap">{escape(reason)}</td><td class="n">{n}</td>'
        assert row in page
    reached = sum("engagement" in o["phases"] for o in ops)
    assert f'href="/operations?phase=engagement">{reached}</a>' in page


def operation_ids(page: str) -> list[str]:
    return re.findall(r'<a class="mono" href="/operations/([^"]+)">', page)


def test_operations_sort_and_filter(run: Any, clients: dict[Role, TestClient]) -> None:
    client = clients[Role.READER]
    ops = json.loads((run.out / "operations.json").read_text())["operations"]
    conf = {o["operation_id"]: o["confidence"] for o in ops}
    desc = operation_ids(client.get("/operations?sort=confidence&order=desc").text)
    asc = operation_ids(client.get("/operations?sort=confidence&order=asc").text)
    assert sorted(desc) == sorted(conf)
    assert [conf[i] for i in desc] == sorted(conf.values(), reverse=True)
    assert [conf[i] for i in asc] == sorted(conf.values())
    recon_only = operation_ids(client.get("/operations?phase=exploitation").text)
    assert set(recon_only) == {o["operation_id"] for o in ops if "exploitation" in o["phases"]}
    by_actor = client.get("/operations", params={"actor": run.hostile[2]}).text
    assert operation_ids(by_actor) == [run.hostile_op]
    unattributed = operation_ids(client.get("/operations?actor=(none)").text)
    assert run.hostile_op not in unattributed and len(unattributed) == len(ops) - 1


def test_operation_detail_shows_evidence_accounts_and_counts(
    run: Any, clients: dict[Role, TestClient]
) -> None:
    ops = json.loads((run.out / "operations.json").read_text())["operations"]
    op = next(o for o in ops if o["operation_id"] == run.hostile_op)
    page = clients[Role.READER].get(f"/operations/{run.hostile_op}").text
    for detector in {e["detector"] for e in op["evidence"]}:
        assert f"<code>{detector}</code>" in page
    for account in op["accounts"]:
        assert f'<td class="mono">{account}</td>' in page
    warned = sum(  # contract v2: one record per person, listing every operation
        run.hostile_op in json.loads(line)["operation_ids"]
        for line in (run.out / "notifications.jsonl").read_text().splitlines()
    )
    assert f'<span class="num">{warned}</span><span class="label">people warned' in page
    targeted = len(set(op["targets"]))
    assert f'<span class="num">{targeted}</span><span class="label">people targeted' in page
    assert "disable account" in page or "checkpoint account" in page  # stored actions


def test_target_ids_only_for_roles_that_see_targets(
    run: Any, clients: dict[Role, TestClient]
) -> None:
    op = next(
        o
        for o in json.loads((run.out / "operations.json").read_text())["operations"]
        if o["operation_id"] == run.hostile_op
    )
    page = clients[Role.VIEWER].get(f"/operations/{run.hostile_op}").text
    assert not [t for t in op["targets"] if t in page]
    for role in (Role.ANALYST, Role.REVIEWER, Role.ADMIN):
        assert role.sees_targets
        page = clients[role].get(f"/operations/{run.hostile_op}").text
        assert all(t in page for t in op["targets"])


def test_user_controlled_text_is_escaped_everywhere(
    run: Any, clients: dict[Role, TestClient]
) -> None:
    client = clients[Role.WRITER]
    name, bio, actor, detail, reason, domain = run.hostile
    assert_escaped(
        client.get(f"/operations/{run.hostile_op}").text, name, bio, actor, detail, domain
    )
    assert_escaped(client.get("/operations").text, actor)
    assert_escaped(client.get("/review").text, name, bio, reason, domain)
    assert_escaped(client.get("/audit").text, reason, domain)


def test_unknown_operation_is_a_404_page(clients: dict[Role, TestClient]) -> None:
    response = clients[Role.READER].get("/operations/<b>op-nope<b>")
    assert response.status_code == 404 and "&lt;b&gt;op-nope&lt;b&gt;" in response.text


def test_outbox_page_shows_the_store_counts(run: Any, clients: dict[Role, TestClient]) -> None:
    status = Outbox(run.store()).status()
    page = clients[Role.READER].get("/outbox").text
    assert f'<span class="num">{status.pending}</span><span class="label">pending' in page
    assert f'<span class="num">{status.people}</span><span class="label">people queued' in page
    for level, n in status.by_level:
        assert f'phase-{level}">{level}</span></td><td class="n">{n}</td>' in page


def test_without_a_state_store_pages_say_so(run: Any) -> None:
    client = make_client(run, state=False)
    login(client, run.tokens[Role.WRITER])
    for path in ["/review", "/audit", "/outbox"]:
        response = client.get(path)
        assert response.status_code == 200 and "No state store is configured" in response.text


# --- review decisions -------------------------------------------------------------------


def decide(
    client: TestClient, action_id: int, decision: str, note: str, csrf: str | None = None
) -> Any:
    data = {"decision": decision, "note": note, "csrf": csrf_of(client) if csrf is None else csrf}
    return client.post(f"/review/{action_id}", data=data, follow_redirects=False)


def test_readers_see_the_queue_but_cannot_decide(run: Any, clients: dict[Role, TestClient]) -> None:
    reader = clients[Role.READER]
    assert 'action="/review/' not in reader.get("/review").text
    before = len(read_audit(run.store()))
    response = decide(reader, run.pending_ids[2], "approve", "looks bad")
    assert response.status_code == 403
    assert len(read_audit(run.store())) == before
    assert run.pending_ids[2] in [p.id for p in run.enforcer().pending_reviews()]


def test_decisions_need_the_session_csrf_token(run: Any, clients: dict[Role, TestClient]) -> None:
    writer = clients[Role.WRITER]
    other = make_client(run)
    login(other, run.tokens[Role.WRITER])
    for token in ["", "forged", csrf_of(other)]:
        assert decide(writer, run.pending_ids[2], "approve", "x", csrf=token).status_code == 403
    assert run.pending_ids[2] in [p.id for p in run.enforcer().pending_reviews()]


def test_a_decision_needs_a_reason(run: Any, clients: dict[Role, TestClient]) -> None:
    response = decide(clients[Role.WRITER], run.pending_ids[2], "approve", "   ")
    assert response.status_code == 400
    assert decide(clients[Role.WRITER], run.pending_ids[2], "delete", "x").status_code == 400


def test_approve_applies_the_action_and_writes_the_audit_log(
    run: Any, clients: dict[Role, TestClient]
) -> None:
    writer, action_id = clients[Role.WRITER], run.pending_ids[2]
    response = decide(writer, action_id, "approve", "lure domain confirmed <b>by hand</b>")
    assert response.status_code == 303
    assert response.headers["location"] == f"/review?done={action_id}-applied"
    stored = {s.id: s for s in run.enforcer().list_actions()}[action_id]
    assert stored.action.status is ActionStatus.APPLIED
    entry = read_audit(run.store())[-1]
    assert (entry.actor, entry.action, entry.reason) == (
        "dashboard:reviewer-1",
        "review_approve:block_url",
        "lure domain confirmed <b>by hand</b>",
    )
    assert verify_audit(run.store()) == entry.id
    page = writer.get("/audit").text
    assert "dashboard:reviewer-1" in page and "lure domain confirmed &lt;b&gt;by hand" in page
    assert f'id="action-{action_id}"' not in writer.get("/review").text
    assert decide(writer, action_id, "approve", "again").status_code == 409


def test_reject_leaves_the_subject_alone(run: Any, clients: dict[Role, TestClient]) -> None:
    action_id = run.pending_ids[1]
    assert decide(clients[Role.ADMIN], action_id, "reject", "benign lookalike").status_code == 303
    stored = {s.id: s for s in run.enforcer().list_actions()}[action_id]
    assert stored.action.status is ActionStatus.REJECTED
    assert read_audit(run.store())[-1].actor == "dashboard:admin-1"


def test_audit_page_verifies_the_chain_and_reports_tampering(
    run: Any, tmp_path: Path, clients: dict[Role, TestClient]
) -> None:
    page = clients[Role.READER].get("/audit?verify=true").text
    assert f"Chain verified: {verify_audit(run.store())} entries" in page
    url = f"sqlite:///{(tmp_path / 'tampered.db').as_posix()}"
    store = StateStore.open(url)
    Enforcer(store, load_policy()).apply(
        [Action(ActionKind.DISABLE_ACCOUNT, "u1", "op-1", ActionStatus.APPLIED, "policy")], {}
    )
    with store.transaction() as conn:
        conn.execute(text("DROP TRIGGER audit_log_no_update"))  # what an intruder would do
        conn.execute(update(audit_log).values(reason="nothing to see"))
    client = TestClient(
        create_app(
            ApiSettings(run_dir=run.out),
            authenticator=run.auth,
            web=WebSettings(state_url=url, session_secret=SecretStr(SECRET)),
        ),
        base_url="https://testserver",
    )
    login(client, run.tokens[Role.READER])
    assert "Chain broken at audit entry 1" in client.get("/audit?verify=true").text


# --- the serve verb ---------------------------------------------------------------------


def test_serve_verb_needs_keys(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MERCWATCH_API_KEYS", raising=False)
    result = CliRunner().invoke(cli_app, ["serve", "--out", str(run.out)])
    assert result.exit_code == 2 and "no API keys" in result.output


def test_serve_verb_serves_dashboard_and_api(
    run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps([{"id": "ana", "role": "writer", "hash": hash_secret("pw")}]))
    served: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.update(app=app, **kw))
    monkeypatch.setenv("MERCWATCH_SESSION_SECRET", SECRET)
    result = CliRunner().invoke(
        cli_app,
        [
            "serve",
            "--out",
            str(run.out),
            "--state-url",
            run.state_url,
            "--keys-file",
            str(keys),
            "--port",
            "8099",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (served["host"], served["port"]) == ("127.0.0.1", 8099)
    client = TestClient(served["app"], base_url="https://testserver")
    assert login(client, "ana.pw").status_code == 303
    assert "Review queue" in client.get("/review").text
    assert client.get("/api/health").json()["operations"] is True
    assert Phase.RECONNAISSANCE.value in client.get("/operations").text
