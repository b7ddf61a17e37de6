"""Check staged rows against the contract in DuckDB, over the whole batch.

Each row gets the first problem found (``_field``, ``_reason``) or none. The checks
themselves live in :mod:`mercwatch.ingest.checks` as one Ibis expression (shared with
the Spark ingest); this module compiles them for DuckDB and types the clean columns.
"""

from __future__ import annotations

import dataclasses
import functools
from datetime import UTC, datetime

import ibis

from mercwatch.ingest.checks import TIMESTAMP_PATTERN, parsed_column, with_checks
from mercwatch.ingest.compiled_checks import shipped_sql
from mercwatch.ingest.contract import FieldType, TableSpec
from mercwatch.ingest.limits import IngestLimits
from mercwatch.ingest.readers import excerpt_sql

META_TYPES = {"_source": "string", "_row": "int64", "_raw": "string"}
META_TYPES |= {"_pre_reason": "string", "_pre_field": "string"}


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def timestamp_sql(col: str) -> str:
    """Expression parsing an RFC 3339 text ``col`` into a UTC TIMESTAMP (NULL if invalid)."""
    return (
        f"CASE WHEN regexp_matches({col}, {_q(TIMESTAMP_PATTERN)}) "
        f"THEN timezone('UTC', try_cast({col} AS TIMESTAMPTZ)) END"
    )


def staged_schema(spec: TableSpec) -> dict[str, str]:
    """Column types of a staging table (``readers``): contract fields as text, then meta."""
    return {name: "string" for name in spec.field_names} | META_TYPES


def checked_sql(
    spec: TableSpec, stage: str, limits: IngestLimits, now: datetime | None = None
) -> str:
    """SELECT adding ``_field`` and ``_reason`` (first problem, or NULL) to each staged row,
    and each timestamp field parsed (``_parsed_<field>``, for :func:`typed_columns`).

    The checks are :func:`mercwatch.ingest.checks.with_checks`, compiled for DuckDB: the
    Spark ingest runs the same expression. Compiling takes about a second, so the query
    is compiled once per table and limits with a stand-in window, whose text is then
    replaced by this ingest's window; for the default field limit it was compiled ahead
    of time (:mod:`mercwatch.ingest.compiled_checks`).

    Args:
        spec: the contract table.
        stage: the staging table of that table.
        limits: field size and timestamp window.
        now: the moment the window's default end is measured from (ingest start).
    """
    sql = _compiled_checks(spec, stage, stand_in_limits(limits))
    for placeholder, real in zip(_STAND_IN, limits.window(now), strict=True):
        for fmt in (_SQL_TIME, _SHOWN_TIME):
            sql = sql.replace(placeholder.strftime(fmt), real.strftime(fmt))
    return sql


#: A window no real limit has, recognisable in the compiled text.
_STAND_IN = (datetime(1111, 1, 1, 1, 1, 1, 111111, UTC), datetime(2999, 9, 9, 9, 9, 9, 999999, UTC))
_SQL_TIME, _SHOWN_TIME = "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%SZ"


def stand_in_limits(limits: IngestLimits) -> IngestLimits:
    """``limits`` with the stand-in window the compiled text is kept with."""
    return dataclasses.replace(limits, earliest=_STAND_IN[0], latest=_STAND_IN[1])


@functools.lru_cache(maxsize=64)
def _compiled_checks(spec: TableSpec, stage: str, limits: IngestLimits) -> str:
    """The shipped SQL (``compiled_checks``) when it fits, else compiled now."""
    shipped = shipped_sql(spec.name, stage, limits.max_field_chars)
    return shipped if shipped is not None else compile_checks(spec, stage, limits)


def compile_checks(spec: TableSpec, stage: str, limits: IngestLimits) -> str:
    """The checks of ``spec`` over the staging table ``stage``, compiled for DuckDB."""
    staged = ibis.table(staged_schema(spec), name=stage)
    checked = with_checks(staged, spec, limits, keep_parsed=True)
    return str(ibis.to_sql(checked, dialect="duckdb"))


def typed_columns(spec: TableSpec, parsed: bool = False) -> list[str]:
    """Typed, normalised projections of the contract fields for the clean table.

    Args:
        spec: the contract table.
        parsed: take timestamps from the checks' parsed columns
            (:func:`~mercwatch.ingest.checks.parsed_column`) instead of parsing the
            text again; the same values when the session's time zone is UTC.
    """
    cols = []
    for field in spec.fields:
        col = f'"{field.name}"'
        if field.type is FieldType.TIMESTAMP:
            expr = f'"{parsed_column(field.name)}"' if parsed else timestamp_sql(col)
        elif field.type is FieldType.INTEGER:
            expr = f"try_cast({col} AS BIGINT)"
        elif field.type is FieldType.STRING_LIST:
            expr = f"from_json({col}, '[\"VARCHAR\"]')"
        elif field.name in ("country",):
            expr = f"upper({col})"
        elif field.name in ("photo_hash", "email_domain"):
            expr = f"lower({col})"
        else:
            expr = col
        cols.append(f'{expr} AS "{field.name}"')
    return cols


def content_sql(spec: TableSpec) -> str:
    """Hash of a row's text as staged, which tells an exact duplicate from a conflicting
    one (a restated friendship is the same edge whatever its ``since``: its key only)."""
    if spec.key:
        return "hash(" + ", ".join(f'"{f}"' for f in spec.field_names) + ")"
    return "hash(least(a, b) || chr(31) || greatest(a, b))"


def reject_text_sql(spec: TableSpec, chars: int, prefix: str = "") -> str:
    """The excerpt a reject keeps: the row as read (``_raw``) or, when the reader kept
    none, its staged fields as a JSON object; cut to ``chars`` characters."""
    fields = ", ".join(f"'{f}': {prefix}\"{f}\"" for f in spec.field_names)
    return excerpt_sql(f"coalesce({prefix}_raw, to_json({{{fields}}})::VARCHAR)", chars)


def narrow_checked_sql(spec: TableSpec, checks: str, excerpt_chars: int, parsed: bool) -> str:
    """SELECT of what ingest keeps of each checked row (``checks``: :func:`checked_sql`):
    the typed clean columns (:func:`typed_columns`), ``_source``, ``_row``, the content
    hash (:func:`content_sql`), ``_field``, ``_reason`` and, for a rejected row only,
    its excerpt ``_kept`` (:func:`reject_text_sql`).

    Copying every staged row's text (fields, ``_raw``, parsed timestamps) into the
    checked table cost ~0.8 CPU s per 1M events, a third of a Parquet ingest; the good
    rows need only their typed values, and only rejects need their text.
    """
    typed = []
    for field, col in zip(spec.fields, typed_columns(spec, parsed=parsed), strict=True):
        # A list that failed its check may not be JSON: from_json would raise.
        if field.type is FieldType.STRING_LIST:
            expr, _, name = col.rpartition(" AS ")
            col = f"CASE WHEN _reason IS NULL THEN {expr} END AS {name}"
        typed.append(col)
    kept = reject_text_sql(spec, excerpt_chars)
    return (
        f"SELECT {', '.join(typed)}, _source, _row, {content_sql(spec)} AS _h, _field, "
        f"_reason, CASE WHEN _reason IS NOT NULL THEN {kept} END AS _kept FROM ({checks})"
    )
