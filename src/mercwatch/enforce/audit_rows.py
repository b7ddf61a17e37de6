"""Row images: how the audit chain vouches for the tables that record decisions.

The hash chain proves that its own entries were not edited, but the platform acts on
``actions`` (what is done to whom) and ``review_queue`` (who approved or rejected it).
So every entry that creates or changes a decision row carries that row's *image*: every
column, with canonical values, read back from the database after the write. ``audit
verify`` then checks each decision row against the newest image the chain holds for it:

* a row that differs was edited outside mercwatch (a reversal quietly undone);
* a row with no image was written outside mercwatch, or the log's tail that recorded it
  was cut off (truncation is no longer invisible when decisions survive it);
* an image whose row is gone means the row was deleted.

Which tables record a decision, and why the others do not, is in docs/security/audit.md.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, select

from mercwatch.errors import AuditChainBroken
from mercwatch.store.state import actions, audit_log, review_queue, to_naive_utc

# Order matters only for the order of the checks; keep parents before children.
DECISION_TABLES: tuple[Table, ...] = (actions, review_queue)
# Columns no decision ever changes. A later image of the same key with other values means
# the row was deleted and its id handed out again (SQLite reuses the highest rowid).
IDENTITY: dict[str, tuple[str, ...]] = {
    "actions": ("action", "subject", "operation_id", "created_at"),
    "review_queue": ("action_id", "queued_at"),
}
#: Rows read per query when walking the audit tables (bounded memory on a long log).
READ_CHUNK = 1000
_MISSING = "<column missing>"


def canonical_ts(ts: datetime) -> str:
    """One text form for a timestamp, identical from SQLite and PostgreSQL."""
    return to_naive_utc(ts).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, no NaN: the same bytes for the same value on every run."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def _value(value: Any) -> Any:
    return canonical_ts(value) if isinstance(value, datetime) else value


def row_image(table: Table, row: Any) -> dict[str, Any]:
    """The record an audit entry keeps of one decision row: table, key and every column."""
    mapping = row._mapping
    image = {column.name: _value(mapping[column.name]) for column in table.columns}
    return {"table": table.name, "key": int(mapping["id"]), "image": image}


def read_images(conn: Connection, table: Table, ids: Iterable[int]) -> list[dict[str, Any]]:
    """Images of rows ``ids`` of ``table`` as stored now (call after writing them)."""
    wanted = sorted(set(ids))
    rows = conn.execute(select(table).where(table.c.id.in_(wanted)).order_by(table.c.id)).all()
    return [row_image(table, row) for row in rows]


def _digest(image: Mapping[str, Any]) -> bytes:
    return hashlib.sha256(canonical_json(dict(image)).encode("utf-8")).digest()


# (entry id, the image's column names, digest of the image, digest of its identity
# columns): a plain tuple, about 250 bytes a row with the dict around it
_Recorded = tuple[int, tuple[str, ...], bytes, bytes]


class RecordedRows:
    """The newest image the chain holds for each decision row, collected while walking it.

    Only a digest is kept per row (table -> key -> :data:`_Recorded`), so verifying a
    store of millions of decisions stays within a few hundred MB.
    """

    def __init__(self) -> None:
        self._rows: dict[str, dict[int, _Recorded]] = {t.name: {} for t in DECISION_TABLES}
        self._columns: dict[tuple[str, ...], tuple[str, ...]] = {}

    def add(self, entry_id: int, records: Sequence[Mapping[str, Any]] | None) -> None:
        for record in records or ():
            image = record["image"]
            columns = tuple(sorted(image))
            columns = self._columns.setdefault(columns, columns)
            name, key = str(record["table"]), int(record["key"])
            identity = _digest({c: image.get(c) for c in IDENTITY.get(name, ())})[:16]
            table = self._rows.setdefault(name, {})
            earlier = table.get(key)
            if earlier is not None and earlier[3] != identity:
                raise AuditChainBroken(
                    earlier[0],
                    f"{name} row {key} recorded here was deleted and its id reused by "
                    f"another row (recorded by entry {entry_id})",
                )
            table[key] = (entry_id, columns, _digest(image), identity)

    def check(self, engine: Engine, next_entry_id: int) -> None:
        """Compare every decision row with its image (once: it consumes what was collected).

        Raises:
            AuditChainBroken: a row edited, written without an entry, or deleted.
        """
        for table in DECISION_TABLES:
            for row in _table_rows(engine, table):
                self._check_row(engine, table, row, next_entry_id)
            self._check_deleted(table)

    def _check_row(self, engine: Engine, table: Table, row: Any, next_entry_id: int) -> None:
        # pop: what is left once the table is read are images of deleted rows
        recorded = self._rows[table.name].pop(int(row.id), None)
        if recorded is None:
            raise AuditChainBroken(
                next_entry_id,
                f"{table.name} row {row.id} has no audit entry: entries were removed from "
                "the end of the log, or the row was written outside mercwatch",
            )
        entry_id, columns, digest, _ = recorded
        current = row_image(table, row)["image"]
        now = {c: current.get(c, _MISSING) for c in columns}
        if _digest(now) != digest:
            changed = _changed_columns(engine, entry_id, table.name, int(row.id), now)
            raise AuditChainBroken(
                entry_id,
                f"{table.name} row {row.id} no longer matches what this entry recorded "
                f"({changed}): edited outside mercwatch, or the later entries that changed "
                "it were removed",
            )

    def _check_deleted(self, table: Table) -> None:
        left = self._rows[table.name]
        if left:
            key = min(left)
            raise AuditChainBroken(
                left[key][0], f"{table.name} row {key} recorded here was deleted"
            )


def _table_rows(engine: Engine, table: Table) -> Iterator[Any]:
    last = 0
    while True:
        with engine.connect() as conn:
            chunk = conn.execute(
                select(table).where(table.c.id > last).order_by(table.c.id).limit(READ_CHUNK)
            ).all()
        if not chunk:
            return
        yield from chunk
        last = int(chunk[-1].id)


def _changed_columns(
    engine: Engine, entry_id: int, table: str, key: int, now: Mapping[str, Any]
) -> str:
    """Which columns differ, for the message: 'status: applied -> reversed'."""
    with engine.connect() as conn:
        records = conn.execute(select(audit_log.c.records).where(audit_log.c.id == entry_id))
        found = records.scalar_one_or_none() or []
    image: dict[str, Any] = next(
        (r["image"] for r in found if r["table"] == table and r["key"] == key), {}
    )
    diffs = [f"{c}: {image.get(c)!r} -> {now[c]!r}" for c in sorted(now) if image.get(c) != now[c]]
    return "; ".join(diffs) or "content differs"
