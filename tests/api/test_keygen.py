"""``mercwatch keygen``: one printed credential works as given everywhere.

Each test takes the credential exactly as the verb printed it on stdout and presents
it the way the README and the verb's own hint say: dashboard sign-in, ``Bearer``,
``X-API-Key`` and TAXII Basic auth (user = key id, password = the credential).
"""

from __future__ import annotations

import base64
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import mercwatch
from mercwatch.api import create_app
from mercwatch.auth.keyfile import add_key
from mercwatch.auth.keys import Role
from mercwatch.auth.settings import load_settings
from mercwatch.cli import app as cli_app
from mercwatch.web import WebSettings

NONCE = re.compile(r'name="nonce" value="([^"]+)"')
TAXII = {"Accept": "application/taxii+json;version=2.1"}


def keygen(keys: Path, key_id: str, role: str, *verb: str) -> str:
    """Run the verb; return stdout stripped (the credential) after checking it is one line."""
    result = CliRunner().invoke(
        cli_app, [*(verb or ("keygen",)), key_id, "--role", role, "--keys-file", str(keys)]
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def server(tmp_path: Path, keys: Path) -> TestClient:
    """The app as ``mercwatch serve`` builds it: keys from the keys file only."""
    (tmp_path / "run").mkdir(exist_ok=True)
    (tmp_path / "run" / "operations.json").write_text('{"operations": []}', encoding="utf-8")
    settings = load_settings(
        keys_file=keys, run_dir=tmp_path / "run", taxii_store=tmp_path / "taxii"
    )
    web = WebSettings(session_secret="k" * 40, secure_cookies=False)
    return TestClient(create_app(settings, web=web))


def basic(user: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


@pytest.mark.parametrize("verb", [("keygen",), ("taxii", "keygen")])
def test_the_printed_credential_works_for_api_taxii_and_dashboard(
    tmp_path: Path, verb: tuple[str, ...]
) -> None:
    keys = tmp_path / "keys.json"
    credential = keygen(keys, "ana", "viewer", *verb)
    client = server(tmp_path, keys)
    assert client.get("/api/operations").status_code == 401
    for headers in (
        {"Authorization": f"Bearer {credential}"},
        {"X-API-Key": credential},
        basic("ana", credential),  # what the verb tells TAXII users to type
        basic(credential, ""),  # curl -u CREDENTIAL:
    ):
        assert client.get("/api/operations", headers=headers).status_code == 200, headers
        assert client.get("/taxii2/", headers={**headers, **TAXII}).status_code == 200
    nonce = NONCE.search(client.get("/login").text).group(1)  # type: ignore[union-attr]
    signed_in = client.post(
        "/login", data={"token": credential, "nonce": nonce, "next": "/"}, follow_redirects=False
    )
    assert signed_in.status_code == 303 and signed_in.headers["location"].endswith("/")
    assert client.get("/operations").status_code == 200


def test_basic_with_another_keys_credential_is_refused(tmp_path: Path) -> None:
    keys = tmp_path / "keys.json"
    ana = keygen(keys, "ana", "viewer")
    keygen(keys, "bo", "viewer")
    client = server(tmp_path, keys)
    assert client.get("/api/operations", headers=basic("bo", ana)).status_code == 401
    assert client.get("/api/operations", headers=basic("ana", ana + "x")).status_code == 401


def test_keygen_appends_keeps_the_file_valid_and_refuses_a_taken_id(tmp_path: Path) -> None:
    keys = tmp_path / "keys.yaml"
    first = keygen(keys, "ana", "reviewer")
    second = keygen(keys, "bo", "writer")  # the first release's name still parses
    records = yaml.safe_load(keys.read_text(encoding="utf-8"))["keys"]
    assert [(r["id"], r["role"]) for r in records] == [("ana", "reviewer"), ("bo", "reviewer")]
    assert first.split(".", 1)[1] not in keys.read_text() and second not in keys.read_text()
    again = CliRunner().invoke(cli_app, ["keygen", "ana", "--keys-file", str(keys)])
    assert again.exit_code == 2 and "already configured" in again.output
    assert len(load_settings(keys_file=keys).all_keys()) == 2  # nothing half-added
    assert keys.stat().st_mode & 0o077 == 0


def test_keygen_refuses_to_add_to_a_broken_file_and_leaves_it_alone(tmp_path: Path) -> None:
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps({"keys": [{"id": "x", "role": "boss", "hash": "h"}]}))
    before = keys.read_text()
    result = CliRunner().invoke(cli_app, ["keygen", "ana", "--keys-file", str(keys)])
    assert result.exit_code == 2 and "key #1" in result.output
    assert keys.read_text() == before


def test_keygen_without_a_keys_file_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MERCWATCH_KEYS_FILE", raising=False)
    result = CliRunner().invoke(cli_app, ["keygen", "ana"])
    assert result.exit_code == 2 and "--keys-file" in result.output


def test_concurrent_adds_lose_no_key(tmp_path: Path) -> None:
    keys = tmp_path / "keys.json"
    tokens: dict[str, str] = {}

    def add(n: int) -> None:
        tokens[f"k{n}"] = add_key(keys, f"k{n}", Role.VIEWER)[0]

    threads = [threading.Thread(target=add, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    configured = {k.key_id for k in load_settings(keys_file=keys).all_keys()}
    assert configured == set(tokens) == {f"k{n}" for n in range(6)}


def test_readme_sign_in_steps_work_as_written(tmp_path: Path) -> None:
    """The README's two commands, run as processes, then its curl (as ``requests``)."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "operations.json").write_text('{"operations": []}', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MERCWATCH_")}
    # The processes run in another folder: import this checkout's code, not an install.
    env["PYTHONPATH"] = str(Path(mercwatch.__file__).resolve().parents[1])
    cli = [sys.executable, "-c", "from mercwatch.cli import main; main()"]
    made = subprocess.run(
        [*cli, "keygen", "ana", "--role", "reviewer", "--keys-file", "keys.json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    credential = made.stdout.strip()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    serve = [*cli, "serve", "--out", "out", "--keys-file", "keys.json", "--no-secure-cookies"]
    proc = subprocess.Popen(
        [*serve, "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # wait for the server to listen, not a timed assertion
            if proc.poll() is not None:
                raise AssertionError(proc.stderr.read().decode() if proc.stderr else "died")
            try:
                requests.get(f"{base}/api/health", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        api = requests.get(
            f"{base}/api/operations", headers={"Authorization": f"Bearer {credential}"}, timeout=10
        )
        assert api.status_code == 200, api.text
        browser = requests.Session()
        nonce = NONCE.search(browser.get(f"{base}/login", timeout=10).text).group(1)  # type: ignore[union-attr]
        signed_in = browser.post(
            f"{base}/login", data={"token": credential, "nonce": nonce, "next": "/"}, timeout=10
        )
        assert signed_in.status_code == 200 and signed_in.url.rstrip("/") == base
        assert "Sign in" not in browser.get(f"{base}/operations", timeout=10).text
    finally:
        proc.terminate()
        proc.wait(timeout=20)
