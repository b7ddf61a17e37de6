"""One security-header policy on every response of every app, errors and 404s included.

The REST API returns targeted people; before, only the dashboard's pages carried
``Cache-Control: no-store``, ``nosniff`` and a CSP. Every response below (API,
TAXII, dashboard; 200, 303, 401, 404, 405, 413, 422, 500) must carry all of them,
and HSTS exactly when cookies are Secure.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute

from mercwatch.api import ApiSettings, Authenticator, Role, create_app, new_api_key
from mercwatch.auth.http_policy import BASE_HEADERS, HSTS
from mercwatch.intel.taxii.server import create_taxii_server
from mercwatch.web import WebSettings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

TAXII = {"Accept": "application/taxii+json;version=2.1"}


@pytest.fixture(scope="module")
def keyring() -> tuple[str, Authenticator]:
    token, key = new_api_key("admin", Role.ADMIN)
    return token, Authenticator([key])


def _settings(tmp_path: Path, **extra: Any) -> ApiSettings:
    (tmp_path / "operations.json").write_text('{"operations": []}', encoding="utf-8")
    return ApiSettings(run_dir=tmp_path, taxii_store=tmp_path / "taxii", **extra)


def _boom() -> None:
    raise RuntimeError("an unhandled bug")


def _app(tmp_path: Path, auth: Authenticator, *, secure: bool) -> Any:
    web = WebSettings(session_secret="s" * 40, secure_cookies=secure)
    app = create_app(_settings(tmp_path), authenticator=auth, web=web)
    # A route that fails the way a bug would: Starlette's own 500 page must be covered.
    app.router.routes.insert(0, APIRoute("/api/boom", _boom))
    return app


def _assert_policy(response: Any, *, hsts: bool) -> None:
    where = f"{response.request.method} {response.request.url.path} -> {response.status_code}"
    for name, value in BASE_HEADERS.items():
        assert response.headers.get(name) == value, f"{where}: {name}"
    assert (response.headers.get("strict-transport-security") == HSTS) is hsts, where


def _requests(token: str) -> list[tuple[str, str, dict[str, Any]]]:
    key = {"X-API-Key": token}
    return [
        ("GET", "/api/health", {}),
        ("GET", "/api/operations", {}),
        ("GET", "/api/operations", {"headers": key}),
        ("GET", "/api/operations/nope", {"headers": key}),
        ("GET", "/api/operations?limit=-5", {"headers": key}),
        ("DELETE", "/taxii2/", {"headers": TAXII}),
        ("GET", "/api/boom", {}),
        ("GET", "/openapi.json", {}),
        ("GET", "/taxii2/", {"headers": TAXII}),
        ("GET", "/taxii2/", {"headers": {**TAXII, **key}}),
        ("GET", "/taxii2/mercwatch/collections/none/", {"headers": {**TAXII, **key}}),
        ("GET", "/taxii2/nowhere", {"headers": TAXII}),
        ("GET", "/", {}),
        ("GET", "/login", {}),
        ("GET", "/static/dashboard.css", {}),
        ("GET", "/no/such/page", {}),
        (
            "POST",
            "/login",
            {
                "content": b"x" * 20_000_000,
                "headers": {"Content-Type": "application/x-www-form-urlencoded"},
            },
        ),
    ]


@pytest.mark.parametrize("secure", [True, False])
def test_every_response_of_every_app_carries_the_policy(
    tmp_path: Path, keyring: tuple[str, Authenticator], secure: bool
) -> None:
    client = TestClient(
        _app(tmp_path, keyring[1], secure=secure),
        base_url="https://testserver",
        raise_server_exceptions=False,
    )
    seen = set()
    for method, path, kwargs in _requests(keyring[0]):
        response = client.request(method, path, follow_redirects=False, **kwargs)
        seen.add(response.status_code)
        _assert_policy(response, hsts=secure)
    assert {200, 303, 401, 404, 405, 413, 422, 500} <= seen


def test_a_signed_in_dashboard_page_carries_the_policy(
    tmp_path: Path, keyring: tuple[str, Authenticator]
) -> None:
    client = TestClient(_app(tmp_path, keyring[1], secure=True), base_url="https://testserver")
    page = client.get("/login").text
    nonce = page.split('name="nonce" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/login", data={"token": keyring[0], "nonce": nonce}, follow_redirects=False
    )
    _assert_policy(response, hsts=True)
    _assert_policy(client.get("/operations"), hsts=True)


def test_the_standalone_taxii_server_carries_the_policy(
    tmp_path: Path, keyring: tuple[str, Authenticator], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, key = new_api_key("reader", Role.READER)
    record = {"id": key.key_id, "role": "reader", "hash": key.secret_hash}
    for hsts in (True, False):
        settings = _settings(tmp_path, api_keys=[record], hsts=hsts)
        client = TestClient(create_taxii_server(settings))
        for path in ["/taxii2/", "/nothing", "/taxii2/mercwatch/"]:
            _assert_policy(client.get(path, headers=TAXII), hsts=hsts)
