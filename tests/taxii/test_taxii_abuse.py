"""The TAXII server under hostile input: huge chunked bodies, deep JSON, malformed STIX.

The body limit is tested on a real uvicorn on 127.0.0.1 with a raw-socket chunked
client, because Starlette's TestClient sends the whole body before the app sees it.
The client is bounded (it stops at 96 MiB or 60 s); the limit must stop it far sooner.
"""

from __future__ import annotations

import base64
import json
import select
import socket
import time
import uuid
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mercwatch.api.app import create_app
from mercwatch.auth.keys import Role, hash_secret
from mercwatch.auth.settings import ApiSettings
from mercwatch.intel.taxii.server import TAXII_MEDIA_TYPE, create_taxii_server
from mercwatch.intel.taxii.store import CollectionStore
from mercwatch.web import WebSettings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

LIMIT = 1024 * 1024
CLIENT_CAP = 96 * 1024 * 1024
HEADERS = {"Accept": TAXII_MEDIA_TYPE, "Content-Type": TAXII_MEDIA_TYPE}
BASIC = "Basic " + base64.b64encode(b"writer:w-secret").decode()
INDICATOR = {
    "type": "indicator",
    "spec_version": "2.1",
    "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
    "created": "2021-07-18T00:00:00.000Z",
    "modified": "2021-07-18T00:00:00.000Z",
    "pattern": "[domain-name:value = 'evil.example']",
    "pattern_type": "stix",
    "valid_from": "2021-07-18T00:00:00Z",
}


@pytest.fixture(scope="module")
def writer_record() -> dict[str, str]:
    return {"id": "writer", "role": Role.WRITER.value, "hash": hash_secret("w-secret")}


def _settings(root: Path, record: dict[str, str]) -> ApiSettings:
    return ApiSettings(
        taxii_store=root / "store",
        run_dir=root,
        api_keys=[record],
        max_content_length=LIMIT,
        max_json_depth=64,
    )


def _full(settings: ApiSettings) -> Any:
    return create_app(settings, web=WebSettings(session_secret="s" * 40, secure_cookies=False))


BUILDERS: dict[str, Callable[[ApiSettings], Any]] = {
    "api-server": _full,
    "taxii-serve": create_taxii_server,
}


def _collection(settings: ApiSettings) -> str:
    assert settings.taxii_store is not None
    return CollectionStore(settings.taxii_store).create_collection("c", alias="c").id


def _post_chunked(base: str, path: str) -> tuple[int, int]:
    """Stream a chunked POST until the server answers; returns (status, bytes sent)."""
    url = urlsplit(base)
    sock = socket.create_connection((url.hostname, url.port), timeout=10)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {url.netloc}\r\nAuthorization: {BASIC}\r\n"
        f"Content-Type: {TAXII_MEDIA_TYPE}\r\nAccept: {TAXII_MEDIA_TYPE}\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    )
    sock.sendall(head.encode())
    piece = b" " * 65536
    frame = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    sent, deadline = 0, time.monotonic() + 60
    try:
        while sent < CLIENT_CAP and time.monotonic() < deadline:
            if select.select([sock], [], [], 0)[0]:
                break  # the server answered before the body ended
            sock.sendall(frame)
            sent += len(piece)
        else:
            sock.sendall(b"0\r\n\r\n")
    except OSError:
        pass  # the server closed its side: it stopped reading
    reply = sock.recv(4096).decode("latin-1")
    sock.close()
    return int(reply.split(" ", 2)[1]), sent


@pytest.mark.parametrize("builder", BUILDERS)
def test_a_chunked_body_is_cut_off_at_the_limit_while_streaming(
    run_uvicorn: Any, tmp_path: Path, writer_record: dict[str, str], builder: str
) -> None:
    settings = _settings(tmp_path, writer_record)
    cid = _collection(settings)
    base = run_uvicorn(BUILDERS[builder](settings))
    status, sent = _post_chunked(base, f"/taxii2/mercwatch/collections/{cid}/objects/")
    assert status == 413
    # Socket buffers let some more in flight; a server that buffered it all took 96 MiB.
    assert sent < 32 * 1024 * 1024


def test_a_declared_oversized_body_is_refused_before_it_is_sent(
    run_uvicorn: Any, tmp_path: Path, writer_record: dict[str, str]
) -> None:
    settings = _settings(tmp_path, writer_record)
    cid = _collection(settings)
    url = urlsplit(run_uvicorn(_full(settings)))
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(
            (
                f"POST /taxii2/mercwatch/collections/{cid}/objects/ HTTP/1.1\r\n"
                f"Host: {url.netloc}\r\nAuthorization: {BASIC}\r\n"
                f"Content-Type: {TAXII_MEDIA_TYPE}\r\nContent-Length: 600000000\r\n\r\n"
            ).encode()
        )
        reply = sock.recv(65536)
    assert reply.startswith(b"HTTP/1.1 413 ")
    assert b"content-type: " + TAXII_MEDIA_TYPE.encode() in reply.lower()


