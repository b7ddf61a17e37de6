"""An independent reading of SCHEMA.md, used to check the simulator's output.

Written from the contract text, not from the simulator's code, so the two can disagree.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

EVENT_TYPES = {
    "login",
    "view_profile",
    "search",
    "friend_request",
    "friend_accept",
    "message",
    "post",
    "share_link",
    "report",
    "block",
}
NEEDS_ACTOR = EVENT_TYPES - {"view_profile", "search"}
NEEDS_TARGET = {"view_profile", "friend_request", "friend_accept", "message", "report", "block"}
AT_RISK = {
    "journalist",
    "activist",
    "human_rights_defender",
    "politician",
    "lawyer",
    "dissident",
    "executive",
    "researcher",
}


def _absent(value: Any) -> bool:
    return value is None or value == ""


def parse_ts(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.endswith("Z"):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return None


def event_problem(row: dict[str, Any]) -> str | None:
    """Why an events row breaks the contract, or None."""
    kind = row.get("type")
    if kind not in EVENT_TYPES:
        return f"unknown type {kind!r}"
    if _absent(row.get("event_id")):
        return "missing event_id"
    if parse_ts(row.get("ts")) is None:
        return f"bad ts {row.get('ts')!r}"
    if kind in NEEDS_ACTOR and _absent(row.get("actor_id")):
        return "missing actor_id"
    if kind in NEEDS_TARGET and _absent(row.get("target_id")):
        return "missing target_id"
    asn = row.get("asn")
    if not _absent(asn):
        if isinstance(asn, str):
            if not asn.isdigit():
                return f"bad asn {asn!r}"
            asn = int(asn)
        if not isinstance(asn, int) or not 0 < asn < 2**32:
            return f"bad asn {asn!r}"
    return None


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Rows of one table file or part folder; CSV cells stay text, ``;`` lists split."""
    if path.is_dir():
        return [r for part in sorted(path.glob("part-*")) for r in read_rows(part)]
    if path.suffix == ".parquet":
        return pq.read_table(path).to_pylist()
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        for key, value in r.items():
            r[key] = None if value == "" else value
        if "tags" in r:
            r["tags"] = r["tags"].split(";") if r["tags"] else None
        if r.get("asn") is not None and "asn" in r:
            r["asn"] = int(r["asn"])
    return rows


@cache
def load_export(
    out: Path,
) -> tuple[dict[str, Any], dict[str, dict[str, Any]], tuple[dict[str, Any], ...]]:
    """truth.json, accounts by id and the events of an export without injected bad rows.

    Cached: the session's exports are read once, however many tests look at them.
    """
    truth = json.loads((out / "truth.json").read_text("utf-8"))
    accounts = {r["account_id"]: r for r in read_rows(table_path(out, "accounts"))}
    events, _ = read_events_tolerant(table_path(out, "events"))
    bad = {b["position"] for b in truth.get("bad_rows", [])}
    return truth, accounts, tuple(e for i, e in enumerate(events) if i not in bad)


def table_path(out: Path, name: str) -> Path:
    """The file or folder holding a table in an export."""
    if (out / name).is_dir():
        return out / name
    hits = sorted(p for p in out.iterdir() if p.name.split(".")[0] == name)
    assert len(hits) == 1, hits
    return hits[0]


def read_events_tolerant(path: Path) -> tuple[list[dict[str, Any]], list[int]]:
    """Events rows plus the data-row positions of lines that cannot be parsed at all."""
    if path.suffix != ".jsonl" and path.suffix != ".csv":
        return read_rows(path), []
    rows: list[dict[str, Any]] = []
    broken: list[int] = []
    if path.suffix == ".jsonl":
        for i, line in enumerate(path.read_text("utf-8").splitlines()):
            try:
                value = json.loads(line)
            except json.JSONDecodeError:
                value = None
            if isinstance(value, dict):
                rows.append(value)
            else:
                broken.append(i)
                rows.append({})
        return rows, broken
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        for i, cells in enumerate(reader):
            if len(cells) != len(header):
                broken.append(i)
                rows.append({})
                continue
            row = {k: (None if v == "" else v) for k, v in zip(header, cells, strict=True)}
            rows.append(row)
    return rows, broken
