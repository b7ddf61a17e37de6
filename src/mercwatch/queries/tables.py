"""Paged, filtered and sorted reads of a run's ``accounts.parquet`` and ``signals.parquet``.

Every read is one DuckDB query over the Parquet file: filters and ``LIMIT`` are pushed
down into the scan, so a request never loads the file into Python and its cost does not
grow with the page's position. Two ways to page:

- ``offset`` (any sort): simple, what most clients use;
- ``after`` (the default sort only): keyset on the file's ``rank`` column, which the
  row-group statistics turn into skipped row groups — the fast way through a million rows.

``hide_targets`` removes rows that name a targeted person (``targeted``), in the query,
so counts, pages and cursors never reveal them.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import duckdb

from mercwatch.queries.run_tables import ACCOUNTS_FILE, SIGNALS_FILE

#: The published run inside an output folder (see mercwatch.pipeline.outputs).
CURRENT = "current"


class AccountSort(StrEnum):
    """Orders of ``accounts``; ``score`` is the file's own order (keyset paging works)."""

    SCORE = "score"
    ACCOUNT_ID = "account_id"
    SIGNALS = "signals"
    OPERATION = "operation"


class SignalSort(StrEnum):
    """Orders of ``signals``; ``score`` is the file's own order (keyset paging works)."""

    SCORE = "score"
    DETECTOR = "detector"
    SUBJECT = "subject"


_ACCOUNT_ORDER = {
    AccountSort.SCORE: "rank",
    AccountSort.ACCOUNT_ID: "account_id",
    AccountSort.SIGNALS: "signals DESC, rank",
    AccountSort.OPERATION: "operation_id NULLS LAST, rank",
}
_SIGNAL_ORDER = {
    SignalSort.SCORE: "rank",
    SignalSort.DETECTOR: "detector, rank",
    SignalSort.SUBJECT: "subject, rank",
}


class KeysetNeedsDefaultSort(ValueError):
    """``after`` was given with a sort other than the file's own order."""


@dataclass(frozen=True, slots=True)
class Page:
    """One page: the filtered total, the rows, and the cursor for the next page."""

    total: int
    rows: list[dict[str, Any]]
    next_after: int | None


@dataclass(slots=True)
class _Query:
    where: list[str]
    params: list[Any]

    def add(self, clause: str, *params: Any) -> None:
        self.where.append(clause)
        self.params.extend(params)

    def sql(self) -> str:
        return " AND ".join(self.where) if self.where else "TRUE"


def _where(hide_targets: bool, *clauses: tuple[str, Any]) -> _Query:
    """The filters given (a ``None`` value is no filter), and ``NOT targeted`` if asked."""
    q = _Query([], [])
    if hide_targets:
        q.add("NOT targeted")
    for clause, value in clauses:
        if value is not None:
            q.add(clause, value)
    return q


