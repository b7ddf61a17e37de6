"""What the dashboard reads from a run folder and from the platform export.

The run folder is written all-or-nothing by ``mercwatch run``; it is re-read whenever
a file changes (by inode, mtime and size), like the API's operations, so the
dashboard shows a new run as soon as it is published without a restart.
"""

from __future__ import annotations

import json
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from mercwatch.api.operations import OperationsFile
from mercwatch.errors import InputError, StateError
from mercwatch.ingest.discover import FileFormat, TableFiles, find_table
from mercwatch.model import Operation

T = TypeVar("T")
_READERS = {
    FileFormat.PARQUET: "read_parquet",
    FileFormat.JSONL: "read_json_auto",
    FileFormat.CSV: "read_csv_auto",
}


@dataclass(frozen=True, slots=True)
class RunCounts:
    """The per-file counts the overview shows."""

    summary: dict[str, Any] = field(default_factory=dict)
    rejects_by_reason: tuple[tuple[str, str, int], ...] = ()
    warned_by_operation: dict[str, int] = field(default_factory=dict)
    people_to_warn: int = 0
    actions_by_status: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, slots=True)
class Profile:
    """The self-declared face of an operation account (all of it user-controlled text)."""

    account_id: str
    display_name: str = ""
    bio: str = ""
    employer: str = ""
    country: str = ""


class _Cached:
    """One derived value per file version: recomputed only when the file changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[Path, tuple[tuple[int, int, int], Any]] = {}

    def get(self, path: Path, compute: Callable[[Path], T], default: T) -> T:
        try:
            stamp = _stamp(path)
        except FileNotFoundError:
            return default
        with self._lock:
            hit = self._values.get(path)
            if hit is not None and hit[0] == stamp:
                return hit[1]
        value = compute(path)
        with self._lock:
            self._values[path] = (stamp, value)
        return value


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    try:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)
    except (OSError, ValueError) as exc:
        raise StateError(f"{path.name}: unreadable: {exc}") from exc


def _summary(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StateError(f"{path.name}: not a readable run summary: {exc}") from exc
    return data if isinstance(data, dict) else {}


def _rejects(path: Path) -> tuple[tuple[str, str, int], ...]:
    counts = Counter((str(r.get("table", "")), str(r.get("reason", ""))) for r in _jsonl(path))
    return tuple((t, r, n) for (t, r), n in sorted(counts.items(), key=lambda i: (-i[1], i[0])))


def _warning_counts(path: Path) -> tuple[dict[str, int], int]:
    """(people warned per operation, distinct people): a v2 record is one person and lists
    every operation in ``operation_ids``, so a person in two operations counts once."""
    records = list(_jsonl(path))
    per_operation = Counter(
        str(op) for r in records for op in (r.get("operation_ids") or [r.get("operation_id", "")])
    )
    return dict(per_operation), len({str(r.get("account_id", "")) for r in records})


def _statuses(path: Path) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(Counter(str(r.get("status", "")) for r in _jsonl(path)).items()))


class RunFolder:
    """A ``mercwatch run`` output folder, as the dashboard shows it.

    Args:
        path: the folder; ``None`` when none is configured (pages say so).
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.operations_file = OperationsFile(path / "operations.json") if path else None
        self._cache = _Cached()

    def operations(self) -> tuple[Operation, ...]:
        """All operations, highest confidence first; none before the first run."""
        if self.operations_file is None:
            return ()
        try:
            return self.operations_file.all()
        except FileNotFoundError:
            return ()

    def operation(self, operation_id: str) -> Operation | None:
        return next((o for o in self.operations() if o.operation_id == operation_id), None)

    def counts(self) -> RunCounts:
        """Summary, rejects by reason, people warned per operation, actions by status."""
        if self.path is None:
            return RunCounts()
        get = self._cache.get
        # One cache entry per file: both counts come from one read of notifications.jsonl.
        no_warnings: tuple[dict[str, int], int] = ({}, 0)
        warned, people = get(self.path / "notifications.jsonl", _warning_counts, no_warnings)
        return RunCounts(
            summary=get(self.path / "summary.json", _summary, {}),
            rejects_by_reason=get(self.path / "rejects.jsonl", _rejects, ()),
            warned_by_operation=warned,
            people_to_warn=people,
            actions_by_status=get(self.path / "enforcement.jsonl", _statuses, ()),
        )


