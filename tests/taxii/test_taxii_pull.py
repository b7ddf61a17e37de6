"""``mercwatch taxii pull``: a peer's collection, all pages, into one STIX 2.1 bundle.

The peer is medallion (the OASIS reference server) with a page size of 20, fed through
taxii2-client; our own server is the second peer, for ``--added-after``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
import stix2
from taxii2client.v21 import Collection
from typer.testing import CliRunner

from mercwatch.api.app import create_app
from mercwatch.auth.authenticator import Authenticator
from mercwatch.auth.settings import ApiSettings
from mercwatch.cli import app, main
from mercwatch.errors import ConfigError, InputError
from mercwatch.intel.taxii.client import pull_collection
from mercwatch.intel.taxii.store import CollectionStore

BROKEN = {
    "type": "indicator",
    "spec_version": "2.1",
    "id": "indicator--1f6e43c5-8d8c-4a2b-9d3e-7cfb0c6e0a11",
    "created": "2024-01-01T00:00:00Z",
    "modified": "2024-01-01T00:00:00Z",
}  # no pattern
OLD_SPEC = {
    "type": "malware",
    "id": "malware--6b8a1c36-59a5-4f27-a2e8-11bd0a4c54f2",
    "created": "2017-01-01T00:00:00Z",
    "modified": "2017-01-01T00:00:00Z",
    "labels": ["spyware"],
    "name": "a STIX 2.0 object",
}


@pytest.fixture(scope="module")
def peer(medallion_peer: Any, pegasus_objects: list[dict[str, Any]]) -> dict[str, Any]:
    """medallion holding 150 real Pegasus objects plus one broken and one STIX 2.0 object."""
    url = f"{medallion_peer.url}collections/{medallion_peer.extra['collection_id']}/"
    coll = Collection(
        url, user=medallion_peer.extra["user"], password=medallion_peer.extra["password"]
    )
    status = coll.add_objects({"objects": [*pegasus_objects[:150], BROKEN, OLD_SPEC]})
    assert status.success_count == 152  # medallion does not validate; we must
    return {"root": medallion_peer.url, **medallion_peer.extra}


def test_pull_from_medallion_pages_through_everything(
    peer: dict[str, Any], tmp_path: Path, pegasus_objects: list
) -> None:
    out = tmp_path / "peer.stix.json"
    result = CliRunner().invoke(
        app,
        [
            "taxii",
            "pull",
            peer["root"],
            "--collection",
            "Peer Pegasus",
            "--out",
            str(out),
            "--user",
            peer["user"],
            "--password",
            peer["password"],
            "--page-size",
            "50",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    assert (report["objects"], report["skipped"], report["pages"]) == (150, 2, 8)
    assert report["date_added_last"]
    bundle = stix2.parse(out.read_text(), allow_custom=True)
    assert [o.id for o in bundle.objects] == [o["id"] for o in pegasus_objects[:150]]


def test_pull_skips_invalid_objects_with_reasons(peer: dict[str, Any], tmp_path: Path) -> None:
    result = pull_collection(
        peer["root"],
        peer["collection_id"],
        tmp_path / "b.json",
        user=peer["user"],
        password=peer["password"],
        per_request=100,
    )
    assert result.skipped == 2
    reasons = " ".join(result.skip_reasons)
    assert BROKEN["id"] in reasons and "STIX 2.0, not 2.1" in reasons


def test_pull_from_our_server_incrementally(
    run_uvicorn: Any, tmp_path: Path, authenticator: Authenticator, pegasus_objects: list
) -> None:
    store = CollectionStore(tmp_path / "store")
    store.create_collection("Mine", alias="mine")
    store.add_objects("mine", pegasus_objects[:40])
    settings = ApiSettings(taxii_store=tmp_path / "store", taxii_max_page_size=15)
    base = run_uvicorn(create_app(settings, authenticator=authenticator))
    creds = {"user": "reader", "password": "r-secret"}
    first = pull_collection(f"{base}/taxii2/", "mine", tmp_path / "1.json", **creds)
    assert (first.objects, first.pages) == (40, 3)
    store.add_objects("mine", pegasus_objects[40:45])
    second = pull_collection(
        f"{base}/taxii2/mercwatch/",
        "mine",
        tmp_path / "2.json",
        added_after=first.date_added_last,
        **creds,
    )
    assert second.objects == 5
    ids = [o["id"] for o in json.loads((tmp_path / "2.json").read_text())["objects"]]
    assert ids == [o["id"] for o in pegasus_objects[40:45]]
    nothing = pull_collection(
        f"{base}/taxii2/mercwatch/",
        "mine",
        tmp_path / "3.json",
        added_after=second.date_added_last,
        **creds,
    )
    assert (nothing.objects, nothing.date_added_last) == (0, None)
    assert json.loads((tmp_path / "3.json").read_text())["type"] == "bundle"


@pytest.mark.parametrize(
    ("collection", "password", "reason"),
    [
        ("no-such-collection", "peer-pass", "no collection"),
        ("Peer Pegasus", "wrong", "HTTP 401"),
    ],
)
def test_pull_errors(
    peer: dict[str, Any], tmp_path: Path, collection: str, password: str, reason: str
) -> None:
    with pytest.raises(InputError, match=reason):
        pull_collection(
            peer["root"], collection, tmp_path / "x.json", user=peer["user"], password=password
        )
    assert not (tmp_path / "x.json").exists()


def test_pull_refuses_a_bad_added_after_and_an_unreachable_server(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        pull_collection("http://127.0.0.1:9/taxii2/", "c", tmp_path / "x", added_after="today")
    with pytest.raises(InputError, match="TAXII request failed"):
        pull_collection("http://127.0.0.1:9/taxii2/", "c", tmp_path / "x")


def test_user_errors_exit_2_with_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(
        sys,
        "argv",
        [
            "mercwatch",
            "taxii",
            "pull",
            "http://127.0.0.1:9/",
            "--collection",
            "c",
            "--out",
            str(tmp_path / "x"),
        ],
    )
    with pytest.raises(SystemExit) as stopped:
        main()
    assert stopped.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("mercwatch: http://127.0.0.1:9/") and "\n" not in err
