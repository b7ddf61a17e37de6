"""Rows that break the data contract, injected on request for ingest tests.

Each kind breaks one rule of SCHEMA.md so an ingest can be checked reason by reason:
an unknown type, a required field missing (per type), an unreadable timestamp, an ASN
that is not a valid AS number, a repeated ``event_id``, and (for text formats) a line
that is not a JSON object / a CSV row of the right shape.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mercwatch.sim.columns import EVENT_SCHEMA
from mercwatch.sim.config import ExportFormat
from mercwatch.sim.writer import TableSink

KINDS = (
    "unknown_type",
    "missing_field",
    "bad_timestamp",
    "bad_asn",
    "duplicate_event_id",
    "malformed_row",
)
#: (type, field left out): one per SCHEMA.md rule "required".
MISSING = (
    ("login", "actor_id"),
    ("view_profile", "target_id"),
    ("friend_request", "target_id"),
    ("message", "actor_id"),
    ("friend_accept", "actor_id"),
    ("report", "target_id"),
    ("block", "actor_id"),
    ("post", "ts"),
    ("search", "event_id"),
)
BAD_TS = ("2021-13-45T25:61:00Z", "yesterday at noon", "2021-09-31T10:00:00Z", "1630454400x")
BAD_ASN_TEXT = ("AS3320", "-7", "4294967296", "not-an-asn")
BAD_ASN_INT = (-7, 4_294_967_296, 2**40)
UNKNOWN_TYPES = ("poke", "super_like", "VIEW_PROFILE", "")


@dataclass(frozen=True, slots=True)
class InjectedRow:
    """One injected row: a table row (dict) or, for malformed lines, raw text."""

    kind: str
    position: int
    event_id: str | None
    row: dict[str, object] | None
    line: str | None
    detail: str


def _csv_line(values: list[object]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(["" if v is None else v for v in values])
    return buf.getvalue()


def make_bad_rows(
    rng: np.random.Generator,
    count: int,
    fmt: ExportFormat,
    chunk: pa.Table,
    next_id: int,
    operation_accounts: frozenset[str] = frozenset(),
) -> list[InjectedRow]:
    """``count`` bad rows cycling through the kinds the format can express.

    ``chunk`` is the first events chunk (final schema); positions index into it. Rows
    are modelled on benign events only, so no injected row involves an operation.
    """
    kinds = [k for k in KINDS if not (k == "malformed_row" and fmt is ExportFormat.PARQUET)]
    rows = chunk.slice(0, min(chunk.num_rows, 5000)).to_pylist()
    sample = [r for r in rows if not {r["actor_id"], r["target_id"]} & operation_accounts]
    positions = np.sort(rng.integers(1, max(chunk.num_rows, 2), count))
    benign = _benign_rows(chunk, operation_accounts)
    out = []
    for j in range(count):
        kind = kinds[j % len(kinds)]
        base = dict(sample[int(rng.integers(len(sample)))])
        base["event_id"] = f"ev{next_id + j:010d}"
        pos = int(positions[j])
        if kind == "duplicate_event_id":  # it copies the row before it: make that benign
            earlier = np.flatnonzero(benign[:pos])
            pos = int(earlier[-1]) + 1 if len(earlier) else pos
        out.append(_build(kind, j // len(kinds), base, fmt, pos))  # variant by round
    return sorted(out, key=lambda b: b.position)


def _benign_rows(chunk: pa.Table, operation_accounts: frozenset[str]) -> np.ndarray:
    """Mask of rows whose actor and target are not operation accounts."""
    ops = pa.array(sorted(operation_accounts), pa.string())
    hit = [
        pc.is_in(chunk.column(c), value_set=ops).to_numpy(zero_copy_only=False)
        for c in ("actor_id", "target_id")
    ]
    return ~(hit[0] | hit[1])


def _build(kind: str, j: int, row: dict[str, object], fmt: ExportFormat, pos: int) -> InjectedRow:
    """Break ``row`` the ``kind`` way; ``j`` (the round) picks the variant."""
    text = fmt is not ExportFormat.PARQUET
    detail = ""
    if kind == "unknown_type":
        row["type"] = UNKNOWN_TYPES[j % len(UNKNOWN_TYPES)]
        detail = f"type={row['type']!r}"
    elif kind == "missing_field":
        typ, missing = MISSING[j % len(MISSING)]
        row["type"] = typ
        row.setdefault("target_id", None)
        row[missing] = None
        detail = f"{typ} without {missing}"
    elif kind == "bad_timestamp":
        row["ts"] = BAD_TS[j % len(BAD_TS)]
        detail = f"ts={row['ts']!r}"
    elif kind == "bad_asn":
        row["asn"] = (
            BAD_ASN_TEXT[j % len(BAD_ASN_TEXT)] if text else BAD_ASN_INT[j % len(BAD_ASN_INT)]
        )
        detail = f"asn={row['asn']!r}"
    elif kind == "duplicate_event_id":
        detail = "copy of an earlier row"
        return InjectedRow(kind, pos, None, None, None, detail)  # filled in by the caller
    else:
        return InjectedRow(
            kind, pos, _event_id(row), None, _malformed(row, fmt, j), "unparseable line"
        )
    line = None
    if text:
        line = serialise(row, fmt)
    return InjectedRow(kind, pos, _event_id(row), row, line, detail)


def _event_id(row: dict[str, object]) -> str | None:
    """The row's event id as text (rows are untyped dicts; the id column is a string)."""
    value = row.get("event_id")
    return None if value is None else str(value)


