"""``mercwatch taxii keygen | publish | serve``: the verbs, end to end."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from typer.testing import CliRunner, Result

from mercwatch.cli import app
from mercwatch.errors import MercwatchError
from mercwatch.intel.taxii.client import pull_collection
from mercwatch.intel.taxii.store import CollectionStore

DATA = Path(__file__).resolve().parents[1] / "data" / "intel"
PEGASUS = DATA / "amnesty_pegasus" / "pegasus.stix2"


def keygen(role: str, key_id: str, keys: Path) -> str:
    """The credential ``taxii keygen`` prints (stdout holds nothing else)."""
    result = CliRunner().invoke(
        app, ["taxii", "keygen", key_id, "--role", role, "--keys-file", str(keys)]
    )
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def test_keygen_prints_the_secret_once_and_only_a_hash_to_configure(tmp_path: Path) -> None:
    keys = tmp_path / "keys.json"
    token = keygen("writer", "peer-org", keys)
    key_id, secret = token.split(".", 1)
    assert key_id == "peer-org" and len(secret) >= 40
    (record,) = json.loads(keys.read_text(encoding="utf-8"))["keys"]
    assert record["role"] == "reviewer" and record["hash"].startswith("scrypt$")
    assert secret not in keys.read_text(encoding="utf-8")


def pegasus_subset(tmp_path: Path, n: int) -> Path:
    """The first ``n`` objects of the real Pegasus bundle, as a bundle file."""
    bundle = json.loads(PEGASUS.read_text(encoding="utf-8"))
    path = tmp_path / f"pegasus-{n}.json"
    path.write_text(json.dumps({**bundle, "objects": bundle["objects"][:n]}), encoding="utf-8")
    return path


def test_publish_is_idempotent(tmp_path: Path) -> None:
    args = [
        "taxii",
        "publish",
        str(pegasus_subset(tmp_path, 200)),
        "--store",
        str(tmp_path / "s"),
        "--collection",
        "pegasus",
        "--title",
        "Amnesty Pegasus",
    ]
    first = CliRunner().invoke(app, args)
    again = CliRunner().invoke(app, args)
    assert first.exit_code == again.exit_code == 0, first.output
    assert json.loads(first.output)["objects"] == 200
    assert json.loads(again.output)["failed"] == 0
    store = CollectionStore(tmp_path / "s")
    assert store.collection("pegasus").title == "Amnesty Pegasus"
    assert len(store.versions("pegasus")) == 200


def test_serve_runs_alone_and_serves_what_was_published(tmp_path: Path) -> None:
    keys = tmp_path / "keys.yaml"
    token = keygen("reader", "analyst", keys)
    store = CollectionStore(tmp_path / "store")
    store.create_collection("Pegasus", alias="pegasus")
    store.add_bundle("pegasus", pegasus_subset(tmp_path, 300).read_text(encoding="utf-8"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from mercwatch.cli import main; main()",
            "taxii",
            "serve",
            "--store",
            str(tmp_path / "store"),
            "--keys-file",
            str(keys),
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}/taxii2/"
        _wait_until_listening(proc, base)
        # The credential as printed is the Basic password (user: the key id).
        result = pull_collection(
            base, "pegasus", tmp_path / "out.json", user="analyst", password=token, per_request=1000
        )
        assert (result.objects, result.pages) == (300, 1)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _wait_until_listening(proc: subprocess.Popen, url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read().decode() if proc.stderr else "server died")
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError("taxii serve did not start")


def test_serve_without_keys_is_a_user_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MERCWATCH_API_KEYS", raising=False)
    monkeypatch.delenv("MERCWATCH_KEYS_FILE", raising=False)
    result = CliRunner().invoke(app, ["taxii", "serve", "--store", str(tmp_path)])
    assert "no API keys configured" in user_error(result)
    monkeypatch.setenv("MERCWATCH_API_KEYS", "not json")
    result = CliRunner().invoke(app, ["taxii", "serve", "--store", str(tmp_path)])
    assert "api_keys" in user_error(result)


def user_error(result: Result) -> str:
    """The one-line message of a MercwatchError, whether the CLI printed it or raised it."""
    if isinstance(result.exception, MercwatchError):
        return str(result.exception)
    code = getattr(result.exception, "exit_code", result.exit_code)  # click's Exit(2)
    assert code == 2, result.output
    assert len(result.output.strip().splitlines()) == 1
    return result.output
