"""Load a platform export into the analytics engine, keeping every rejected row.

``ingest_export`` reads each contract table (``readers``), checks it (``validate``),
keeps one row per key (an exact duplicate ``event_id`` is a no-op; a conflicting one
is rejected, naming where the first copy was) and creates the clean tables
``accounts``, ``friendships`` and ``events`` plus a ``rejects`` table, all inside the
engine, without building a Python object per row.

Everything is bounded by :class:`~mercwatch.ingest.limits.IngestLimits`: bytes read,
line, field and nesting size become rejects; the rejects table keeps at most
``max_rejects_kept`` rows (each an excerpt), the rest are counted by reason; a table
where more than ``max_reject_fraction`` of the rows are rejected stops ingest with one
error, because detection on what is left of it would be silently wrong.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
from ibis.backends import BaseBackend

from mercwatch.errors import EngineError, InputError
from mercwatch.ingest.contract import TABLES, TableSpec
from mercwatch.ingest.discover import find_table
from mercwatch.ingest.limits import IngestLimits
from mercwatch.ingest.lines import ByteBudget
from mercwatch.ingest.readers import (
    DirectView,
    drop_stage,
    stage_files,
    stage_jsonl_view,
    stage_table_sql,
)
from mercwatch.ingest.validate import checked_sql, narrow_checked_sql, reject_text_sql
from mercwatch.store.engine import duckdb_connection

REJECTS_TABLE = "rejects"
#: Columns of the checked rows (``validate.narrow_checked_sql``) beside the clean ones.
BOOKKEEPING = ("_source", "_row", "_h", "_field", "_reason", "_kept")


@dataclass(frozen=True, slots=True)
class TableReport:
    """What happened to one table."""

    table: str
    files: tuple[str, ...]
    format: str | None
    rows_read: int
    rows_loaded: int
    rejected: int
    duplicates: int
    blank_lines: int = 0


@dataclass(frozen=True, slots=True)
class IngestReport:
    """What ingest read, loaded and rejected, table by table.

    Attributes:
        tables: one report per contract table.
        reject_reasons: (``table.field: kind of reason``, rows), most frequent first;
            complete even when not every reject is kept.
        seconds: wall time of the ingest.
        rejects_kept: rejected rows kept in the ``rejects`` table (at most
            ``max_rejects_kept``).
        bytes_read: bytes read from the export, after decompression.
    """

    tables: tuple[TableReport, ...]
    reject_reasons: tuple[tuple[str, int], ...] = field(default=())
    seconds: float = 0.0
    rejects_kept: int = 0
    bytes_read: int = 0

    @property
    def rows_read(self) -> int:
        return sum(t.rows_read for t in self.tables)

    @property
    def rejected(self) -> int:
        return sum(t.rejected for t in self.tables)

    @property
    def rejects_not_kept(self) -> int:
        """Rejected rows counted (by reason) but not kept, past ``max_rejects_kept``."""
        return self.rejected - self.rejects_kept

    @property
    def warnings(self) -> tuple[str, ...]:
        """What a person must know about this ingest beyond the counts."""
        if not self.rejects_not_kept:
            return ()
        return (
            f"{self.rejected:,} rows rejected; only the first {self.rejects_kept:,} are kept "
            "in the rejects output (ingest limit max_rejects_kept), the other "
            f"{self.rejects_not_kept:,} are only counted by reason",
        )

    def table(self, name: str) -> TableReport:
        return next(t for t in self.tables if t.table == name)


@dataclass(slots=True)
class _Run:
    """State of one ingest that its tables share."""

    limits: IngestLimits
    budget: ByteBudget
    now: datetime
    reasons: Counter[str] = field(default_factory=Counter)
    by_table: dict[str, Counter[str]] = field(default_factory=dict)
    first_reject: dict[str, str] = field(default_factory=dict)
    kept: int = 0


def ingest_export(
    export: Path, con: BaseBackend, limits: IngestLimits | None = None
) -> IngestReport:
    """Validate and load every table of ``export`` into ``con`` (DuckDB).

    Reingesting the same export replaces the tables with identical content.

    Args:
        export: the export folder (SCHEMA.md input).
        con: the DuckDB backend to load into.
        limits: input bounds; ``None`` = the defaults of :class:`IngestLimits`.

    Raises:
        InputError: the folder or a required table is missing, a file is unreadable
            or a link, the export is over ``max_input_bytes``, or a table has more
            rejected rows than ``max_reject_fraction`` allows.
        EngineError: DuckDB failed for a reason other than the input.
    """
    started = time.perf_counter()
    run, export = start_run(export, limits)
    raw = duckdb_connection(con)
    create_rejects_table(raw)
    return ingest_tables(run, lambda spec: _ingest_table(raw, export, spec, run), "", started)


def start_run(export: Path, limits: IngestLimits | None) -> tuple[_Run, Path]:
    """The shared state of one ingest, after checking the export folder exists."""
    limits = limits or IngestLimits()
    run = _Run(limits, ByteBudget(limits.max_input_bytes), datetime.now(UTC))
    export = Path(export)
    if not export.is_dir():
        raise InputError(str(export), "export folder not found")
    return run, export


def ingest_tables(
    run: _Run, ingest_table: Callable[[TableSpec], TableReport], engine: str, started: float
) -> IngestReport:
    """Ingest every contract table in order with ``ingest_table`` (one engine's way),
    stopping at a table rejected past ``max_reject_fraction``."""
    reports = []
    for spec in TABLES.values():
        try:
            reports.append(ingest_table(spec))
        except InputError:
            raise
        except Exception as exc:  # engine errors (duckdb, py4j) have many types
            raise EngineError(f"ingest of {spec.name}{engine} failed: {exc}") from exc
        _check_reject_share(reports[-1], run)
    reasons = sorted(run.reasons.items(), key=lambda item: (-item[1], item[0]))
    return IngestReport(
        tuple(reports),
        tuple(reasons),
        time.perf_counter() - started,
        rejects_kept=run.kept,
        bytes_read=run.budget.used,
    )


def create_rejects_table(raw: Any) -> None:
    """The (empty) ``rejects`` table both ingests fill."""
    raw.execute(
        f'CREATE OR REPLACE TABLE {REJECTS_TABLE} ("table" VARCHAR, source VARCHAR, line BIGINT, '
        "field VARCHAR, reason VARCHAR, raw VARCHAR, is_json BOOLEAN)"
    )


def _check_reject_share(report: TableReport, run: _Run) -> None:
    """Stop when most of a table is rejected: the export is broken, not a few rows."""
    limit = run.limits.max_reject_fraction
    if not report.rows_read or report.rejected / report.rows_read <= limit:
        return
    common = run.by_table.get(report.table, Counter()).most_common(3)
    reasons = "; ".join(f"{reason} ({n:,})" for reason, n in common)
    raise InputError(
        run.first_reject.get(report.table, report.table),
        f"{report.rejected:,} of {report.rows_read:,} rows of table {report.table!r} rejected "
        f"({report.rejected / report.rows_read:.0%}, more than the {limit:.0%} allowed by "
        f"ingest limit max_reject_fraction); most common: {reasons}",
    )


def _ingest_table(raw: Any, export: Path, spec: TableSpec, run: _Run) -> TableReport:
    files = find_table(export, spec.name)
    stage = f"_mw_stage_{spec.name}"
    direct = None
    if files is None:
        if not spec.optional_table:
            raise InputError(
                str(export),
                f"required table {spec.name!r} not found "
                f"(expected {spec.name}.jsonl, .csv, .parquet or a folder {spec.name}/)",
            )
        raw.execute(stage_table_sql(spec, stage))
        names: tuple[str, ...] = ()
        blank, fmt = 0, None
    else:
        blank = 0
        direct = stage_jsonl_view(raw, spec, files, export, stage, run.limits, run.budget)
        if direct is None:
            blank = stage_files(raw, spec, files, export, stage, run.limits, run.budget)
        names, fmt = (
            tuple(p.relative_to(export).as_posix() for p in files.paths),
            files.format.value,
        )
    checks = checked_sql(spec, stage, run.limits, run.now)
    narrow = narrow_checked_sql(spec, checks, run.limits.reject_excerpt_chars, _utc(raw))
    # The checked rows become the clean table: rejects and later copies are deleted
    # and the bookkeeping columns dropped afterwards (copying the good rows into a new
    # table cost ~0.35 CPU s per 1M events).
    table = f'"{spec.name}"'
    if direct is not None and not _checked_direct(raw, table, narrow, direct):
        assert files is not None  # a view is only made of files
        drop_stage(raw, stage)
        run.budget.used = direct.used_before
        blank = stage_files(raw, spec, files, export, stage, run.limits, run.budget)
        direct = None
    if direct is None:
        raw.execute(f"CREATE OR REPLACE TABLE {table} AS {narrow}")
    duplicates = _mark_duplicates(raw, spec, table, stage, run.limits)
    drop_stage(raw, stage)
    counts = raw.execute(f"SELECT count(*), count(_reason) FROM {table}").fetchall()[0]
    _count_reasons(raw, spec, table, run)
    _keep_rejects(raw, spec, table, run)
    raw.execute(
        f"DELETE FROM {table} WHERE _reason IS NOT NULL OR (_source, _row) IN "
        "(SELECT (_source, _row) FROM _mw_dups)"
    )
    raw.execute("DROP TABLE _mw_dups")
    for column in BOOKKEEPING:
        raw.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    loaded = _count(raw, table)
    return TableReport(
        spec.name, names, fmt, int(counts[0]), int(loaded), int(counts[1]), duplicates, blank
    )


def _checked_direct(raw: Any, table: str, narrow: str, direct: DirectView) -> bool:
    """Check the rows of JSON Lines files staged as a view (``readers.stage_jsonl_view``)
    into ``table``; ``False`` when DuckDB could not read a line as JSON or a file gave
    another number of rows than it has lines (then line n was not record n)."""
    try:
        raw.execute(f"CREATE OR REPLACE TABLE {table} AS {narrow}")
    except (duckdb.InvalidInputException, duckdb.ConversionException):
        return False  # a line that is not JSON: the careful path names it
    rows = raw.execute(f"SELECT _source, count(*) FROM {table} GROUP BY 1").fetchall()
    return {str(source): int(n) for source, n in rows} == direct.lines


def _count_reasons(raw: Any, spec: TableSpec, checked: str, run: _Run) -> None:
    """Rejects by kind of reason (quoted values and details cut), counted before any cap."""
    rows = raw.execute(
        f"SELECT '{spec.name}' || coalesce('.' || _field, '') || ': ' || "
        f"regexp_replace(regexp_replace(_reason, '''[^'']*''', '…', 'g'), '\\s*[:(].*$', ''), "
        f"count(*) FROM {checked} WHERE _reason IS NOT NULL GROUP BY 1"
    ).fetchall()
    table = run.by_table.setdefault(spec.name, Counter())
    for reason, count in rows:
        run.reasons[reason] += int(count)
        table[reason] += int(count)
    first = raw.execute(
        f"SELECT _source || ':' || _row FROM {checked} WHERE _reason IS NOT NULL "
        "ORDER BY _source, _row LIMIT 1"
    ).fetchall()
    if first:  # a list of at most one row
        run.first_reject[spec.name] = first[0][0]


def _identity_sql(spec: TableSpec) -> str:
    """The key a duplicate is judged by (friendships are undirected)."""
    if spec.key:
        return f'"{spec.key}"'
    return "least(a, b) || chr(31) || greatest(a, b)"


def _mark_duplicates(
    raw: Any, spec: TableSpec, checked: str, stage: str, limits: IngestLimits
) -> int:
    """Find later copies of a key (``_mw_dups``) and mark the conflicting ones as
    rejects. Returns the number of exact duplicates.

    ``checked`` keeps text only for rows the checks rejected
    (``validate.narrow_checked_sql``): a conflicting duplicate takes its excerpt from
    the staging table ``stage``, which is still there.
    """
    key = _identity_sql(spec)
    raw.execute(
        f"CREATE OR REPLACE TEMP TABLE _mw_dups AS "
        f"SELECT _source, _row, _rank, _h = _first_h AS exact, _first_at, _key "
        f"FROM (SELECT _source, _row, {key} AS _key, _h, "
        f"row_number() OVER w AS _rank, first_value(_h) OVER w AS _first_h, "
        f"first_value(_source || ':' || _row) OVER w AS _first_at FROM {checked} "
        f"WHERE _reason IS NULL AND {key} IN (SELECT {key} FROM {checked} WHERE _reason IS NULL "
        f"GROUP BY 1 HAVING count(*) > 1) "
        f"WINDOW w AS (PARTITION BY {key} ORDER BY _source, _row)) WHERE _rank > 1"
    )
    label = spec.key or "friendship"
    rows = raw.execute("SELECT DISTINCT _row FROM _mw_dups WHERE NOT exact").fetchall()
    if rows:
        kept = reject_text_sql(spec, limits.reject_excerpt_chars, "s.")
        # The row numbers as literals reach the staging view's scan (a JSON Lines view
        # then parses only those lines; joined, it parsed the whole file: 2.3 CPU s).
        numbers = ", ".join(str(int(r[0])) for r in rows)
        raw.execute(
            f"UPDATE {checked} SET _field = {_sql_str(spec.key or 'b')}, "
            f"_reason = 'duplicate {label} ''' || d._key || "
            f"''' differs from the row at ' || d._first_at, _kept = {kept} "
            f"FROM _mw_dups d, (SELECT * FROM {stage} WHERE _row IN ({numbers})) s "
            f"WHERE NOT d.exact AND s._source = d._source AND s._row = d._row "
            f"AND {checked}._source = d._source AND {checked}._row = d._row"
        )
    return _count(raw, "_mw_dups WHERE exact")


def _utc(raw: Any) -> bool:
    """Whether the session's time zone is UTC, so the checks' parsed timestamps (cast
    from TIMESTAMPTZ in the session zone) are UTC: the engine sets it (``store.engine``)."""
    zone = raw.execute("SELECT current_setting('TimeZone')").fetchall()[0][0]
    return str(zone) == "UTC"


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _keep_rejects(raw: Any, spec: TableSpec, checked: str, run: _Run) -> None:
    """Keep the first rejects (by file and row) up to the run's cap, each as an excerpt.

    A row is kept as JSON only when its excerpt is still a whole JSON object.
    """
    room = run.limits.max_rejects_kept - run.kept
    if room <= 0:
        return
    before = _count(raw, REJECTS_TABLE)
    raw.execute(
        f"INSERT INTO {REJECTS_TABLE} SELECT '{spec.name}', _source, _row, _field, _reason, "
        f"_kept, CASE WHEN json_valid(_kept) THEN json_type(_kept) = 'OBJECT' ELSE false END "
        f"FROM (SELECT * FROM {checked} WHERE _reason IS NOT NULL "
        f"ORDER BY _source, _row LIMIT {room})"
    )
    run.kept += _count(raw, REJECTS_TABLE) - before


def _count(raw: Any, table: str) -> int:
    return int(raw.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
