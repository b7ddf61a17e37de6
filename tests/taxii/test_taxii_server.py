"""Our TAXII 2.1 server, under uvicorn on loopback, driven by taxii2-client itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from requests.exceptions import HTTPError
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

from mercwatch.api.app import create_app
from mercwatch.auth.authenticator import Authenticator
from mercwatch.auth.settings import ApiSettings
from mercwatch.intel.taxii.server import TAXII_MEDIA_TYPE
from mercwatch.intel.taxii.store import CollectionStore

TAXII = {"Accept": TAXII_MEDIA_TYPE}


def _serve(
    store_dir: Path, auth: Authenticator, objects: list[dict[str, Any]], start: Any
) -> dict[str, Any]:
    settings = ApiSettings(taxii_store=store_dir, taxii_max_page_size=100)
    store = CollectionStore(store_dir)
    info = store.create_collection(
        "Amnesty Pegasus", alias="pegasus", description="Real Amnesty Tech indicators"
    )
    store.add_objects(info.id, objects[:250])
    base = start(create_app(settings, authenticator=auth))
    root = f"{base}/taxii2/mercwatch/"
    return {
        "base": base,
        "root": root,
        "store": store,
        "id": info.id,
        "coll": f"{root}collections/{info.id}/",
    }


@pytest.fixture()
def served(
    run_uvicorn: Any,
    tmp_path: Path,
    authenticator: Authenticator,
    pegasus_objects: list[dict[str, Any]],
) -> dict[str, Any]:
    """The full API app (TAXII mounted at /taxii2) with 250 Pegasus objects, for writes."""
    return _serve(tmp_path / "store", authenticator, pegasus_objects, run_uvicorn)


@pytest.fixture(scope="module")
def served_ro(
    tmp_path_factory: pytest.TempPathFactory,
    authenticator: Authenticator,
    pegasus_objects: list[dict[str, Any]],
    uvicorn_starter: Any,
) -> Iterator[dict[str, Any]]:
    """The same, shared by the tests that only read."""
    stops: list[Any] = []

    def start(app: Any) -> str:
        url, stop = uvicorn_starter(app)
        stops.append(stop)
        return url

    yield _serve(tmp_path_factory.mktemp("ro") / "store", authenticator, pegasus_objects, start)
    for stop in stops:
        stop()


SECRETS = {"reader": "r-secret", "writer": "w-secret", "admin": "a-secret"}  # as conftest


def creds(role: str) -> dict[str, str]:
    return {"user": role, "password": SECRETS[role]}


def test_discovery_api_root_and_collections(served_ro: dict[str, Any]) -> None:
    server = Server(f"{served_ro['base']}/taxii2/", **creds("reader"))
    assert server.title == "mercwatch TAXII server"
    assert [r.url for r in server.api_roots] == [served_ro["root"]]
    root = server.default
    assert root is not None and root.versions == [TAXII_MEDIA_TYPE]
    (coll,) = root.collections
    assert (coll.id, coll.alias, coll.can_read, coll.can_write) == (
        served_ro["id"],
        "pegasus",
        True,
        False,
    )
    writer_view = ApiRoot(served_ro["root"], **creds("writer")).collections[0]
    assert writer_view.can_write is True


def test_all_pages_with_as_pages(served_ro: dict[str, Any], pegasus_objects: list) -> None:
    coll = Collection(served_ro["coll"], **creds("reader"))
    pages = list(as_pages(coll.get_objects, per_request=60))
    got = [o["id"] for p in pages for o in p.get("objects", [])]
    assert [len(p.get("objects", [])) for p in pages] == [60, 60, 60, 60, 10]
    assert got == [o["id"] for o in pegasus_objects[:250]]
    manifest = [m for p in as_pages(coll.get_manifest, per_request=100) for m in p["objects"]]
    assert len(manifest) == 250
    assert manifest[0]["media_type"] == "application/stix+json;version=2.1"


def test_server_caps_page_size(served_ro: dict[str, Any]) -> None:
    coll = Collection(served_ro["coll"], **creds("reader"))
    envelope = coll.get_objects(limit=5000)  # server max is 100
    assert len(envelope["objects"]) == 100 and envelope["more"] is True


def test_filters_over_http(served_ro: dict[str, Any]) -> None:
    coll = Collection(served_ro["coll"], **creds("reader"))
    malware = coll.get_objects(type="malware")["objects"]
    assert [m["name"] for m in malware] == ["Pegasus"]
    one_id = malware[0]["id"]
    assert coll.get_objects(id=one_id)["objects"] == malware
    assert coll.get_object(one_id)["objects"] == malware
    assert coll.get_objects(spec_version="2.0") == {"more": False}
    assert coll.object_versions(one_id)["versions"] == ["2024-01-26T21:28:21.013109Z"]
    pages = list(as_pages(coll.get_objects, per_request=100, type="indicator"))
    assert [len(p["objects"]) for p in pages] == [100, 25]


def test_date_added_headers_and_incremental_pull(
    served: dict[str, Any], pegasus_objects: list
) -> None:
    url = f"{served['coll']}objects/"
    auth = ("reader", SECRETS["reader"])
    first = requests.get(url, params={"limit": 10}, headers=TAXII, auth=auth, timeout=10)
    assert first.headers["Content-Type"] == TAXII_MEDIA_TYPE
    last = first.headers["X-TAXII-Date-Added-Last"]
    assert first.headers["X-TAXII-Date-Added-First"] < last
    served["store"].add_objects(served["id"], pegasus_objects[250:260])
    coll = Collection(served["coll"], **creds("reader"))
    later = [
        o["id"]
        for p in as_pages(coll.get_objects, per_request=100, added_after=last)
        for o in p["objects"]
    ]
    assert later == [o["id"] for o in pegasus_objects[10:260]]


def test_writer_adds_objects_and_gets_a_status(
    served: dict[str, Any], pegasus_objects: list
) -> None:
    coll = Collection(served["coll"], **creds("writer"))
    bad = {"type": "indicator", "spec_version": "2.1", "id": "indicator--not-a-uuid"}
    status = coll.add_objects({"objects": [*pegasus_objects[300:305], bad]})
    assert (status.status, status.total_count, status.success_count, status.failure_count) == (
        "complete",
        6,
        5,
        1,
    )
    assert status.failures[0]["id"] == "indicator--not-a-uuid"
    status.refresh()  # GET /status/{id}/ works for the same request later
    assert status.success_count == 5
    assert len(served["store"].versions(served["id"])) == 255


def test_roles_and_credentials(served: dict[str, Any], pegasus_objects: list) -> None:
    denied = requests.post(
        f"{served['coll']}objects/",
        json={"objects": pegasus_objects[:1]},
        headers={**TAXII, "Content-Type": TAXII_MEDIA_TYPE},
        auth=("reader", SECRETS["reader"]),
        timeout=10,
    )
    assert denied.status_code == 403 and denied.json()["title"] == "Forbidden"
    for user, password in (("reader", "wrong"), ("nobody", "x")):
        with pytest.raises(HTTPError) as refused:
            Collection(served["coll"], user=user, password=password).refresh()
        assert refused.value.response.status_code == 401
        assert refused.value.response.headers["WWW-Authenticate"].startswith("Basic")
    anonymous = requests.get(f"{served['base']}/taxii2/", headers=TAXII, timeout=10)
    assert anonymous.status_code == 401
    assert anonymous.json()["http_status"] == "401"


def test_admin_deletes_a_version(served: dict[str, Any]) -> None:
    admin = Collection(served["coll"], **creds("admin"))
    oid = admin.get_objects(type="malware")["objects"][0]["id"]
    with pytest.raises(HTTPError) as denied:
        Collection(served["coll"], **creds("writer")).delete_object(oid)
    assert denied.value.response.status_code == 403
    admin.delete_object(oid)
    assert admin.get_objects(type="malware") == {"more": False}


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        ("get", "objects/", {"Accept": "text/html"}, 406),
        ("get", "objects/", {"Accept": "application/taxii+json;version=2.0"}, 406),
        ("get", "objects/?limit=0", TAXII, 400),
        ("get", "objects/?added_after=yesterday", TAXII, 400),
        ("get", "objects/?next=forged", TAXII, 400),
        ("get", "manifest/?match[nope]=1", TAXII, 400),
        ("get", "objects/indicator--00000000-0000-4000-8000-000000000000/", TAXII, 404),
        ("post", "objects/", {**TAXII, "Content-Type": "application/json"}, 415),
        ("post", "objects/", {**TAXII, "Content-Type": TAXII_MEDIA_TYPE}, 422),
    ],
)
def test_protocol_errors_are_taxii_errors(
    served_ro: dict[str, Any], method: str, path: str, headers: dict[str, str], status: int
) -> None:
    response = requests.request(
        method,
        served_ro["coll"] + path,
        headers=headers,
        auth=("writer", SECRETS["writer"]),
        data=b'{"no": "objects"}',
        timeout=10,
    )
    assert response.status_code == status
    assert response.headers["Content-Type"] == TAXII_MEDIA_TYPE
    assert response.json()["http_status"] == str(status)


def test_unknown_collection_and_status(served_ro: dict[str, Any]) -> None:
    auth = ("reader", SECRETS["reader"])
    for path in ("collections/no-such/", "collections/no-such/objects/", "status/nope/"):
        response = requests.get(served_ro["root"] + path, headers=TAXII, auth=auth, timeout=10)
        assert response.status_code == 404, path


def test_body_over_max_content_length(
    run_uvicorn: Any, taxii_settings: ApiSettings, authenticator: Authenticator
) -> None:
    settings = taxii_settings.model_copy(update={"max_content_length": 2048})
    CollectionStore(settings.taxii_store).create_collection("c", alias="c")  # type: ignore[arg-type]
    base = run_uvicorn(create_app(settings, authenticator=authenticator))
    response = requests.post(
        f"{base}/taxii2/mercwatch/collections/c/objects/",
        data=b"{" + b" " * 4096 + b"}",
        auth=("writer", SECRETS["writer"]),
        headers={**TAXII, "Content-Type": TAXII_MEDIA_TYPE},
        timeout=10,
    )
    assert response.status_code == 413
