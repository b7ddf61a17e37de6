"""Load a platform export into the analytics engine, keeping every rejected row.

``ingest_export`` reads each contract table (``readers``), checks it (``validate``),
keeps one row per key (an exact duplicate ``event_id`` is a no-op; a conflicting one
is rejected, naming where the first copy was) and creates the clean tables
``accounts``, ``friendships`` and ``events`` plus a ``rejects`` table, all inside the
engine, without building a Python object per row.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ibis.backends import BaseBackend

from mercwatch.errors import EngineError, InputError
from mercwatch.ingest.contract import TABLES, TableSpec
from mercwatch.ingest.discover import find_table
from mercwatch.ingest.readers import stage_files, stage_table_sql
from mercwatch.ingest.validate import checked_sql, register_bad_ips, typed_columns
from mercwatch.store.engine import duckdb_connection

REJECTS_TABLE = "rejects"


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
    """What ingest read, loaded and rejected, table by table."""

    tables: tuple[TableReport, ...]
    reject_reasons: tuple[tuple[str, int], ...] = field(default=())
    seconds: float = 0.0

    @property
    def rows_read(self) -> int:
        return sum(t.rows_read for t in self.tables)

    @property
    def rejected(self) -> int:
        return sum(t.rejected for t in self.tables)

    def table(self, name: str) -> TableReport:
        return next(t for t in self.tables if t.table == name)


def ingest_export(export: Path, con: BaseBackend) -> IngestReport:
    """Validate and load every table of ``export`` into ``con`` (DuckDB).

    Reingesting the same export replaces the tables with identical content.

    Raises:
        InputError: the folder or a required table is missing, or a file is unreadable.
        EngineError: DuckDB failed for a reason other than the input.
    """
    started = time.perf_counter()
    export = Path(export)
    if not export.is_dir():
        raise InputError(str(export), "export folder not found")
    raw = duckdb_connection(con)
    raw.execute(
        f'CREATE OR REPLACE TABLE {REJECTS_TABLE} ("table" VARCHAR, source VARCHAR, line BIGINT, '
        "field VARCHAR, reason VARCHAR, raw VARCHAR, is_json BOOLEAN)"
    )
    reports = []
    for spec in TABLES.values():
        try:
            reports.append(_ingest_table(raw, export, spec))
        except InputError:
            raise
        except Exception as exc:  # duckdb errors have many types
            raise EngineError(f"ingest of {spec.name} failed: {exc}") from exc
    reasons = raw.execute(
        f"SELECT \"table\" || coalesce('.' || field, '') || ': ' || "
        f"regexp_replace(regexp_replace(reason, '''[^'']*''', '…', 'g'), '\\s*[:(].*$', ''), "
        f"count(*) FROM {REJECTS_TABLE} "
        "GROUP BY 1 ORDER BY 2 DESC, 1"
    ).fetchall()
    return IngestReport(
        tuple(reports), tuple((r, int(n)) for r, n in reasons), time.perf_counter() - started
    )


def _ingest_table(raw: Any, export: Path, spec: TableSpec) -> TableReport:
    files = find_table(export, spec.name)
    stage, checked = f"_mw_stage_{spec.name}", f"_mw_checked_{spec.name}"
    if files is None:
        if not spec.optional_table:
            raise InputError(
                str(export),
                f"required table {spec.name!r} not found "
                f"(expected {spec.name}.jsonl, .csv, .parquet or a folder {spec.name}/)",
            )
        raw.execute(stage_table_sql(spec, stage))
        blank, names, fmt = 0, (), None
    else:
        blank = stage_files(raw, spec, files, export, stage)
        names, fmt = (
            tuple(p.relative_to(export).as_posix() for p in files.paths),
            files.format.value,
        )
    if "ip" in spec.field_names:
        register_bad_ips(raw, stage)
    raw.execute(f"CREATE OR REPLACE TEMP TABLE {checked} AS {checked_sql(spec, stage)}")
    raw.execute(f"DROP TABLE {stage}")
    duplicates = _load_clean(raw, spec, checked)
    counts = raw.execute(f"SELECT count(*), count(_reason) FROM {checked}").fetchone()
    _keep_rejects(raw, spec, checked)
    raw.execute(f"DROP TABLE {checked}")
    loaded = raw.execute(f'SELECT count(*) FROM "{spec.name}"').fetchone()[0]
    rejected = raw.execute(
        f'SELECT count(*) FROM {REJECTS_TABLE} WHERE "table" = ?', [spec.name]
    ).fetchone()[0]
    return TableReport(
        spec.name, names, fmt, int(counts[0]), int(loaded), int(rejected), duplicates, blank
    )


def _identity_sql(spec: TableSpec) -> str:
    """The key a duplicate is judged by (friendships are undirected)."""
    if spec.key:
        return f'"{spec.key}"'
    return "least(a, b) || chr(31) || greatest(a, b)"


def _load_clean(raw: Any, spec: TableSpec, checked: str) -> int:
    """Create the clean table; mark conflicting duplicates as rejects. Returns exact duplicates."""
    key = _identity_sql(spec)
    # A restated friendship is the same edge whatever its ``since``: always a no-op.
    content = "hash(" + (", ".join(f'"{f}"' for f in spec.field_names) if spec.key else key) + ")"
    raw.execute(
        f"CREATE OR REPLACE TEMP TABLE _mw_dups AS "
        f"SELECT _source, _row, _rank, _h = _first_h AS exact, _first_at, _key "
        f"FROM (SELECT _source, _row, {key} AS _key, {content} AS _h, "
        f"row_number() OVER w AS _rank, first_value({content}) OVER w AS _first_h, "
        f"first_value(_source || ':' || _row) OVER w AS _first_at FROM {checked} "
        f"WHERE _reason IS NULL AND {key} IN (SELECT {key} FROM {checked} WHERE _reason IS NULL "
        f"GROUP BY 1 HAVING count(*) > 1) "
        f"WINDOW w AS (PARTITION BY {key} ORDER BY _source, _row)) WHERE _rank > 1"
    )
    label = spec.key or "friendship"
    raw.execute(
        f"UPDATE {checked} SET _field = {_sql_str(spec.key or 'b')}, "
        f"_reason = 'duplicate {label} ''' || d._key || "
        f"''' differs from the row at ' || d._first_at FROM _mw_dups d "
        f"WHERE NOT d.exact AND {checked}._source = d._source AND {checked}._row = d._row"
    )
    raw.execute(
        f'CREATE OR REPLACE TABLE "{spec.name}" AS '
        f"SELECT {', '.join(typed_columns(spec))} FROM {checked} c "
        f"WHERE _reason IS NULL AND NOT EXISTS "
        f"(SELECT 1 FROM _mw_dups d WHERE d._source = c._source AND d._row = c._row)"
    )
    exact = raw.execute("SELECT count(*) FROM _mw_dups WHERE exact").fetchone()[0]
    raw.execute("DROP TABLE _mw_dups")
    return int(exact)


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _keep_rejects(raw: Any, spec: TableSpec, checked: str) -> None:
    fields = ", ".join(f"'{f}': \"{f}\"" for f in spec.field_names)
    raw.execute(
        f"INSERT INTO {REJECTS_TABLE} SELECT '{spec.name}', _source, _row, _field, _reason, "
        f"coalesce(_raw, to_json({{{fields}}})::VARCHAR), _raw IS NULL OR "
        f"CASE WHEN json_valid(_raw) THEN json_type(_raw) = 'OBJECT' ELSE false END "
        f"FROM {checked} WHERE _reason IS NOT NULL"
    )