def serialise(row: dict[str, object], fmt: ExportFormat) -> str:
    """One row as a JSON Lines line or CSV row (absent fields left out / empty)."""
    if fmt is ExportFormat.JSONL:
        return json.dumps({k: v for k, v in row.items() if v is not None}, ensure_ascii=False)
    return _csv_line([row.get(f.name) for f in EVENT_SCHEMA])


def _malformed(row: dict[str, object], fmt: ExportFormat, j: int) -> str:
    if fmt is ExportFormat.JSONL:
        full = json.dumps(row, ensure_ascii=False)
        return full[: len(full) // 2] if j % 2 == 0 else "event_id=" + str(row["event_id"])
    values = [row.get(f.name) for f in EVENT_SCHEMA]
    if j % 2 == 0:
        return _csv_line(values[:4])  # too few columns
    return _csv_line([*values, "surplus", "cells"])  # too many columns


def to_table(rows: list[dict[str, object]]) -> pa.Table:
    """Bad rows as an events table (Parquet exports)."""
    return pa.Table.from_pylist(rows, schema=EVENT_SCHEMA)


def write_spliced(
    sink: TableSink, chunk: pa.Table, bad: list[InjectedRow], fmt: ExportFormat
) -> list[InjectedRow]:
    """Write ``chunk`` with the bad rows spliced in; return them with final positions.

    A duplicate copies the row just before its position, so its id was already seen.
    """
    placed: list[InjectedRow] = []
    pieces: list[pa.Table | InjectedRow] = []
    cursor = 0
    for k, b in enumerate(bad):
        pieces.append(chunk.slice(cursor, b.position - cursor))
        cursor = b.position
        if b.kind == "duplicate_event_id":
            row = chunk.slice(b.position - 1, 1).to_pylist()[0]
            line = serialise(row, fmt) if fmt is not ExportFormat.PARQUET else None
            b = InjectedRow(b.kind, b.position, str(row["event_id"]), row, line, b.detail)
        placed.append(InjectedRow(b.kind, b.position + k, b.event_id, b.row, b.line, b.detail))
        pieces.append(b)
    pieces.append(chunk.slice(cursor))
    if fmt is ExportFormat.PARQUET:
        tables = [p if isinstance(p, pa.Table) else to_table([p.row or {}]) for p in pieces]
        sink.write(pa.concat_tables(tables))
        return placed
    for p in pieces:
        if isinstance(p, pa.Table):
            sink.write(p)
        else:
            sink.write_line(p.line or "")
    return placed
