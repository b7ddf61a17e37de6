"""API keys over the REST API (admin only): list without secrets, create once, revoke now."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from pydantic import SecretStr

from mercwatch.api import ApiSettings, create_app
from mercwatch.auth.keyfile import add_key
from mercwatch.auth.keys import Role
from mercwatch.web import WebSettings


def client_for(tmp_path: Path) -> tuple[TestClient, dict[str, str]]:
    keys = tmp_path / "keys.json"
    tokens = {role: add_key(keys, f"k-{role.value}", role)[0] for role in Role}
    settings = ApiSettings(keys_file=keys)
    web = WebSettings(state_url=None, session_secret=SecretStr("s" * 40))
    client = TestClient(create_app(settings, web=web))
    return client, {r.value: f"Bearer {t}" for r, t in tokens.items()}


def test_only_admins_manage_keys(tmp_path: Path) -> None:
    client, auth = client_for(tmp_path)
    for role in ("viewer", "analyst", "reviewer"):
        h = {"Authorization": auth[role]}
        assert client.get("/api/keys", headers=h).status_code == 403
        body = {"id": "x", "role": "admin"}
        assert client.post("/api/keys", json=body, headers=h).status_code == 403
        assert client.delete("/api/keys/k-viewer", headers=h).status_code == 403
    assert client.get("/api/keys").status_code == 401


def test_list_create_use_revoke(tmp_path: Path) -> None:
    client, auth = client_for(tmp_path)
    admin = {"Authorization": auth["admin"]}
    listed = client.get("/api/keys", headers=admin)
    assert [k["id"] for k in listed.json()] == ["k-viewer", "k-analyst", "k-reviewer", "k-admin"]
    assert "scrypt" not in listed.text and "hash" not in listed.json()[0]
    assert listed.json()[0]["created"].endswith("Z")

    made = client.post("/api/keys", json={"id": "bot", "role": "analyst"}, headers=admin)
    assert made.status_code == 201
    credential = made.json()["credential"]
    assert credential.startswith("bot.")
    bot = {"X-API-Key": credential}
    assert client.get("/api/notifications", headers=bot).status_code == 503  # in, no run dir
    again = client.post("/api/keys", json={"id": "bot", "role": "viewer"}, headers=admin)
    assert again.status_code == 409
    assert credential not in client.get("/api/keys", headers=admin).text

    assert client.delete("/api/keys/bot", headers=admin).status_code == 204
    assert client.get("/api/notifications", headers=bot).status_code == 401
    assert client.delete("/api/keys/bot", headers=admin).status_code == 404
    bad = client.post("/api/keys", json={"id": "no spaces", "role": "viewer"}, headers=admin)
    assert bad.status_code == 422


def test_the_last_admin_key_cannot_be_revoked(tmp_path: Path) -> None:
    client, auth = client_for(tmp_path)
    admin = {"Authorization": auth["admin"]}
    assert client.delete("/api/keys/k-admin", headers=admin).status_code == 409
    second = client.post("/api/keys", json={"id": "root2", "role": "admin"}, headers=admin)
    assert client.delete("/api/keys/k-admin", headers=admin).status_code == 204
    assert client.get("/api/keys", headers=admin).status_code == 401
    root2 = {"Authorization": f"Bearer {second.json()['credential']}"}
    assert [k["id"] for k in client.get("/api/keys", headers=root2).json()][-1] == "root2"