class ProfileSource:
    """Profiles of accounts (``accounts`` table) and what they used (``events``), from the export.

    Only operation accounts are ever looked up: targets' profiles are not shown.

    Args:
        export: the platform export folder; ``None`` disables profiles.
    """

    def __init__(self, export: Path | None) -> None:
        self.export = export
        self._usage: OrderedDict[tuple[Any, ...], list[Usage]] = OrderedDict()
        self._lock = threading.Lock()

    def lookup(self, account_ids: tuple[str, ...]) -> dict[str, Profile]:
        """Profiles of ``account_ids`` that the export holds.

        Raises:
            StateError: the accounts table cannot be read.
        """
        rows = _select(
            self.export,
            "accounts",
            "SELECT * FROM {table} WHERE CAST(account_id AS VARCHAR) IN (SELECT unnest($ids))",
            account_ids,
        )
        return {str(r["account_id"]): _profile(r) for r in rows}

    def usage(self, account_ids: tuple[str, ...]) -> list[Usage]:
        """What ``account_ids`` used and whom they reached, from the export's ``events``.

        Per account: the IPs, device ids and link hosts (lower-case) of its events, and
        the accounts its events were aimed at, each with how many events. Columns the
        export does not have are skipped.

        The events table is scanned once per operation and version of its files (an
        operation page and its graph.json ask for the same accounts): the answers of the
        last :data:`USAGE_CACHE` operations are kept, keyed by the files' versions.

        Raises:
            StateError: the events table cannot be read.
        """
        files = _files(self.export, "events")
        if files is None or not account_ids:
            return []
        key = (account_ids, *((p, *_stamp(p)) for p in files.paths))
        with self._lock:
            if key in self._usage:
                self._usage.move_to_end(key)
                return self._usage[key]
        found = self._read_usage(account_ids)
        with self._lock:
            self._usage[key] = found
            while len(self._usage) > USAGE_CACHE:
                self._usage.popitem(last=False)
        return found

    def _read_usage(self, account_ids: tuple[str, ...]) -> list[Usage]:
        columns = set(_columns(self.export, "events"))
        if "actor_id" not in columns:
            return []
        parts = [
            f"SELECT CAST(actor_id AS VARCHAR) AS account, '{kind}' AS kind, "
            f"CAST({expr} AS VARCHAR) AS value, count(*) AS n FROM {{table}} "
            "WHERE CAST(actor_id AS VARCHAR) IN (SELECT unnest($ids)) "
            f"AND {column} IS NOT NULL GROUP BY 1, 2, 3"
            for kind, column, expr in _USAGE
            if column in columns
        ]
        if not parts:
            return []
        rows = _select(self.export, "events", " UNION ALL ".join(parts), account_ids)
        return [Usage(r["account"], r["kind"], r["value"], int(r["n"])) for r in rows if r["value"]]


#: How many operations' :meth:`ProfileSource.usage` answers are kept.
USAGE_CACHE = 64
#: (kind, events column, value expression) of :meth:`ProfileSource.usage`.
_USAGE = (
    ("ip", "ip", "ip"),
    ("device", "device_id", "device_id"),
    ("host", "url", r"lower(regexp_extract(url, '^[A-Za-z][A-Za-z0-9+.-]*://([^/:?#@]+)', 1))"),
    ("contact", "target_id", "target_id"),
)


@dataclass(frozen=True, slots=True)
class Usage:
    """An account used ``value`` (an IP, device, link host, or reached an account) ``n`` times."""

    account: str
    kind: str
    value: str
    n: int


def _files(export: Path | None, table: str) -> TableFiles | None:
    if export is None:
        return None
    try:
        return find_table(export, table)
    except (InputError, OSError) as exc:
        raise StateError(f"export {table}: {exc}") from exc


def _columns(export: Path | None, table: str) -> list[str]:
    """Column names of an export table (none when there is no such table)."""
    files = _files(export, table)
    if files is None:
        return []
    query = f"DESCRIBE SELECT * FROM {_READERS[files.format]}($paths)"
    try:
        with duckdb.connect() as con:
            return [str(r[0]) for r in con.execute(query, {"paths": _posix(files)}).fetchall()]
    except duckdb.Error as exc:
        raise StateError(f"export {table}: {exc}") from exc


def _select(
    export: Path | None, table: str, sql: str, account_ids: tuple[str, ...]
) -> list[dict[str, Any]]:
    """Rows of ``sql`` (``{table}`` is the export table, ``$ids`` the account ids)."""
    files = _files(export, table) if account_ids else None
    if files is None:
        return []
    query = sql.format(table=f"{_READERS[files.format]}($paths)")
    try:
        with duckdb.connect() as con:
            cur = con.execute(query, {"paths": _posix(files), "ids": list(account_ids)})
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    except duckdb.Error as exc:
        raise StateError(f"export {table}: {exc}") from exc


def _stamp(path: Path) -> tuple[int, int, int]:
    """A file's version: replaced (new inode), rewritten (mtime) or grown (size)."""
    st = path.stat()
    return st.st_ino, st.st_mtime_ns, st.st_size


def _posix(files: TableFiles) -> list[str]:
    return [p.as_posix() for p in files.paths]


def _profile(row: dict[str, Any]) -> Profile:
    def text(name: str) -> str:
        value = row.get(name)
        return "" if value is None else str(value)

    return Profile(
        text("account_id"), text("display_name"), text("bio"), text("employer"), text("country")
    )
