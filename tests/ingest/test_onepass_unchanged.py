"""The one-pass ingest (DuckDB's JSON reader, timestamps parsed once) changed no output.

``tests/data/ingest/hostile_snapshot.json`` was written by ``tests/_hostile_export.py``
with the ingest code from before that work; every clean table, every reject (file,
line, field, reason, excerpt) and every count must still be the same, in every format.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _hostile_export import LIMITS, hostile_exports, snapshot

import mercwatch.ingest.readers as readers
from mercwatch.ingest.jsonl_direct import one_object_lines
from mercwatch.ingest.lines import ByteBudget

SNAPSHOT = Path(__file__).parents[1] / "data" / "ingest" / "hostile_snapshot.json"


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return hostile_exports(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def before() -> dict:
    return json.loads(SNAPSHOT.read_text())


@pytest.mark.parametrize("name", ["jsonl-direct", "jsonl-careful", "csv", "parquet"])
def test_typed_tables_and_rejects_are_as_before(exports, before, name):
    now = json.loads(json.dumps(snapshot(exports[name]), ensure_ascii=False))
    assert now == before[name]


def test_a_rerun_gives_identical_output(exports):
    assert snapshot(exports["jsonl-direct"]) == snapshot(exports["jsonl-direct"])


def test_the_plain_json_lines_export_is_read_directly_and_the_hostile_one_is_not(exports):
    def fits(export: Path, table: str) -> bool:
        with (export / f"{table}.jsonl").open("rb") as handle:
            return one_object_lines(handle, table, LIMITS, ByteBudget(1 << 30)) is not None

    for table in ("events", "accounts", "friendships"):
        assert fits(exports["jsonl-direct"], table)
        assert not fits(exports["jsonl-careful"], table)


def test_direct_and_careful_json_lines_paths_give_the_same_result(exports, monkeypatch):
    direct = snapshot(exports["jsonl-direct"])
    monkeypatch.setattr(readers, "direct_source_sql", lambda path, limits: None)
    assert snapshot(exports["jsonl-direct"]) == direct


def test_a_line_that_is_not_json_sends_the_file_back_to_the_careful_path(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    good = '{"event_id": "e1", "ts": "2021-11-03T14:05:00Z", "type": "login", "actor_id": "a"}'
    (folder / "accounts.jsonl").write_text(
        '{"account_id": "a", "created_at": "2021-11-03T14:05:00Z"}\n'
    )
    other = good.replace('"a"}', '"b"}')
    (folder / "events.jsonl").write_text(f'{good}\n{{"event_id": "e2", \n{other}\n')
    with (folder / "events.jsonl").open("rb") as handle:
        assert one_object_lines(handle, "events", LIMITS, ByteBudget(1 << 30)) is not None
    result = snapshot(folder)
    assert [r[2:5] for r in result["rejects"]["rows"]] == [
        [2, None, "line is not valid JSON"],
        [3, "event_id", "duplicate event_id 'e1' differs from the row at events.jsonl:1"],
    ]


@pytest.mark.parametrize(
    "text",
    [
        b"",
        b"\xef\xbb\xbf{}\n",
        b"{}\r\n",
        b"{}\n\n{}\n",
        b'{"a": 1}\n [1]\n',
        b"{" + b"[" * 7 + b"]" * 7 + b"}\n",
        b'{"a": "\xff"}\n',
        b'{"a": "' + b"x" * 3_000 + b'"}\n',
    ],
)
def test_the_pre_scan_refuses_what_only_the_careful_path_can_number(text, tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_bytes(text)
    with path.open("rb") as handle:
        assert one_object_lines(handle, "t", LIMITS, ByteBudget(1 << 30), block_bytes=16) is None


def test_the_pre_scan_counts_lines_across_blocks(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_bytes(b'{"a": [1]}\n' * 50 + b'{"a": 2}')
    with path.open("rb") as handle:
        scan = one_object_lines(handle, "t", LIMITS, ByteBudget(1 << 30), block_bytes=7)
    assert scan is not None and scan.lines == 51
