"""API keys: hashing, the three ways to present one, roles, and where keys come from."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from mercwatch.auth.authenticator import (
    ApiKey,
    Authenticator,
    Principal,
    Role,
    hash_secret,
    new_api_key,
    verify_secret,
)
from mercwatch.auth.settings import ApiSettings, load_settings
from mercwatch.errors import ConfigError

SALT = b"0123456789abcdef"


@pytest.fixture(scope="module")
def keys() -> dict[str, tuple[str, ApiKey]]:
    return {role.value: new_api_key(f"{role.value}-1", role) for role in Role}


@pytest.fixture(scope="module")
def client(keys: dict[str, tuple[str, ApiKey]]) -> TestClient:
    auth = Authenticator(record for _, record in keys.values())
    app = FastAPI()
    reader, admin_only = Depends(auth.require(Role.READER)), Depends(auth.require(Role.ADMIN))

    @app.get("/read")
    def read(p: Principal = reader) -> dict[str, str]:
        return {"who": p.key_id, "role": p.role.value}

    @app.get("/admin")
    def admin(p: Principal = admin_only) -> dict[str, str]:
        return {"who": p.key_id}

    return TestClient(app)


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_hash_round_trip_and_no_secret_in_the_hash() -> None:
    encoded = hash_secret("s3cret", salt=SALT)
    assert encoded.startswith("scrypt$16384$8$1$") and "s3cret" not in encoded
    assert verify_secret("s3cret", encoded)
    assert not verify_secret("s3cret ", encoded)
    assert not verify_secret("s3cret", "scrypt$garbage")


@settings(max_examples=5, deadline=None)  # scrypt is slow on purpose
@given(st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=40))
def test_only_the_same_secret_verifies(a: str, b: str) -> None:
    encoded = hash_secret(a, salt=SALT)
    assert verify_secret(b, encoded) is (a == b)


def test_three_ways_to_present_a_key(client: TestClient, keys: dict) -> None:
    token, record = keys["viewer"]
    key_id, secret = token.split(".", 1)
    for headers in (
        basic(key_id, secret),
        {"Authorization": f"Bearer {token}"},
        {"X-API-Key": token},
    ):
        response = client.get("/read", headers=headers)
        assert response.json() == {"who": "viewer-1", "role": "viewer"}, headers


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-API-Key": "reader-1.wrong"},
        {"X-API-Key": "no-dot"},
        {"Authorization": "Bearer nobody.secret"},
        {"Authorization": "Basic !!!not-base64"},
    ],
)
def test_missing_or_wrong_credentials_are_401(client: TestClient, headers: dict) -> None:
    response = client.get("/read", headers=headers)
    assert response.status_code == 401
    assert "Basic" in response.headers["WWW-Authenticate"]


def test_roles_are_ordered(client: TestClient, keys: dict) -> None:
    assert client.get("/admin", headers={"X-API-Key": keys["reviewer"][0]}).status_code == 403
    assert client.get("/admin", headers={"X-API-Key": keys["admin"][0]}).status_code == 200
    assert client.get("/read", headers={"X-API-Key": keys["admin"][0]}).status_code == 200
    assert Role.WRITER.allows(Role.READER) and not Role.READER.allows(Role.WRITER)


def test_verified_keys_are_cached_but_a_changed_role_is_not_trusted() -> None:
    token, record = new_api_key("k", Role.WRITER)
    key_id, secret = token.split(".", 1)
    auth = Authenticator([record])
    assert auth.authenticate(key_id, secret) == Principal("k", Role.WRITER)
    assert auth.authenticate(key_id, secret) == Principal("k", Role.WRITER)  # from the cache
    assert auth.authenticate(key_id, secret + "x") is None


@pytest.mark.parametrize(("key_id", "hashed"), [("bad id", "scrypt$x"), ("ok", "plain")])
def test_bad_key_records_are_config_errors(key_id: str, hashed: str) -> None:
    with pytest.raises(ConfigError):
        ApiKey(key_id, Role.READER, hashed)


def test_keys_from_environment_file_and_secrets_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_key = {"id": "env", "role": "reader", "hash": hash_secret("e", salt=SALT)}
    file_key = {"id": "file", "role": "admin", "hash": hash_secret("f", salt=SALT)}
    secret_key = {"id": "docker", "role": "writer", "hash": hash_secret("d", salt=SALT)}
    keys_file = tmp_path / "keys.yaml"
    keys_file.write_text(f"keys:\n  - id: file\n    role: admin\n    hash: '{file_key['hash']}'\n")
    monkeypatch.setenv("MERCWATCH_API_KEYS", json.dumps([env_key]))
    monkeypatch.setenv("MERCWATCH_KEYS_FILE", str(keys_file))
    ids = {k.key_id: k.role for k in load_settings().all_keys()}
    assert ids == {"env": Role.READER, "file": Role.ADMIN}
    monkeypatch.delenv("MERCWATCH_API_KEYS")
    secrets = tmp_path / "run-secrets"
    secrets.mkdir()
    (secrets / "mercwatch_api_keys").write_text(json.dumps([secret_key]))
    from_dir = ApiSettings(_secrets_dir=secrets)  # type: ignore[call-arg]
    assert {k.key_id for k in from_dir.all_keys()} == {"docker", "file"}


def test_key_config_problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MERCWATCH_API_KEYS", raising=False)
    monkeypatch.delenv("MERCWATCH_KEYS_FILE", raising=False)
    with pytest.raises(ConfigError, match="no API keys"):
        ApiSettings().authenticator()
    bad = tmp_path / "bad.yaml"
    bad.write_text("keys:\n  - id: x\n    role: emperor\n    hash: scrypt$1\n")
    with pytest.raises(ConfigError, match="role"):
        ApiSettings(keys_file=bad).all_keys()
    twice = {"id": "x", "role": "reader", "hash": hash_secret("a", salt=SALT)}
    with pytest.raises(ConfigError, match="twice"):
        ApiSettings(api_keys=[twice, twice]).all_keys()
    with pytest.raises(ConfigError, match="keys file"):
        ApiSettings(keys_file=tmp_path / "missing.yaml").all_keys()
    monkeypatch.setenv("MERCWATCH_TAXII_MAX_PAGE_SIZE", "0")
    with pytest.raises(ConfigError, match="taxii_max_page_size"):
        load_settings()