class RunTables:
    """The Parquet tables of the run an output folder publishes now.

    Args:
        out: the ``mercwatch run --out`` folder (or one version folder).

    Each call resolves ``OUT/current`` once, so a page is read from one run even
    while a new run publishes.

    Raises (every method):
        FileNotFoundError: no run has written the table yet.
    """

    def __init__(self, out: Path) -> None:
        self.out = out

    def file(self, name: str) -> Path:
        pointer = self.out / CURRENT
        folder = Path(os.path.realpath(pointer)) if pointer.is_symlink() else self.out
        path = folder / name
        if not path.is_file():
            raise FileNotFoundError(str(path))
        return path

    # -- accounts -------------------------------------------------------------------------

    def accounts(
        self,
        *,
        hide_targets: bool,
        operation_id: str | None = None,
        phase: str | None = None,
        detector: str | None = None,
        min_score: float = 0.0,
        sort: AccountSort = AccountSort.SCORE,
        offset: int = 0,
        after: int | None = None,
        limit: int = 100,
    ) -> Page:
        """Accounts matching every filter given, one page in ``sort`` order."""
        q = _where(
            hide_targets,
            ("list_contains(operation_ids, ?)", operation_id),
            ("list_contains(phases, ?)", phase),
            ("list_contains(detectors, ?)", detector),
            ("score >= ?", min_score or None),
        )
        order = _ACCOUNT_ORDER[sort]
        return self._page(ACCOUNTS_FILE, q, order, sort is AccountSort.SCORE, offset, after, limit)

    def account(self, account_id: str, *, hide_targets: bool) -> dict[str, Any] | None:
        """One account's row, or ``None`` (also when it is a target and they are hidden)."""
        q = _where(hide_targets, ("account_id = ?", account_id))
        rows = self._rows(ACCOUNTS_FILE, q, "rank", 1, 0)
        return rows[0] if rows else None

    # -- signals --------------------------------------------------------------------------

    def signals(
        self,
        *,
        hide_targets: bool,
        detector: str | None = None,
        phase: str | None = None,
        account_id: str | None = None,
        subject_type: str | None = None,
        min_score: float = 0.0,
        sort: SignalSort = SignalSort.SCORE,
        offset: int = 0,
        after: int | None = None,
        limit: int = 100,
    ) -> Page:
        """Signals matching every filter given, one page in ``sort`` order."""
        q = _where(
            hide_targets,
            ("detector = ?", detector),
            ("phase = ?", phase),
            ("subject_type = 'account' AND subject = ?", account_id),
            ("subject_type = ?", subject_type),
            ("score >= ?", min_score or None),
        )
        order = _SIGNAL_ORDER[sort]
        return self._page(SIGNALS_FILE, q, order, sort is SignalSort.SCORE, offset, after, limit)

    # -- the query ------------------------------------------------------------------------

    def _page(
        self,
        name: str,
        q: _Query,
        order: str,
        keyset: bool,
        offset: int,
        after: int | None,
        limit: int,
    ) -> Page:
        if after is not None and not keyset:
            raise KeysetNeedsDefaultSort("`after` pages only in the default sort (score)")
        total = self._count(name, q)
        if keyset and after is None:
            # An offset in the file's own order becomes a cursor: the rank at that offset
            # is found by streaming the rank column alone (no sort, no other column).
            start = self._rank_at(name, q, offset)
            rows = [] if start is None else self._after(name, q, start - 1, limit)
        elif after is None:
            rows = self._rows(name, q, order, limit, offset)
        else:
            rows = self._after(name, q, after, limit)
        more = len(rows) == limit and keyset
        return Page(total, rows, int(rows[-1]["rank"]) if more and rows else None)

    def _after(self, name: str, q: _Query, after: int, limit: int) -> list[dict[str, Any]]:
        """Rows after rank ``after`` in rank windows that widen until the page is full.

        A bounded ``rank`` range lets the Parquet reader skip every row group outside
        it (min/max statistics) and leaves DuckDB a small top-N; without the upper bound
        ``ORDER BY rank LIMIT`` would still sort the whole rest of the file. Unfiltered,
        one window of ``4 * limit`` ranks fills the page; a sparse filter widens the
        window fourfold each time, so at most log4(rows) queries.
        """
        last = self._last_rank(name)
        rows: list[dict[str, Any]] = []
        low, width = after, 4 * limit
        while len(rows) < limit and low < last:
            high = low + width
            window = _Query([*q.where, "rank > ?", "rank <= ?"], [*q.params, low, high])
            rows += self._rows(name, window, "rank", limit - len(rows), 0)
            low, width = high, width * 4
        return rows

    def _rank_at(self, name: str, q: _Query, offset: int) -> int | None:
        """The rank of the ``offset``-th matching row in file order, or ``None`` past the end.

        No ``ORDER BY``: DuckDB keeps a file's row order (``preserve_insertion_order``,
        on by default), and the file is written in rank order.
        """
        sql = f"SELECT rank FROM read_parquet(?) WHERE {q.sql()} LIMIT 1 OFFSET ?"
        _, rows = _run(sql, [str(self.file(name)), *q.params, offset])
        return int(rows[0][0]) if rows else None

    def _last_rank(self, name: str) -> int:
        """The highest rank (rows - 1): from the Parquet footer, no scan."""
        return self._count(name, _Query([], [])) - 1

    def _count(self, name: str, q: _Query) -> int:
        sql = f"SELECT count(*) FROM read_parquet(?) WHERE {q.sql()}"
        _, rows = _run(sql, [str(self.file(name)), *q.params])
        return int(rows[0][0]) if rows else 0

    def _rows(self, name: str, q: _Query, order: str, limit: int, offset: int) -> list[dict]:
        sql = f"SELECT * FROM read_parquet(?) WHERE {q.sql()} ORDER BY {order} LIMIT ? OFFSET ?"
        names, rows = _run(sql, [str(self.file(name)), *q.params, limit, offset])
        return [dict(zip(names, row, strict=True)) for row in rows]


_DATABASE: duckdb.DuckDBPyConnection | None = None
_DATABASE_LOCK = threading.Lock()


def _database() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB per process: opening one costs tens of milliseconds."""
    global _DATABASE
    with _DATABASE_LOCK:
        if _DATABASE is None:
            _DATABASE = duckdb.connect()
        return _DATABASE


def _run(sql: str, params: list[Any]) -> tuple[list[str], list[tuple[Any, ...]]]:
    """One query on its own cursor of the shared database (a cursor per thread is safe)."""
    cursor = _database().cursor()
    try:
        cursor.execute(sql, params)
        return [d[0] for d in cursor.description], cursor.fetchall()
    except duckdb.IOException as exc:  # the run was pruned between resolving and reading
        raise FileNotFoundError(str(params[0])) from exc
    finally:
        cursor.close()
