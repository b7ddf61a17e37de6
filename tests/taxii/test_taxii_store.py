"""The collection store: versions, idempotence, validation, durability, safety of names."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import stix2

from mercwatch.errors import IntelFormatError
from mercwatch.intel.taxii.store import CollectionNotFound, CollectionStore
from mercwatch.intel.taxii.versions import format_ts, parse_ts, spec_version

IND_ID = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"


def indicator(modified: str, domain: str = "evil.example") -> dict[str, Any]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": IND_ID,
        "created": "2021-12-16T10:00:00.000Z",
        "modified": modified,
        "pattern": f"[domain-name:value = '{domain}']",
        "pattern_type": "stix",
        "valid_from": "2021-12-16T10:00:00Z",
    }


def test_versions_are_kept_and_the_same_version_is_not_added_twice(tmp_path: Path) -> None:
    store = CollectionStore(tmp_path)
    info = store.create_collection("Cytrox", alias="cytrox")
    first = store.add_objects("cytrox", [indicator("2021-12-16T10:00:00.000Z")])
    again = store.add_objects(info.id, [indicator("2021-12-16T10:00:00Z")])  # same instant
    newer = store.add_objects(info.id, [indicator("2021-12-17T10:00:00.000Z", "b.example")])
    rows = store.versions(info.id)
    assert [o.ok for o in first + again + newer] == [True, True, True]
    assert again[0].message == "version already held"
    assert [format_ts(r.version) for r in rows] == [
        "2021-12-16T10:00:00.000000Z",
        "2021-12-17T10:00:00.000000Z",
    ]
    assert rows[0].date_added < rows[1].date_added and rows[0].seq < rows[1].seq


def test_invalid_objects_fail_alone(tmp_path: Path) -> None:
    store = CollectionStore(tmp_path)
    store.create_collection("c", alias="c")
    broken = {"type": "indicator", "spec_version": "2.1", "id": "indicator--nope"}
    outcomes = store.add_objects("c", [broken, "not an object", indicator("2021-12-16T10:00:00Z")])
    assert [o.ok for o in outcomes] == [False, False, True]
    assert "indicator--" in outcomes[0].message and outcomes[1].message
    assert len(store.versions("c")) == 1


def test_date_added_is_strictly_increasing_within_one_request(
    tmp_path: Path, pegasus_objects: list
) -> None:
    store = CollectionStore(tmp_path)
    store.create_collection("p", alias="p")
    store.add_objects("p", pegasus_objects[:300])
    added = [r.date_added for r in store.versions("p")]
    assert len(added) == 300 and all(a < b for a, b in zip(added, added[1:], strict=False))


def test_a_new_store_object_reads_what_another_wrote(tmp_path: Path) -> None:
    one = CollectionStore(tmp_path)
    one.create_collection("c", alias="c", description="d")
    one.add_bundle("c", stix2.v21.Bundle(objects=[indicator("2021-12-16T10:00:00Z")]))
    two = CollectionStore(tmp_path)
    assert two.collection("c").description == "d"
    assert two.versions("c")[0].id == IND_ID
    one.add_objects("c", [indicator("2021-12-18T10:00:00Z")])
    assert len(two.versions("c")) == 2  # the reader notices the file changed
    files = sorted(p.name for p in (tmp_path / "collections").iterdir())
    assert len(files) == 1 and files[0].endswith(".json")  # no temp files left behind
    saved = json.loads((tmp_path / "collections" / files[0]).read_text())
    assert saved["schema_version"] == 1


WRITER = f"""
import sys
from mercwatch.intel.taxii.store import CollectionStore
root, n = sys.argv[1], int(sys.argv[2])
store = CollectionStore(root)
for i in range(n):
    store.add_objects("c", [{{
        "type": "indicator", "spec_version": "2.1", "id": "{IND_ID}",
        "created": "2021-12-16T10:00:00Z", "modified": f"2021-12-1{{n}}T10:00:0{{i}}Z",
        "pattern": "[domain-name:value = 'x.example']", "pattern_type": "stix",
        "valid_from": "2021-12-16T10:00:00Z"}}])
"""


def test_two_processes_writing_lose_nothing(tmp_path: Path) -> None:
    store = CollectionStore(tmp_path)
    store.create_collection("c", alias="c")
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), str(n)]) for n in (1, 2)
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    rows = store.versions("c")
    assert len(rows) == 3  # 1 + 2 distinct versions of the one indicator id
    assert len({r.seq for r in rows}) == 3


def test_collection_names_cannot_leave_the_folder(tmp_path: Path) -> None:
    store = CollectionStore(tmp_path / "s")
    for bad in ("../etc", ".hidden", "a/b", ""):
        with pytest.raises(CollectionNotFound):
            store.versions(bad)


def test_create_is_idempotent_by_alias_and_media_types_follow_content(tmp_path: Path) -> None:
    store = CollectionStore(tmp_path)
    a = store.create_collection("Title", alias="x")
    b = store.create_collection("Other title", alias="x")
    assert a == b
    sco = {
        "type": "domain-name",
        "id": "domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5",
        "value": "evil.example",
    }
    store.add_objects("x", [sco])
    assert store.collection("x").media_types == ("application/stix+json;version=2.1",)


def test_bundles_are_checked(tmp_path: Path) -> None:
    store = CollectionStore(tmp_path)
    store.create_collection("c", alias="c")
    with pytest.raises(IntelFormatError):
        store.add_bundle("c", '{"type": "indicator"}')
    with pytest.raises(IntelFormatError):
        store.add_bundle("c", "{not json")


def test_status_resources_persist(tmp_path: Path) -> None:
    store = CollectionStore(tmp_path)
    store.save_status({"id": "s-1", "status": "complete"})
    assert CollectionStore(tmp_path).status("s-1") == {"id": "s-1", "status": "complete"}
    assert store.status("s-2") is None


@pytest.mark.parametrize(
    ("obj", "spec"),
    [
        ({"type": "indicator", "spec_version": "2.1", "created": "x"}, "2.1"),
        ({"type": "indicator", "created": "x"}, "2.0"),
        ({"type": "ipv4-addr", "value": "1.2.3.4"}, "2.1"),
    ],
)
def test_spec_version(obj: dict, spec: str) -> None:
    assert spec_version(obj) == spec


def test_timestamps_compare_as_instants() -> None:
    assert parse_ts("2024-01-26T21:28:21.01893Z") == parse_ts("2024-01-26T21:28:21.018930Z")
    with pytest.raises(ValueError):
        parse_ts("2024-01-26T21:28:21")  # no zone