@pytest.mark.parametrize("depth", [65, 1_000, 100_000])
def test_deep_json_is_a_400_not_a_500(
    tmp_path: Path, writer_record: dict[str, str], depth: int
) -> None:
    settings = _settings(tmp_path, writer_record)
    cid = _collection(settings)
    client = TestClient(_full(settings), raise_server_exceptions=False)
    body = '{"objects": [' + "[" * depth + "]" * depth + "]}"
    response = client.post(
        f"/taxii2/mercwatch/collections/{cid}/objects/",
        content=body,
        headers={**HEADERS, "Authorization": BASIC},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == TAXII_MEDIA_TYPE
    assert "deeper than 64" in response.json()["description"]


def _post(client: TestClient, cid: str, objects: list[Any]) -> dict[str, Any]:
    response = client.post(
        f"/taxii2/mercwatch/collections/{cid}/objects/",
        content=json.dumps({"objects": objects}),
        headers={**HEADERS, "Authorization": BASIC},
    )
    assert response.status_code == 202, response.text
    return dict(response.json())


def test_a_bogus_spec_version_is_refused_and_media_types_stay_clean(
    tmp_path: Path, writer_record: dict[str, str]
) -> None:
    settings = _settings(tmp_path, writer_record)
    cid = _collection(settings)
    client = TestClient(_full(settings))
    bad = [
        {**INDICATOR, "id": f"indicator--{uuid.uuid4()}", "spec_version": {"x": 1}},
        {**INDICATOR, "id": f"indicator--{uuid.uuid4()}", "spec_version": "9.9"},
        {"type": "x-custom", "id": "x-custom--not-a-uuid", "spec_version": "2.1"},
        {"type": "x-custom", "id": f"other--{uuid.uuid4()}"},
        {"type": "Bad--Type", "id": f"Bad--Type--{uuid.uuid4()}"},
        {**INDICATOR, "id": f"indicator--{uuid.uuid4()}", "modified": 12},
    ]
    status = _post(client, cid, [*bad, INDICATOR])
    assert status["failure_count"] == len(bad) and status["success_count"] == 1
    messages = " ".join(f["message"] for f in status["failures"])
    for name in ("'spec_version'", "'id'", "'type'", "'modified'"):
        assert name in messages
    assert settings.taxii_store is not None
    store = CollectionStore(settings.taxii_store)
    assert store.collection(cid).media_types == ("application/stix+json;version=2.1",)
    assert [r.id for r in store.versions(cid)] == [INDICATOR["id"]]


def test_media_types_polluted_before_validation_are_cleaned_at_the_next_write(
    tmp_path: Path,
) -> None:
    store = CollectionStore(tmp_path)
    cid = store.create_collection("old").id
    path = tmp_path / "collections" / f"{cid}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["collection"]["media_types"].append("application/stix+json;version={'x': 1}")
    path.write_text(json.dumps(data), encoding="utf-8")
    assert len(store.collection(cid).media_types) == 2
    store.add_objects(cid, [INDICATOR])
    assert store.collection(cid).media_types == ("application/stix+json;version=2.1",)


_JUNK = st.one_of(
    st.none(),
    st.integers(),
    st.text(max_size=12),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.lists(st.integers(), max_size=2),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    field=st.sampled_from(["type", "id", "spec_version", "created", "modified"]),
    junk=_JUNK,
)
def test_no_malformed_common_property_is_ever_stored(
    tmp_path_factory: pytest.TempPathFactory, field: str, junk: Any
) -> None:
    store = CollectionStore(tmp_path_factory.mktemp("h"))
    cid = store.create_collection("h").id
    obj = {**INDICATOR, "type": "x-thing", "id": f"x-thing--{uuid.uuid4()}", field: junk}
    outcome = store.add_objects(cid, [obj])[0]
    media = set(store.collection(cid).media_types)
    assert media <= {"application/stix+json;version=2.0", "application/stix+json;version=2.1"}
    if outcome.ok:  # only a value that happens to be valid may pass
        stored = store.versions(cid)[0].obj
        assert isinstance(stored["type"], str) and stored["id"].startswith(stored["type"] + "--")
        assert stored.get("spec_version", "2.1") in ("2.0", "2.1")
