"""Landing a Redis Stream as part files: each entry lands once, across crashes, and an
entry that cannot be a row is kept with its reason, never dropped."""

from __future__ import annotations

import json
from pathlib import Path

import fakeredis
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mercwatch.errors import ConfigError
from mercwatch.ingest.redis_stream import StreamLander, parse_id, part_name

STREAM = "mercwatch:events"


def _event(n: int) -> str:
    return json.dumps({"event_id": f"e{n}", "ts": "2021-11-03T14:05:00Z", "type": "message"})


def _rows(export: Path, table: str = "events") -> list[dict]:
    return [
        json.loads(line)
        for part in sorted((export / table).glob("part-*.jsonl"))
        for line in part.read_text().splitlines()
    ]


@pytest.fixture
def client() -> fakeredis.FakeRedis:
    return fakeredis.FakeRedis()


def test_batches_land_in_stream_order_and_are_acknowledged(tmp_path: Path, client):
    for n in range(7):
        client.xadd(STREAM, {"table": "events", "record": _event(n)})
    lander = StreamLander(client, tmp_path, batch_size=3)
    landed = [lander.pull() for _ in range(4)]
    assert [batch.read for batch in landed] == [3, 3, 1, 0]
    assert [r["event_id"] for r in _rows(tmp_path)] == [f"e{n}" for n in range(7)]
    assert client.xpending(STREAM, "mercwatch")["pending"] == 0
    assert landed[-1].backlog in (0, None)


def test_a_crash_before_the_acknowledgement_lands_nothing_twice(tmp_path: Path, client):
    """Killed after the parts were renamed into place but before XACK: the restarted
    consumer gets the same entries back and recognises them as landed."""
    for n in range(5):
        client.xadd(STREAM, {"table": "events", "record": _event(n)})
    client.xadd(STREAM, {"table": "accounts", "record": json.dumps({"account_id": "a1"})})

    def crash(*_args: object) -> None:
        raise SystemExit("killed before XACK")

    crashing = StreamLander(client, tmp_path, consumer="c1", batch_size=4)
    client.xack = crash  # type: ignore[method-assign]
    with pytest.raises(SystemExit):
        crashing.pull()
    del client.xack  # the real method again
    assert len(_rows(tmp_path)) == 4

    restarted = StreamLander(client, tmp_path, consumer="c1", batch_size=10)
    again = restarted.pull()
    assert (again.read, again.skipped, again.parts) == (4, 4, ())
    rest = restarted.pull()
    assert rest.read == 2 and len(rest.parts) == 2  # one event, one account: two tables
    assert [r["event_id"] for r in _rows(tmp_path)] == [f"e{n}" for n in range(5)]
    assert _rows(tmp_path, "accounts") == [{"account_id": "a1"}]
    assert client.xpending(STREAM, "mercwatch")["pending"] == 0


def test_a_crash_between_two_tables_of_one_batch_lands_the_second_later(
    tmp_path: Path, client, monkeypatch: pytest.MonkeyPatch
):
    client.xadd(STREAM, {"table": "accounts", "record": json.dumps({"account_id": "a1"})})
    client.xadd(STREAM, {"table": "events", "record": _event(1)})
    lander = StreamLander(client, tmp_path, consumer="c1")
    real = StreamLander._write_part
    calls: list[str] = []

    def write_then_die(self, table, lines, last):  # type: ignore[no-untyped-def]
        calls.append(table)
        if len(calls) == 2:
            raise SystemExit("killed between the two parts")
        return real(self, table, lines, last)

    with monkeypatch.context() as patch:
        patch.setattr(StreamLander, "_write_part", write_then_die)
        with pytest.raises(SystemExit):
            lander.pull()
    restarted = StreamLander(client, tmp_path, consumer="c1")
    again = restarted.pull()
    assert again.skipped == 1 and len(again.parts) == 1
    assert _rows(tmp_path, "accounts") == [{"account_id": "a1"}]
    assert [r["event_id"] for r in _rows(tmp_path)] == ["e1"]


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"record": "{}"}, "field 'table' missing"),
        ({"table": "posts", "record": "{}"}, "unknown table 'posts'"),
        ({"table": "events"}, "field 'record' missing"),
        ({"table": "events", "record": "{not json"}, "field 'record': not JSON"),
        ({"table": "events", "record": "[1, 2]"}, "not a JSON object"),
        ({"table": "events", "record": json.dumps({"x": "y" * 2_000_000})}, "longer than"),
    ],
)
def test_an_entry_that_cannot_be_a_row_is_kept_with_its_reason(
    tmp_path: Path, client, fields: dict[str, str], reason: str
):
    entry_id = client.xadd(STREAM, fields).decode()
    client.xadd(STREAM, {"table": "events", "record": _event(1)})
    landed = StreamLander(client, tmp_path).pull()
    assert (landed.read, landed.rejected) == (2, 1)
    kept_file = tmp_path / ".stream" / "rejects.jsonl"
    kept = [json.loads(line) for line in kept_file.read_text().splitlines()]
    assert [k["stream_id"] for k in kept] == [entry_id]
    assert reason in kept[0]["reason"]
    assert [r["event_id"] for r in _rows(tmp_path)] == ["e1"]
    assert client.xpending(STREAM, "mercwatch")["pending"] == 0  # reading it again cannot help


def test_an_entry_deleted_before_it_was_read_is_reported(tmp_path: Path, client):
    lander = StreamLander(client, tmp_path, consumer="c1")
    gone = client.xadd(STREAM, {"table": "events", "record": _event(1)})
    client.xadd(STREAM, {"table": "events", "record": _event(2)})
    client.xgroup_create(STREAM, "mercwatch", id="0")
    client.xreadgroup("mercwatch", "c1", {STREAM: ">"}, count=10)  # delivered, then lost
    client.xdel(STREAM, gone)
    landed = lander.pull()
    assert landed.rejected == 1 and "deleted" in (tmp_path / ".stream/rejects.jsonl").read_text()
    assert [r["event_id"] for r in _rows(tmp_path)] == ["e2"]


def test_a_table_given_as_one_file_is_refused_with_what_to_do(tmp_path: Path, client):
    (tmp_path / "events.jsonl").write_text(_event(1) + "\n")
    with pytest.raises(ConfigError, match="events.jsonl.*folder events/"):
        StreamLander(client, tmp_path).pull()


def test_part_names_sort_in_stream_order():
    ids = ["1700000000000-0", "1700000000000-10", "1700000000001-2", "99-0"]
    by_name = sorted(ids, key=lambda i: part_name(parse_id(i)))
    assert by_name == sorted(ids, key=parse_id)


_text = st.text(max_size=40)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    fields=st.dictionaries(
        st.sampled_from(["table", "record", "other"]),
        st.one_of(_text, st.sampled_from(["events", "accounts", "{}", '{"a": [1, {"b": 2}]}'])),
    )
)
def test_any_entry_becomes_one_line_row_or_a_reason(fields: dict[str, str]):
    lander = StreamLander(fakeredis.FakeRedis(), Path("."))
    row, table, reason = lander._row(fields)
    if reason is None:
        assert table in ("accounts", "friendships", "events")
        assert row is not None and "\n" not in row
        assert json.loads(row) == json.loads(fields["record"])
    else:
        assert row is None and reason
