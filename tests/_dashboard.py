"""Signing in to the dashboard from a test client: shared by the tests in tests/web.

The dashboard's session cookies are ``Secure``, so the test client speaks (pretend)
HTTPS; every form carries a token the tests read back from the page.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

from pydantic import SecretStr

from mercwatch.api import ApiSettings, create_app
from mercwatch.web import WebSettings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

SECRET = "s" * 40
NONCE = re.compile(r'name="nonce" value="([^"]+)"')
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def make_client(run: Any, *, state: bool = True) -> TestClient:
    """A client of the whole app (API + dashboard) over ``run``'s folder, export and store."""
    web = WebSettings(
        state_url=run.state_url if state else None,
        export_dir=run.export,
        session_secret=SecretStr(SECRET),
    )
    app = create_app(ApiSettings(run_dir=run.out), authenticator=run.auth, web=web)
    return TestClient(app, base_url="https://testserver")


def login(client: TestClient, token: str, next_: str = "/") -> Any:
    """Sign in with an API key through the sign-in form; returns the POST's response."""
    nonce = NONCE.search(client.get("/login").text).group(1)  # type: ignore[union-attr]
    return client.post(
        "/login", data={"token": token, "nonce": nonce, "next": next_}, follow_redirects=False
    )


def signed_in(run: Any, token: str) -> TestClient:
    client = make_client(run)
    assert login(client, token).status_code == 303
    return client


def csrf_of(client: TestClient) -> str:
    """The signed-in session's CSRF token, as every page's sign-out form carries it."""
    return CSRF.search(client.get("/outbox").text).group(1)  # type: ignore[union-attr]
