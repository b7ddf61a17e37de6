"""Live servers on loopback for the TAXII tests: ours under uvicorn, medallion as a peer.

Both run in background threads on a free 127.0.0.1 port, so taxii2-client talks real
HTTP to them. Keys are hashed once per session (scrypt is slow on purpose).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from mercwatch.auth.authenticator import ApiKey, Authenticator, Role, hash_secret
from mercwatch.auth.settings import ApiSettings

SECRETS = {"reader": "r-secret", "writer": "w-secret", "admin": "a-secret"}

DATA = Path(__file__).resolve().parents[1] / "data" / "intel"
PEGASUS = DATA / "amnesty_pegasus" / "pegasus.stix2"


@dataclass(frozen=True)
class Live:
    """A running server: its base URL and whatever the test needs to reach inside."""

    url: str
    extra: dict[str, Any]


@pytest.fixture(scope="session")
def secrets() -> dict[str, str]:
    """Each role's key secret; the key id is the role's name."""
    return dict(SECRETS)


@pytest.fixture(scope="session")
def api_keys() -> list[ApiKey]:
    return [ApiKey(role, Role(role), hash_secret(secret)) for role, secret in SECRETS.items()]


@pytest.fixture(scope="session")
def authenticator(api_keys: list[ApiKey]) -> Authenticator:
    return Authenticator(api_keys)


@pytest.fixture(scope="session")
def pegasus_objects() -> list[dict[str, Any]]:
    """The real Amnesty Pegasus bundle's objects (3,099: indicators, relationships, malware)."""
    return json.loads(PEGASUS.read_text(encoding="utf-8"))["objects"]


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def _wait(predicate: Any, what: str) -> None:
    deadline = time.monotonic() + 30
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start")
        time.sleep(0.02)


def start_uvicorn(app: FastAPI) -> tuple[str, Any]:
    """Serve ``app`` under uvicorn on a free loopback port; returns (base URL, stop)."""
    sock = _free_socket()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    _wait(lambda: server.started, "uvicorn")

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)

    return f"http://127.0.0.1:{sock.getsockname()[1]}", stop


@pytest.fixture(scope="session")
def uvicorn_starter() -> Any:
    """:func:`start_uvicorn`, for fixtures of any scope (test folders are not packages)."""
    return start_uvicorn


@pytest.fixture()
def run_uvicorn() -> Iterator[Any]:
    """``start(app) -> base URL``; every server started is stopped after the test."""
    stops: list[Any] = []

    def start(app: FastAPI) -> str:
        url, stop = start_uvicorn(app)
        stops.append(stop)
        return url

    yield start
    for stop in stops:
        stop()


@pytest.fixture()
def taxii_settings(tmp_path: Path) -> ApiSettings:
    return ApiSettings(taxii_store=tmp_path / "store", taxii_max_page_size=100)


@pytest.fixture(scope="session")
def medallion_peer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """medallion (the OASIS reference TAXII server, memory backend) as a peer, page size 20.

    medallion keeps one global Flask app, so it is configured once per session.
    """
    import medallion
    from werkzeug.serving import make_server

    app = medallion.application_instance
    server = make_server("127.0.0.1", 0, app, threaded=True)
    root = f"http://127.0.0.1:{server.server_port}/api1/"
    collection_id = "365fed99-08fa-fdcd-a1b3-fb247eb41d01"
    data = {
        "/discovery": {"title": "peer", "default": root, "api_roots": [root]},
        "api1": {
            "information": {
                "title": "peer root",
                "max_content_length": 100_000_000,
                "versions": ["application/taxii+json;version=2.1"],
            },
            # medallion's memory backend needs "status": [] or add_objects fails.
            "status": [],
            "collections": [
                {
                    "id": collection_id,
                    "title": "Peer Pegasus",
                    "can_read": True,
                    "can_write": True,
                    "objects": [],
                    "manifest": [],
                    "media_types": ["application/stix+json;version=2.1"],
                }
            ],
        },
    }
    path = tmp_path_factory.mktemp("medallion") / "data.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    medallion.set_config(app, "users", {"users": {"peer": "peer-pass"}})
    medallion.set_config(app, "taxii", {"taxii": {"max_page_size": 20}})
    medallion.set_config(
        app,
        "backend",
        {
            "backend": {
                "module": "medallion.backends.memory_backend",
                "module_class": "MemoryBackend",
                "filename": str(path),
            }
        },
    )
    medallion.register_blueprints(app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Live(root, {"collection_id": collection_id, "user": "peer", "password": "peer-pass"})
    server.shutdown()
    thread.join(timeout=10)
