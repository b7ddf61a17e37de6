"""A hostile export in every format, and what ingest made of it, for before/after tests.

``hostile_exports`` writes the same awkward rows (odd unicode, escapes, huge fields,
wrong JSON types, duplicate ids, bad timestamps) as several exports: JSON Lines that
DuckDB may read directly (every line a plain object line), JSON Lines that must take
the careful path (BOM, CRLF, blank lines, broken lines), CSV (BOM, CRLF, quoted line
breaks, wrong widths) and Parquet. ``snapshot`` is every clean table and the rejects,
sorted, as plain JSON values.

Run as a script to write the snapshot the tests compare against (``--write PATH``);
it was made with the ingest code from before the one-pass work, so the test proves
the outputs did not change.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from mercwatch.ingest import ingest_export
from mercwatch.ingest.limits import IngestLimits
from mercwatch.store.engine import connect, duckdb_connection

LIMITS = IngestLimits(
    max_line_bytes=2_000,
    max_field_chars=300,
    max_depth=6,
    reject_excerpt_chars=120,
    max_reject_fraction=1.0,
    earliest=datetime(2000, 1, 1, tzinfo=UTC),
    latest=datetime(2030, 1, 1, tzinfo=UTC),
)

_T = "2021-11-03T14:05:00Z"
ODD = "naïve café 😀 \u202eRTL\u202c e\u0301 \u200bzero-width \ufeffbom-in-text 𝔘𝔫𝔦"
EVENTS: list[dict[str, Any]] = [
    {"event_id": "e1", "ts": _T, "type": "login", "actor_id": "a1", "ip": "10.0.0.1", "asn": 1},
    {"event_id": "e1", "ts": _T, "type": "login", "actor_id": "a1", "ip": "10.0.0.1", "asn": 1},
    {"event_id": "e2", "ts": _T, "type": "post", "actor_id": "a1", "text": ODD},
    {"event_id": "e2", "ts": _T, "type": "post", "actor_id": "a1", "text": "other"},
    {"event_id": "e3", "ts": "2021-11-03 14:05:00", "type": "search", "actor_id": "a2"},
    {"event_id": "e4", "ts": "2021-11-03T14:05:00+05:30", "type": "post", "actor_id": "a2"},
    {"event_id": "e5", "ts": "2021-13-01T00:00:00Z", "type": "post", "actor_id": "a2"},
    {"event_id": "e6", "ts": "1970-01-01T00:00:00Z", "type": "post", "actor_id": "a2"},
    {"event_id": "e7", "ts": _T, "type": "post", "actor_id": "a2", "text": "x" * 400},
    {"event_id": "e8", "ts": _T, "type": "login", "actor_id": "a2", "target_id": "a1"},
    {"event_id": "e9", "ts": _T, "type": "message", "actor_id": "a2"},
    {"event_id": "e10", "ts": _T, "type": "dance", "actor_id": "a2"},
    {"event_id": "e11", "ts": _T, "type": "login", "actor_id": "a2", "ip": "999.1.1.1"},
    {"event_id": "e12", "ts": _T, "type": "login", "actor_id": "a2", "ip": "fe80::1%eth0"},
    {"event_id": "e13", "ts": _T, "type": "login", "actor_id": "a2", "asn": 99999999999},
    {"event_id": "e14", "ts": _T, "type": "login", "actor_id": "a2", "asn": -1},
    {"event_id": "e15", "ts": _T, "type": "login", "actor_id": "a2", "asn": "64500"},
    {"event_id": "e16", "ts": "", "type": "login", "actor_id": "a2"},
    {"ts": _T, "type": "login", "actor_id": "a2"},
    {
        "event_id": "e18",
        "ts": _T,
        "type": "post",
        "actor_id": "a\u200b1",
        "url": "https://x.y/\u00e9",
    },
    {"event_id": "e19", "ts": _T, "type": "post", "actor_id": "a1", "text": 'q "x" \\ \t tab\nnl'},
    {"event_id": "e20", "ts": _T, "type": "post", "actor_id": "a1", "text": "", "url": None},
]
#: JSON-only rows: wrong JSON types, odd spellings of one object (text of a line).
JSON_ONLY = [
    '{"event_id": "j1", "ts": 1636000000, "type": "login", "actor_id": "a1"}',
    '{"event_id": 5, "ts": "2021-11-03T14:05:00Z", "type": "login", "actor_id": "a1"}',
    '{"event_id": "j3", "ts": "2021-11-03T14:05:00Z", "type": ["login"], "actor_id": "a1"}',
    '{"event_id": "j4", "ts": "2021-11-03T14:05:00Z", "type": "login", "actor_id": "a1", '
    '"asn": 1.5}',
    '{"event_id": "j5", "ts": "2021-11-03T14:05:00Z", "type": "login", "actor_id": "a1", '
    '"asn": true}',
    '{"event_id": "j6", "ts": "2021-11-03T14:05:00Z", "type": "post", "actor_id": "a1", '
    '"text": {"a": 1}}',
    '{ "type" : "post" ,  "actor_id":"a1", "event_id" : "j7", "ts":"2021-11-03T14:05:00Z" }',
    '{"event_id": "j8", "ts": "2021-11-03T14:05:00Z", "type": "post", "actor_id": "a1", '
    '"text": "esc \\u00e9 \\/ \\"q\\" \\ud83d\\ude00 \\u0007", "extra": [1, 2]}',
    '{"event_id": "j9", "event_id": "j9b", "ts": "2021-11-03T14:05:00Z", "type": "login", '
    '"actor_id": "a1"}',
    '{"event_id": "j10", "ts": "2021-11-03T14:05:00Z", "type": "login", "actor_id": "a1", '
    '"asn": -0}',
    '{"event_id": "j11", "ts": "2021-11-03T14:05:00Z", "type": "login", "actor_id": "a1", '
    '"asn": 18446744073709551616}',
    '{"event_id": "j12", "ts": "2021-11-03T14:05:00Z", "type": "login", "actor_id": null, '
    '"target_id": ""}',
]
#: Lines only the careful path can take (each a reject, or skipped when blank).
CAREFUL_ONLY = [
    "",
    "   ",
    "[1, 2]",
    "5",
    '{"event_id": "broken", ',
    '{"event_id": "deep", "ts": "2021-11-03T14:05:00Z", "type": "post", "actor_id": "a1", '
    '"text": [[[[[[["x"]]]]]]]}',
    '{"event_id": "long", "text": "' + "y" * 2_100 + '"}',
]
ACCOUNTS: list[dict[str, Any]] = [
    {"account_id": "a1", "created_at": _T, "country": "gb", "tags": ["x", "ü"]},
    {"account_id": "a2", "created_at": _T, "photo_hash": "00FF00FF00FF00FF", "tags": []},
    {"account_id": "a3", "created_at": _T, "country": "GBR", "email_domain": "Example.ORG"},
    {"account_id": "a3", "created_at": _T, "country": "fr"},
    {"account_id": "a4", "created_at": _T, "phone_cc": "44", "bio": ODD},
]
ACCOUNTS_JSON_ONLY = [
    '{"account_id": "a5", "created_at": "2021-11-03T14:05:00Z", "tags": [1, 2]}',
    '{"account_id": "a6", "created_at": "2021-11-03T14:05:00Z", "tags": "x;y"}',
    '{"account_id": "a7", "created_at": "2021-11-03T14:05:00Z", "tags": ""}',
    '{"account_id": "a8", "created_at": "2021-11-03T14:05:00Z", "tags": ["a\\"b", null]}',
]
FRIENDSHIPS: list[dict[str, Any]] = [
    {"a": "a1", "b": "a2", "since": _T},
    {"a": "a2", "b": "a1"},
    {"a": "a3", "b": "a3"},
    {"a": "a4", "b": "a1", "since": "yesterday"},
]
EVENT_FIELDS = (
    "event_id", "ts", "type", "actor_id", "target_id", "ip", "asn", "device_id",
    "user_agent", "text", "url",
)  # fmt: skip


def _json_lines(rows: list[dict[str, Any]], extra: list[str]) -> list[str]:
    return [json.dumps(r, ensure_ascii=False) for r in rows] + extra


def _write_lines(path: Path, lines: list[str], *, bom: bool = False, end: str = "\n") -> None:
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + "".join(x + end for x in lines).encode())


def _csv_text(rows: list[dict[str, Any]], fields: tuple[str, ...]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(fields)
    for r in rows:
        cells = [r.get(f) for f in fields]
        writer.writerow([";".join(c) if isinstance(c, list) else c for c in cells])
    return out.getvalue()


def hostile_exports(root: Path) -> dict[str, Path]:
    """Write the exports (name -> folder) under ``root``."""
    made = {}
    direct = root / "jsonl-direct"
    direct.mkdir(parents=True)
    _write_lines(direct / "events.jsonl", _json_lines(EVENTS, JSON_ONLY))
    _write_lines(direct / "accounts.jsonl", _json_lines(ACCOUNTS, ACCOUNTS_JSON_ONLY))
    _write_lines(direct / "friendships.jsonl", _json_lines(FRIENDSHIPS, []))
    made["jsonl-direct"] = direct

    careful = root / "jsonl-careful"
    careful.mkdir()
    lines = _json_lines(EVENTS, JSON_ONLY)
    mixed = [x for pair in zip(lines, CAREFUL_ONLY + [""] * len(lines), strict=False) for x in pair]
    _write_lines(careful / "events.jsonl", mixed, bom=True, end="\r\n")
    _write_lines(careful / "accounts.jsonl", _json_lines(ACCOUNTS, ACCOUNTS_JSON_ONLY), end="\r\n")
    (careful / "friendships.jsonl").write_bytes(
        "\n".join(_json_lines(FRIENDSHIPS, [])).encode() + b"\n\xff\xfe{}\n"
    )
    made["jsonl-careful"] = careful

    csvs = root / "csv"
    csvs.mkdir()
    text = _csv_text(EVENTS, EVENT_FIELDS)
    text += "e90,2021-11-03T14:05:00Z,login,a1\r\n\r\n,,,,,,,,,,\r\n"
    (csvs / "events.csv").write_bytes(b"\xef\xbb\xbf" + text.encode())
    fields = ("account_id", "created_at", "country", "photo_hash", "email_domain", "phone_cc")
    (csvs / "accounts.csv").write_text(_csv_text(ACCOUNTS, (*fields, "bio", "tags")))
    (csvs / "friendships.csv").write_text(_csv_text(FRIENDSHIPS, ("a", "b", "since")))
    made["csv"] = csvs

    parquet = root / "parquet"
    parquet.mkdir()
    as_text = [{f: None if r.get(f) is None else str(r[f]) for f in EVENT_FIELDS} for r in EVENTS]
    pq.write_table(pa.Table.from_pylist(as_text), parquet / "events.parquet")
    pq.write_table(pa.Table.from_pylist(ACCOUNTS), parquet / "accounts.parquet")
    pq.write_table(pa.Table.from_pylist(FRIENDSHIPS), parquet / "friendships.parquet")
    made["parquet"] = parquet
    return made


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def snapshot(export: Path) -> dict[str, Any]:
    """Every clean table and the rejects of ingesting ``export`` (fresh engine),
    sorted, plus the report's counts."""
    con = connect()
    try:
        report = ingest_export(export, con, LIMITS)
        raw = duckdb_connection(con)
        out: dict[str, Any] = {
            "counts": [
                [t.table, t.rows_read, t.rows_loaded, t.rejected, t.duplicates, t.blank_lines]
                for t in report.tables
            ],
            "reasons": [list(r) for r in report.reject_reasons],
        }
        for table in ("accounts", "friendships", "events", "rejects"):
            rows = raw.execute(f'SELECT * FROM "{table}"').fetchall()
            names = [d[0] for d in raw.execute(f'SELECT * FROM "{table}" LIMIT 0').description]
            plain = [[_plain(v) for v in row] for row in rows]
            out[table] = {"columns": names, "rows": sorted(plain, key=json.dumps)}
        return out
    finally:
        con.disconnect()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, required=True)
    parser.add_argument("--workdir", type=Path, required=True)
    args = parser.parse_args()
    exports = hostile_exports(args.workdir)
    result = {name: snapshot(path) for name, path in exports.items()}
    args.write.write_text(json.dumps(result, indent=1, ensure_ascii=False, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
