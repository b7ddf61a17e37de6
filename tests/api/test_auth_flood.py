"""A bad-key flood costs a bounded number of scrypt checks, so the server stays responsive.

Speed is not asserted (no timed tests): what made ``/api/health`` take 5.7 s was one
scrypt per wrong key, so the tests count scrypt calls while flooding.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mercwatch.api import ApiSettings, Authenticator, Role, create_app, new_api_key
from mercwatch.auth.throttle import FailureLimiter, TooManyAttempts
from mercwatch.web import WebSettings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture()
def scrypt_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts real scrypt computations (the real function still runs)."""
    calls: list[int] = []
    real: Callable[..., bytes] = hashlib.scrypt

    def counting(*args: Any, **kwargs: Any) -> bytes:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counting)
    return calls


def _app(tmp_path: Path, auth: Authenticator) -> Any:
    web = WebSettings(session_secret="s" * 40)
    (tmp_path / "operations.json").write_text('{"operations": []}', encoding="utf-8")
    return create_app(ApiSettings(run_dir=tmp_path), authenticator=auth, web=web)


def test_one_client_flooding_bad_keys_gets_429_without_scrypt(
    tmp_path: Path, scrypt_calls: list[int]
) -> None:
    token, key = new_api_key("good", Role.READER)
    auth = Authenticator([key], limiter=FailureLimiter(per_client=10, clock=lambda: 0.0))
    flooder = TestClient(_app(tmp_path, auth), client=("203.0.113.7", 4000))
    scrypt_calls.clear()
    codes = [
        flooder.get("/api/operations", headers={"X-API-Key": f"good.wrong{n}"}).status_code
        for n in range(200)
    ]
    assert codes[:10] == [401] * 10 and set(codes[10:]) == {429}
    assert len(scrypt_calls) == 10
    refused = flooder.get("/api/operations", headers={"X-API-Key": "x.y"})
    assert refused.headers["retry-after"] == "6"
    # Health needs no key and no scrypt; another client is not punished for the flood.
    assert flooder.get("/api/health").status_code == 200
    other = TestClient(flooder.app, client=("198.51.100.2", 4000))
    assert other.get("/api/operations", headers={"X-API-Key": token}).status_code == 200
    assert len(scrypt_calls) == 11


def test_a_flood_from_many_addresses_is_bounded_by_the_global_budget(
    scrypt_calls: list[int],
) -> None:
    now = [0.0]
    limiter = FailureLimiter(per_client=10, global_per_second=5.0, clock=lambda: now[0])
    token, key = new_api_key("good", Role.WRITER)
    auth = Authenticator([key], limiter=limiter)
    assert auth.authenticate("good", token.split(".", 1)[1], "10.9.9.9") is not None
    scrypt_calls.clear()
    refused = 0
    for n in range(1000):
        try:
            assert auth.authenticate("good", f"guess{n}", f"10.0.{n // 250}.{n % 250}") is None
        except TooManyAttempts:
            refused += 1
    assert len(scrypt_calls) == 25 and refused == 975  # a 5-second burst at 5 per second
    # A key verified before the flood needs no scrypt, so it still works.
    assert auth.authenticate("good", token.split(".", 1)[1], "10.9.9.9") is not None
    assert len(scrypt_calls) == 25
    now[0] = 1.0  # one second later: five more checks may run
    outcomes = []
    for n in range(10):
        try:
            outcomes.append(auth.authenticate("good", f"late{n}", f"10.1.0.{n}"))
        except TooManyAttempts:
            outcomes.append("429")
    assert outcomes.count(None) == 5 and len(scrypt_calls) == 30


def test_a_valid_key_refunds_its_reservation() -> None:
    token, key = new_api_key("good", Role.READER)
    auth = Authenticator([key], limiter=FailureLimiter(per_client=1, clock=lambda: 0.0))
    secret = token.split(".", 1)[1]
    for _ in range(3):
        auth.replace_keys([key])  # forget the cached check: every round pays scrypt
        assert auth.authenticate("good", secret, "c") is not None
    assert auth.authenticate("good", "bad", "c") is None
    with pytest.raises(TooManyAttempts):
        auth.authenticate("good", secret + "x", "c")


def test_dashboard_sign_in_is_throttled_too(tmp_path: Path, scrypt_calls: list[int]) -> None:
    _, key = new_api_key("good", Role.READER)
    auth = Authenticator([key], limiter=FailureLimiter(per_client=3, clock=lambda: 0.0))
    client = TestClient(_app(tmp_path, auth), base_url="https://testserver")
    scrypt_calls.clear()
    codes = []
    for n in range(8):
        page = client.get("/login").text
        nonce = page.split('name="nonce" value="', 1)[1].split('"', 1)[0]
        codes.append(
            client.post("/login", data={"token": f"good.bad{n}", "nonce": nonce}).status_code
        )
    assert codes == [401] * 3 + [429] * 5 and len(scrypt_calls) == 3
