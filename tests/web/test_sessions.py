"""Dashboard sessions end when they should: sign-out and key removal take effect at once.

A signed cookie alone stays valid until it expires; these tests replay old cookies
after sign-out, after the key is revoked (by the API and by editing the keys file the
server reads), re-issued or demoted, and check the server refuses every one of them.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any

from mercwatch.api import ApiSettings, Authenticator, Role, create_app, new_api_key
from mercwatch.web import WebSettings
from mercwatch.web.session import Session, SessionRegistry

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

SECRET = "s" * 40
NONCE = re.compile(r'name="nonce" value="([^"]+)"')
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _app(run: Any, auth: Authenticator | None = None, settings: ApiSettings | None = None) -> Any:
    web = WebSettings(state_url=run.state_url, export_dir=run.export, session_secret=SECRET)
    return create_app(settings or ApiSettings(run_dir=run.out), authenticator=auth, web=web)


def _client(app: Any, cookie: str | None = None) -> TestClient:
    client = TestClient(app, base_url="https://testserver")
    if cookie is not None:
        client.cookies.set("mw_session", cookie)
    return client


def _login(client: TestClient, token: str) -> str:
    nonce = NONCE.search(client.get("/login").text).group(1)  # type: ignore[union-attr]
    response = client.post(
        "/login", data={"token": token, "nonce": nonce, "next": "/"}, follow_redirects=False
    )
    assert response.status_code == 303
    return str(client.cookies["mw_session"])


def _signed_in(client: TestClient) -> bool:
    return client.get("/", follow_redirects=False).status_code == 200


def test_a_cookie_replayed_after_sign_out_is_refused(run: Any) -> None:
    token, key = new_api_key("analyst", Role.READER)
    app = _app(run, Authenticator([key]))
    client = _client(app)
    cookie = _login(client, token)
    csrf = CSRF.search(client.get("/outbox").text).group(1)  # type: ignore[union-attr]
    assert client.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    replay = _client(app, cookie)
    response = replay.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_a_revoked_writer_key_cannot_approve_with_its_old_session(run: Any) -> None:
    token, key = new_api_key("writer-x", Role.WRITER)
    auth = Authenticator([key])
    app = _app(run, auth)
    client = _client(app)
    _login(client, token)
    action_id = run.pending_ids[0]
    csrf = CSRF.search(client.get("/review").text).group(1)  # type: ignore[union-attr]
    assert auth.revoke("writer-x")
    response = client.post(
        f"/review/{action_id}",
        data={"decision": "approve", "note": "looks right", "csrf": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303 and "/login" in response.headers["location"]
    assert action_id in [p.id for p in run.enforcer().pending_reviews()]
    assert not _signed_in(client)


def test_removing_a_key_from_the_keys_file_ends_its_sessions(run: Any, tmp_path: Path) -> None:
    kept_token, kept = new_api_key("kept", Role.READER)
    gone_token, gone = new_api_key("gone", Role.ADMIN)

    def write(*keys: Any) -> None:
        records = [{"id": k.key_id, "role": k.role.value, "hash": k.secret_hash} for k in keys]
        keys_file.write_text(json.dumps(records), encoding="utf-8")

    keys_file = tmp_path / "keys.json"
    write(kept, gone)
    app = _app(run, settings=ApiSettings(run_dir=run.out, keys_file=keys_file))
    kept_client, gone_client = _client(app), _client(app)
    _login(kept_client, kept_token)
    gone_cookie = _login(gone_client, gone_token)
    api = _client(app)
    assert api.get("/api/operations", headers={"X-API-Key": gone_token}).status_code == 200

    write(kept)  # the operator deletes the line; no restart
    assert not _signed_in(_client(app, gone_cookie))
    assert api.get("/api/operations", headers={"X-API-Key": gone_token}).status_code == 401
    assert _signed_in(kept_client)


def test_a_reissued_or_demoted_key_ends_the_old_session(run: Any) -> None:
    token, key = new_api_key("rotating", Role.ADMIN)
    auth = Authenticator([key])
    app = _app(run, auth)
    client = _client(app)
    _login(client, token)
    new_token, reissued = new_api_key("rotating", Role.ADMIN)
    auth.replace_keys([reissued])
    assert not _signed_in(client)
    # The old secret's cached check is gone too: it no longer opens the API.
    api = _client(app)
    assert api.get("/api/operations", headers={"X-API-Key": token}).status_code == 401

    _login(client, new_token)
    demoted = type(reissued)(reissued.key_id, Role.READER, reissued.secret_hash)
    auth.replace_keys([demoted])
    assert not _signed_in(client)


def test_the_cookie_holds_only_a_session_id(run: Any) -> None:
    token, key = new_api_key("plain", Role.ADMIN)
    client = _client(_app(run, Authenticator([key])))
    cookie = _login(client, token)
    payload = cookie.split(".")[0]
    assert "admin" not in payload and "plain" not in payload and token not in cookie


def test_the_registry_expires_and_bounds_sessions() -> None:
    now = [0.0]
    registry = SessionRegistry(max_age=60, clock=lambda: now[0], limit=3)
    for n in range(5):
        registry.add(Session(f"k{n}", Role.READER, "c", f"s{n}", "f"))
    assert len(registry) == 3 and registry.get("s0") is None and registry.get("s4") is not None
    now[0] = 61.0
    assert registry.get("s4") is None
    registry.add(Session("k", Role.READER, "c", "s5", "f"))
    assert registry.drop_key("k") == 1 and registry.get("s5") is None
