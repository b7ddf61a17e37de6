"""Table writers for the contract's three formats: JSON Lines, CSV and Parquet.

One writer per format, all taking the same rows (dicts with absent fields left out),
so the formats carry the same data: in CSV a list is ``;``-separated and an absent
field is an empty cell; in Parquet timestamps stay RFC 3339 strings (the contract
accepts both) and ``asn`` is a 64-bit integer column.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

COLUMNS = {
    "accounts": (
        "account_id", "created_at", "display_name", "country", "bio", "employer",
        "photo_hash", "email_domain", "phone_cc", "tags",
    ),
    "friendships": ("a", "b", "since"),
    "events": (
        "event_id", "ts", "type", "actor_id", "target_id", "ip", "asn", "device_id",
        "user_agent", "text", "url",
    ),
}  # fmt: skip
FORMATS = ("jsonl", "csv", "parquet")


def write_table(folder: Path, table: str, rows: Iterable[dict[str, Any]], fmt: str) -> int:
    """Write ``rows`` as ``folder/<table>.<fmt>``; returns how many."""
    path = folder / f"{table}.{fmt}"
    if fmt == "jsonl":
        return _jsonl(path, rows)
    if fmt == "csv":
        return _csv(path, table, rows)
    if fmt == "parquet":
        return _parquet(path, table, rows)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def _jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
            fh.write("\n")
            n += 1
    return n


def _csv(path: Path, table: str, rows: Iterable[dict[str, Any]]) -> int:
    n = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS[table])
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ";".join(v) if isinstance(v, list) else v for k, v in row.items()})
            n += 1
    return n


def _parquet(path: Path, table: str, rows: Iterable[dict[str, Any]]) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"asn": pa.int64(), "tags": pa.list_(pa.string())}
    schema = pa.schema([(c, types.get(c, pa.string())) for c in COLUMNS[table]])
    data = list(rows)
    pq.write_table(pa.Table.from_pylist(data, schema=schema), path)
    return len(data)
