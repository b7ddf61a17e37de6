"""A tiny platform export, written in any input format, for ingest tests."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from mercwatch.ingest.contract import TABLES

ACCOUNTS = [
    {
        "account_id": "a1",
        "created_at": "2019-05-01T08:00:00Z",
        "display_name": "Jane Doe",
        "country": "gb",
        "tags": ["journalist", "researcher"],
        "photo_hash": "00FF00FF00FF00FF",
        "email_domain": "Example.org",
        "phone_cc": "+44",
        "bio": 'Reporter, "quotes", commas; and\nnewlines',
    },
    {"account_id": "a2", "created_at": "2021-10-30T10:00:00+02:00", "display_name": "Sam"},
]
FRIENDSHIPS = [{"a": "a1", "b": "a2", "since": "2020-01-01T00:00:00Z"}, {"a": "a2", "b": "a1"}]
EVENTS = [
    {
        "event_id": "e1",
        "ts": "2021-11-03T14:05:00Z",
        "type": "login",
        "actor_id": "a2",
        "ip": "10.0.0.1",
        "asn": 64500,
        "device_id": "d1",
        "user_agent": "Mozilla/5.0",
    },
    {
        "event_id": "e2",
        "ts": "2021-11-03T14:06:00Z",
        "type": "view_profile",
        "target_id": "a1",
        "ip": "2001:db8::1",
    },
    {
        "event_id": "e3",
        "ts": "2021-11-03T14:07:00Z",
        "type": "message",
        "actor_id": "a2",
        "target_id": "a1",
        "text": 'hello, "friend"',
        "url": "https://example.com/x?a=1",
    },
    {
        "event_id": "e4",
        "ts": "2021-11-03T14:08:00Z",
        "type": "search",
        "actor_id": "a2",
        "text": "jane doe",
    },
]


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(value)
    return str(value)


def write_table(
    folder: Path,
    table: str,
    rows: list[dict[str, Any]],
    fmt: str,
    fields: tuple[str, ...] | None = None,
) -> Path:
    """Write ``rows`` as ``folder/table.<fmt>`` the way a platform would."""
    fields = fields or TABLES[table].field_names
    if fmt in ("jsonl", "jsonl.gz"):
        text = "".join(json.dumps(r) + "\n" for r in rows)
        path = folder / f"{table}.{fmt}"
        if fmt == "jsonl.gz":
            path.write_bytes(gzip.compress(text.encode()))
        else:
            path.write_text(text)
        return path
    if fmt == "csv":
        path = folder / f"{table}.csv"
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(fields)
            for r in rows:
                writer.writerow([_csv_value(r.get(f)) for f in fields])
        return path
    if fmt == "parquet":
        path = folder / f"{table}.parquet"
        names = [f for f in fields if any(f in r for r in rows)]
        pq.write_table(pa.Table.from_pylist([{f: r.get(f) for f in names} for r in rows]), path)
        return path
    raise ValueError(fmt)


def write_export(folder: Path) -> Path:
    """The three tables as a contract export in ``folder`` (created), mixed formats."""
    folder.mkdir(parents=True)
    write_table(folder, "accounts", ACCOUNTS, "jsonl")
    write_table(folder, "friendships", FRIENDSHIPS, "csv")
    write_table(folder, "events", EVENTS, "jsonl")
    return folder
