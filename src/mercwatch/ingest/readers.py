"""Format readers: turn each input file into rows of a staging table.

Every reader writes the same staging shape into DuckDB, so validation is written once:
each contract field as text (``NULL`` = absent; lists as JSON array text), plus

- ``_source``: the file, relative to the export folder;
- ``_row``: 1-based line (JSON Lines, CSV) or row number (Parquet) in that file;
- ``_raw``: the row as it was read (an excerpt of at most ``reject_excerpt_chars``;
  the JSON Lines view of :func:`stage_jsonl_view` gives the whole line, cut only for
  a rejected row), kept for the rejects output;
- ``_pre_reason`` / ``_pre_field``: a problem the reader already saw (bad JSON, a
  field of the wrong JSON type, a CSV row with the wrong number of cells).

Parquet is read by DuckDB itself, and so is JSON Lines whose pre-scan shows line n is
record n (``jsonl_direct``); otherwise JSON Lines and CSV are split into lines in batches
(bounded memory) and parsed by DuckDB's JSON functions, never row by row in Python.
"""

from __future__ import annotations

import csv
import dataclasses
import gzip
import io
import os
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from mercwatch.errors import InputError
from mercwatch.ingest.contract import FieldType, TableSpec
from mercwatch.ingest.discover import FileFormat, TableFiles
from mercwatch.ingest.jsonl_direct import direct_source_sql, one_object_lines
from mercwatch.ingest.limits import IngestLimits
from mercwatch.ingest.lines import ByteBudget, one_line_records, open_input, read_lines

BATCH_ROWS = 250_000
BATCH_CHARS = 32 << 20  # a batch of long rows is bounded by size, not only by count
META_COLUMNS = ("_source", "_row", "_raw", "_pre_reason", "_pre_field")


def stage_table_sql(spec: TableSpec, name: str) -> str:
    """DDL of the staging table for ``spec``."""
    cols = [f'"{f}" VARCHAR' for f in spec.field_names]
    cols += [
        "_source VARCHAR",
        "_row BIGINT",
        "_raw VARCHAR",
        "_pre_reason VARCHAR",
        "_pre_field VARCHAR",
    ]
    return f"CREATE OR REPLACE TEMP TABLE {name} ({', '.join(cols)})"


def stage_files(
    raw: Any,
    spec: TableSpec,
    files: TableFiles,
    root: Path,
    stage: str,
    limits: IngestLimits,
    budget: ByteBudget,
) -> int:
    """Read every file of one table into the staging table ``stage``.

    Returns:
        The number of blank lines skipped (JSON Lines), reported in the summary.

    Raises:
        InputError: a file cannot be read at all, or the export is over
            ``limits.max_input_bytes``.
    """
    if files.format is FileFormat.PARQUET:
        # A view, not a table: DuckDB reads the files while checking them, so the rows
        # are not copied once more before validation (the slowest step on Parquet).
        selects = [
            _parquet_select(raw, spec, path, path.relative_to(root).as_posix(), limits, budget)
            for path in files.paths
        ]
        raw.execute(f"CREATE OR REPLACE TEMP VIEW {stage} AS {' UNION ALL '.join(selects)}")
        return 0
    raw.execute(stage_table_sql(spec, stage))
    blank = 0
    for path in files.paths:
        source = path.relative_to(root).as_posix()
        try:
            if files.format is FileFormat.JSONL:
                blank += _stage_jsonl(raw, spec, path, source, stage, limits, budget)
            else:
                _stage_csv(raw, spec, path, source, stage, limits, budget)
        except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
            raise InputError(source, f"cannot read: {exc}") from exc
    return blank


# ---------------------------------------------------------------- JSON Lines


def json_depth(text: str) -> int:
    """Deepest nesting of ``[`` / ``{`` in a JSON text, brackets inside strings ignored."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _depth_problems(lines: pa.Table, limits: IngestLimits) -> pa.Table:
    """Mark lines nested deeper than ``max_depth`` (brackets counted in Arrow, depth
    checked in Python only for the few lines with that many brackets at all)."""
    arr = lines["_line"]
    brackets = pc.add(pc.count_substring(arr, "{"), pc.count_substring(arr, "["))
    many = pc.greater(brackets, limits.max_depth).to_numpy(zero_copy_only=False)
    suspects = many.nonzero()[0]
    if not len(suspects):
        return lines
    texts, problems = arr.to_pylist(), lines["_problem"].to_pylist()
    for i in suspects:
        if problems[i] is None:
            depth = json_depth(texts[i])
            if depth > limits.max_depth:
                problems[i] = (
                    f"JSON nested deeper than {limits.max_depth} levels "
                    f"(ingest limit max_depth): {depth} levels"
                )
                texts[i] = texts[i][: limits.reject_excerpt_chars]
    return lines.set_column(0, "_line", pa.array(texts, pa.large_string())).set_column(
        2, "_problem", pa.array(problems, pa.string())
    )


def _json_field_sql(ftype: FieldType, value: str, jtype: str) -> tuple[str, str]:
    """(value expression, type-error condition) for one field of a JSON line, given the
    field's extracted JSON ``value`` (text, NULL when absent) and its JSON type ``jtype``
    (:func:`_json_type_sql`)."""
    # SCHEMA.md: in JSON an absent field, null and "" all mean absent. A string without
    # a backslash is its JSON text without the quotes (json_extract wrote it again, so
    # every escape left is one), which spares parsing it once more.
    text = (
        f"CASE WHEN {jtype} = 'NULL' THEN NULL "
        f"WHEN {jtype} = 'VARCHAR' AND NOT contains({value}, '\\') THEN nullif({value}[2:-2], '') "
        f"ELSE nullif(json_extract_string({value}, '$'), '') END"
    )
    if ftype is FieldType.STRING_LIST:
        bad = f"{jtype} NOT IN ('ARRAY', 'NULL') AND NOT ({jtype} = 'VARCHAR' AND {text} IS NULL)"
        return f"CASE WHEN {jtype} = 'ARRAY' THEN {value} END", bad
    if ftype is FieldType.INTEGER:
        return text, f"{jtype} NOT IN ('BIGINT', 'UBIGINT', 'VARCHAR', 'NULL')"
    return text, f"{jtype} NOT IN ('VARCHAR', 'NULL')"


def _json_type_sql(value: str) -> str:
    """``json_type`` of an extracted JSON text, read off its first character for a
    string and null (nearly every value) instead of parsing it again."""
    return (
        f"CASE WHEN {value} IS NULL THEN NULL WHEN starts_with({value}, '\"') THEN 'VARCHAR' "
        f"WHEN {value} = 'null' THEN 'NULL' ELSE json_type({value}) END"
    )


_JSON_EXPECTED = {
    FieldType.STRING: "a string",
    FieldType.TIMESTAMP: "an RFC 3339 timestamp string",
    FieldType.INTEGER: "an integer",
    FieldType.STRING_LIST: "a list of strings",
}


def excerpt_sql(col: str, chars: int) -> str:
    """``col`` cut to its first ``chars`` characters, marked with an ellipsis when cut."""
    # strlen (bytes, O(1)) first: a value of at most ``chars`` bytes is never cut, and
    # length() walks every character.
    return (
        f"CASE WHEN strlen({col}) > {chars} AND length({col}) > {chars} "
        f"THEN left({col}, {chars}) || '…' ELSE {col} END"
    )


def _jsonl_select(
    spec: TableSpec,
    source: str,
    excerpt: int | None,
    lines: str = "_mw_lines",
    trusted: bool = False,
) -> str:
    """Staging SELECT over ``lines`` (``_line``, ``_row``, ``_problem``).

    Each line is parsed once: ``json_extract`` with the list of every field's path
    gives the fields' JSON values (``_j``), whose types and text are then read from
    those small values. (Extracting field by field parsed every line ~40 times.)
    ``trusted``: DuckDB's reader already parsed every line and the pre-scan saw each
    start with ``{`` (``jsonl_direct``), so each is a valid object: not checked again.
    ``excerpt``: the characters of the line kept as ``_raw``; ``None`` keeps the whole
    line, for a view whose reader cuts ``_raw`` itself (``validate.reject_text_sql``,
    only for rejected rows: cutting every line cost ~0.15 CPU s per 1M).
    """
    values, reasons, types, items = [], [], [], []
    for i, field in enumerate(spec.fields, 1):
        # _j is NULL on a line that is not an object: every value is NULL then.
        value, bad = _json_field_sql(field.type, f"_v{i}", f"_t{i}")
        items.append(f"_j[{i}] AS _v{i}")
        types.append(f"{_json_type_sql(f'_v{i}')} AS _t{i}")
        values.append(f'{value} AS "{field.name}"')
        reasons.append(
            f"WHEN {bad} THEN '{field.name}' || chr(31) || "
            f"'expected {_JSON_EXPECTED[field.type]}, got ' || lower(_t{i})"
        )
    paths = ", ".join(f"'$.\"{f.name}\"'" for f in spec.fields)
    pre = (
        "CASE WHEN _problem IS NOT NULL THEN chr(31) || _problem "
        "WHEN NOT _valid THEN chr(31) || 'line is not valid JSON' "
        "WHEN NOT _ok "
        "THEN chr(31) || 'line is a JSON ' || lower(json_type(_line)) || ', not an object' "
        + " ".join(reasons)
        + " END"
    )
    src = source.replace("'", "''")
    # A valid JSON text is an object exactly when its first non-blank character is "{".
    is_object = "true" if trusted else "regexp_matches(_line, '^[ \\t\\n\\r]*\\{')"
    valid = "true" if trusted else "_problem IS NULL AND json_valid(_line)"
    return (
        f"SELECT {', '.join(values)}, '{src}' AS _source, _row, "
        f"{'_line' if excerpt is None else excerpt_sql('_line', excerpt)} AS _raw, "
        f"split_part(_pre, chr(31), 2) AS _pre_reason, "
        f"nullif(split_part(_pre, chr(31), 1), '') AS _pre_field "
        f"FROM (SELECT *, {pre} AS _pre FROM (SELECT *, {', '.join(types)} FROM ("
        f"SELECT *, {', '.join(items)} FROM ("
        f"SELECT *, CASE WHEN _ok THEN json_extract(_line, [{paths}])::VARCHAR[] END AS _j FROM ("
        f"SELECT *, _valid AND {is_object} AS _ok FROM ("
        f"SELECT _line, _row, _problem, {valid} AS _valid "
        f"FROM {lines}))))))"
    )


def _stage_jsonl(
    raw: Any,
    spec: TableSpec,
    path: Path,
    source: str,
    stage: str,
    limits: IngestLimits,
    budget: ByteBudget,
) -> int:
    if _stage_jsonl_direct(raw, spec, path, source, stage, limits, budget):
        return 0
    blank = 0

    def tables() -> Iterator[pa.Table]:
        nonlocal blank
        for block in read_lines(handle, source, limits, budget, arrow=True):
            blank += block.blank
            if len(block):
                yield _depth_problems(block.to_arrow(), limits)

    select = _jsonl_select(spec, source, limits.reject_excerpt_chars)
    with open_input(path, source) as handle:
        insert_streamed(raw, "_mw_lines", _LINES_SCHEMA, tables(), f"INSERT INTO {stage} {select}")
    return blank


_LINES_SCHEMA = pa.schema(
    [("_line", pa.large_string()), ("_row", pa.int64()), ("_problem", pa.string())]
)


def insert_streamed(
    raw: Any, name: str, schema: pa.Schema, tables: Iterator[pa.Table], sql: str
) -> None:
    """Run ``sql`` once over every table of ``tables``, streamed as the view ``name``.

    One statement per file, not one per batch: an INSERT per batch cost ~0.2 CPU s
    each (1M CSV rows in 16 batches: 3.6 s, against 0.5 s streamed). Memory stays one
    batch. An error while reading (a CSV row of the wrong width, the byte budget) ends
    the stream and is raised here after the statement, as the callers expect.
    """
    failed: list[BaseException] = []

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            for table in tables:
                yield from table.select(schema.names).cast(schema).to_batches()
        except Exception as exc:  # raised again below, outside DuckDB's scan
            failed.append(exc)

    raw.register(name, pa.RecordBatchReader.from_batches(schema, batches()))
    try:
        raw.execute(sql)
    finally:
        raw.unregister(name)
    if failed:
        raise failed[0]


def _stage_jsonl_direct(
    raw: Any,
    spec: TableSpec,
    path: Path,
    source: str,
    stage: str,
    limits: IngestLimits,
    budget: ByteBudget,
) -> bool:
    """Stage ``path`` read by DuckDB itself when the pre-scan allows (``jsonl_direct``);
    ``False`` (nothing staged, nothing counted) when the careful path must read it."""
    lines = direct_source_sql(path, limits)
    if lines is None:
        return False
    with open_input(path, source) as handle:
        scan = one_object_lines(handle, source, limits, ByteBudget(budget.limit - budget.used))
    if scan is None:
        return False
    select = _jsonl_select(spec, source, limits.reject_excerpt_chars, lines, trusted=True)
    try:
        inserted = raw.execute(f"INSERT INTO {stage} {select}").fetchall()[0][0]
    except (duckdb.InvalidInputException, duckdb.ConversionException):
        inserted = None  # a line that is not JSON: the careful path names it
    if inserted != scan.lines:
        raw.execute(f"DELETE FROM {stage} WHERE _source = ?", [source])
        return False
    budget.take(scan.size, source)
    return True


@dataclass(frozen=True, slots=True)
class DirectView:
    """JSON Lines files staged as a view DuckDB reads itself (:func:`stage_jsonl_view`):
    the rows each file must give, and the byte budget used before they were counted."""

    lines: dict[str, int]
    used_before: int


def stage_jsonl_view(
    raw: Any,
    spec: TableSpec,
    files: TableFiles,
    root: Path,
    stage: str,
    limits: IngestLimits,
    budget: ByteBudget,
) -> DirectView | None:
    """Stage every file of a JSON Lines table as one view read by DuckDB itself, when
    the pre-scan (``jsonl_direct``) allows it for each; ``None`` (nothing staged or
    counted) when any file must take :func:`stage_files`.

    Writing the staged text (14 columns and the line, 1M rows) into a table was ~1 CPU s
    of a 1M-event ingest; as a view, the checks read the file directly. DuckDB may still
    fail on a line that is not JSON, or a line may hold two objects: the caller runs the
    checks, compares each file's rows with :attr:`DirectView.lines` and on any
    difference drops the view, sets ``budget.used`` back and calls :func:`stage_files`.
    """
    if files.format is not FileFormat.JSONL:
        return None
    selects, lines, used = [], {}, budget.used
    for path in files.paths:
        source = path.relative_to(root).as_posix()
        direct = direct_source_sql(path, limits)
        if direct is None:
            budget.used = used
            return None
        try:
            with open_input(path, source) as handle:
                scan = one_object_lines(
                    handle, source, limits, ByteBudget(budget.limit - budget.used)
                )
        except (OSError, EOFError, gzip.BadGzipFile, zlib.error):
            scan = None  # stage_files reports it
        if scan is None:
            budget.used = used
            return None
        budget.take(scan.size, source)
        lines[source] = scan.lines
        selects.append(_jsonl_select(spec, source, None, direct, trusted=True))
    raw.execute(f"CREATE OR REPLACE TEMP VIEW {stage} AS {' UNION ALL '.join(selects)}")
    return DirectView(lines, used)


# ---------------------------------------------------------------------- CSV


@dataclass(slots=True)
class _CsvBatch:
    """Parsed CSV rows (with the line each starts on) and rows already rejected."""

    header: list[str]
    rows: list[list[str]] = dataclasses.field(default_factory=list)
    lines: list[int] = dataclasses.field(default_factory=list)
    rejects: list[tuple[int, str, str]] = dataclasses.field(default_factory=list)
    chars: int = 0


@contextmanager
def _csv_field_limit(limit: int) -> Iterator[None]:
    """The csv module's field size limit is global: set it for this read only."""
    before = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(before)


def _physical_lines(
    handle: IO[bytes],
    source: str,
    limits: IngestLimits,
    budget: ByteBudget,
    problems: list[tuple[int, str, str]],
) -> Iterator[str]:
    """Every line of the file for ``csv.reader``; a line with a problem becomes an
    empty line (so line numbers hold) and its problem goes to ``problems``."""
    for block in read_lines(handle, source, limits, budget, keep_blank=True):
        for text, number, problem in zip(block.lines, block.numbers, block.problems, strict=True):
            if problem is None:
                yield text + "\n"
            else:
                problems.append((number, text, problem))
                yield "\n"


def _csv_batches(
    path: Path, source: str, limits: IngestLimits, budget: ByteBudget
) -> Iterator[_CsvBatch]:
    """Yield parsed rows in batches bounded in rows and characters.

    Quoted newlines are allowed, so a row's line is tracked from the reader; a quoted
    field that never ends stops at the field limit with one clear error.
    """
    problems: list[tuple[int, str, str]] = []
    with open_input(path, source) as handle, _csv_field_limit(limits.max_line_bytes):
        reader = csv.reader(_physical_lines(handle, source, limits, budget, problems), strict=False)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputError(source, f"cannot read the CSV header: {exc}") from exc
        if problems:
            raise InputError(source, f"cannot read the CSV header: {problems[0][2]}")
        batch, end = _CsvBatch(header), 1
        try:
            for cells in reader:
                batch.rejects.extend(problems)
                problems.clear()
                _add_csv_row(batch, cells, end + 1, limits)
                end = reader.line_num
                if len(batch.rows) >= BATCH_ROWS or batch.chars >= BATCH_CHARS:
                    yield batch
                    batch = _CsvBatch(header)
        except csv.Error as exc:
            raise InputError(source, f"unreadable CSV after line {end}: {exc}") from exc
        batch.rejects.extend(problems)
        if batch.rows or batch.rejects:
            yield batch


def _add_csv_row(batch: _CsvBatch, cells: list[str], line: int, limits: IngestLimits) -> None:
    size = sum(map(len, cells))
    if size > limits.max_line_bytes:
        excerpt = _csv_line(cells)[: limits.reject_excerpt_chars]
        reason = (
            f"record longer than {limits.max_line_bytes:,} characters "
            f"(ingest limit max_line_bytes): {size:,} characters"
        )
        batch.rejects.append((line, excerpt, reason))
        return
    batch.rows.append(cells)
    batch.lines.append(line)
    batch.chars += size


def _stage_csv(
    raw: Any,
    spec: TableSpec,
    path: Path,
    source: str,
    stage: str,
    limits: IngestLimits,
    budget: ByteBudget,
) -> None:
    """Arrow's CSV parser when every record is one line (a NumPy pre-scan says so),
    else Python's ``csv`` module record by record (quoted line breaks, hostile lines).

    The fast parser is ~10x faster, but it only numbers rows, not lines, and skips
    empty lines: the pre-scan makes row n line n + 1. A row of the wrong width stops
    it; then this file's rows are taken back and it is read again the careful way, so
    the row gets its reject with its line.
    """
    used = budget.used
    with open_input(path, source) as handle:
        simple = one_line_records(handle, source, limits, ByteBudget(budget.limit - used))
    if simple:
        try:
            _stage_csv_arrow(raw, spec, path, source, stage, budget)
            return
        except pa.ArrowInvalid:
            raw.execute(f"DELETE FROM {stage} WHERE _source = ?", [source])
            budget.used = used
    _stage_csv_rows(raw, spec, path, source, stage, limits, budget)


class _CountingReader:
    """A binary file that counts what is read from it against the byte budget."""

    def __init__(self, handle: IO[bytes], source: str, budget: ByteBudget) -> None:
        self.handle, self.source, self.budget = handle, source, budget
        self.closed = False

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.budget.take(len(data), self.source)
        return data


def _stage_csv_arrow(
    raw: Any, spec: TableSpec, path: Path, source: str, stage: str, budget: ByteBudget
) -> None:
    with open_input(path, source) as handle:
        first = handle.readline()  # within max_line_bytes: the pre-scan checked every line
        header = [h.strip() for h in next(csv.reader([first.decode("utf-8-sig")]), [])]
        if not header:
            return
        if len(set(header)) < len(header):
            raise pa.ArrowInvalid(f"repeated column names in the header: {header}")
        budget.take(len(first), source)
        reader = pacsv.open_csv(
            cast(Any, _CountingReader(handle, source, budget)),
            read_options=pacsv.ReadOptions(column_names=header, block_size=8 << 20),
            parse_options=pacsv.ParseOptions(newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.string() for h in header},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        _flush_csv(raw, spec, _csv_arrow_tables(spec, header, reader), source, stage)


def _csv_arrow_tables(
    spec: TableSpec, header: list[str], reader: Iterator[pa.RecordBatch]
) -> Iterator[pa.Table]:
    """Staging rows of each batch Arrow's CSV reader parses (row n is line n + 1)."""
    line = 2
    for batch in reader:
        rows = batch.num_rows
        numbers = pa.array(np.arange(line, line + rows, dtype=np.int64))
        line += rows
        # A row whose every cell is blank is skipped, as on the careful path.
        blank = None
        for name in header:
            empty = pc.equal(pc.utf8_trim_whitespace(batch[name]), "")
            blank = empty if blank is None else pc.and_(blank, empty)
        keep = pc.invert(blank)
        data: dict[str, pa.Array] = {}
        for name in spec.field_names:
            if name in header:
                col = batch[name].filter(keep)
                data[name] = pc.if_else(pc.equal(col, ""), None, col)
        kept = len(data[next(iter(data))]) if data else pc.sum(keep).as_py() or 0
        for name in spec.field_names:
            data.setdefault(name, pa.nulls(kept, pa.string()))
        data["_row"] = numbers.filter(keep)
        data["_raw"] = pa.nulls(kept, pa.string())
        data["_pre_reason"] = pa.nulls(kept, pa.string())
        yield pa.table(data)


def _stage_csv_rows(
    raw: Any,
    spec: TableSpec,
    path: Path,
    source: str,
    stage: str,
    limits: IngestLimits,
    budget: ByteBudget,
) -> None:
    _flush_csv(raw, spec, _csv_row_tables(spec, path, source, limits, budget), source, stage)


def _csv_row_tables(
    spec: TableSpec, path: Path, source: str, limits: IngestLimits, budget: ByteBudget
) -> Iterator[pa.Table]:
    """Staging rows of each batch the careful CSV reader parses."""
    for batch in _csv_batches(path, source, limits, budget):
        header, rows, width = batch.header, batch.rows, len(batch.header)
        keep = [i for i, r in enumerate(rows) if any(c.strip() for c in r)]
        good = [i for i in keep if len(rows[i]) == width]
        bad = [i for i in keep if len(rows[i]) != width]
        extra = len(bad) + len(batch.rejects)
        columns = list(zip(*(rows[i] for i in good), strict=True)) if good else [()] * width
        data: dict[str, pa.Array] = {}
        for name in spec.field_names:
            values = columns[header.index(name)] if name in header else [None] * len(good)
            data[name] = pa.array(
                [v if v != "" else None for v in values] + [None] * extra, pa.string()
            )
        data["_row"] = pa.array(
            [batch.lines[i] for i in good + bad] + [r[0] for r in batch.rejects], pa.int64()
        )
        cut = limits.reject_excerpt_chars
        data["_raw"] = pa.array(
            [None] * len(good)
            + [_csv_line(rows[i])[:cut] for i in bad]
            + [r[1] for r in batch.rejects],
            pa.string(),
        )
        data["_pre_reason"] = pa.array(
            [None] * len(good)
            + [f"row has {len(rows[i])} cells, the header has {width}" for i in bad]
            + [r[2] for r in batch.rejects],
            pa.string(),
        )
        yield pa.table(data)


def _csv_line(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)
    return out.getvalue()


def _flush_csv(
    raw: Any, spec: TableSpec, tables: Iterator[pa.Table], source: str, stage: str
) -> None:
    """Insert every staging table of one file with one statement (:func:`insert_streamed`)."""
    names = [*spec.field_names, "_row", "_raw", "_pre_reason"]
    schema = pa.schema([(n, pa.int64() if n == "_row" else pa.string()) for n in names])
    cols = []
    for field in spec.fields:
        if field.type is FieldType.STRING_LIST:
            cols.append(
                f'CASE WHEN "{field.name}" IS NOT NULL THEN to_json(list_filter(list_transform('
                f"string_split(\"{field.name}\", ';'), lambda x: trim(x)), "
                f"lambda x: x <> ''))::VARCHAR END"
            )
        else:
            cols.append(f'"{field.name}"')
    src = source.replace("'", "''")
    sql = (
        f"INSERT INTO {stage} SELECT {', '.join(cols)}, '{src}', _row, _raw, _pre_reason, "
        f"NULL FROM _mw_csv"
    )
    insert_streamed(raw, "_mw_csv", schema, tables, sql)


# ------------------------------------------------------------------ Parquet


def _parquet_field_sql(name: str, ftype: FieldType, column_type: str | None) -> str:
    if column_type is None:
        return "NULL"
    col = f'"{name}"'
    upper = column_type.upper()
    if upper.startswith("TIMESTAMP WITH TIME ZONE"):
        return f"strftime(timezone('UTC', {col}), '%Y-%m-%dT%H:%M:%S.%fZ')"
    if upper.startswith("TIMESTAMP") or upper == "DATE":
        return f"strftime({col}::TIMESTAMP, '%Y-%m-%dT%H:%M:%S.%fZ')"
    if upper.endswith("[]"):
        return f"to_json({col})::VARCHAR"
    if ftype is FieldType.STRING_LIST and upper == "VARCHAR":
        return (
            f"CASE WHEN {col} IS NOT NULL "
            f"THEN to_json(list_filter(string_split({col}, ';'), lambda x: x <> ''))::VARCHAR END"
        )
    return f"nullif({col}::VARCHAR, '')"


def drop_stage(raw: Any, stage: str) -> None:
    """Drop a staging table, or the view that Parquet is staged as."""
    kind = "VIEW" if _is_view(raw, stage) else "TABLE"
    raw.execute(f"DROP {kind} IF EXISTS {stage}")


def _is_view(raw: Any, name: str) -> bool:
    found = raw.execute(
        "SELECT count(*) FROM duckdb_views() WHERE view_name = ? AND temporary", [name]
    ).fetchall()
    return bool(found[0][0])


def _parquet_select(
    raw: Any,
    spec: TableSpec,
    path: Path,
    source: str,
    limits: IngestLimits,
    budget: ByteBudget,
) -> str:
    """The staging SELECT of one Parquet file: DuckDB reads Parquet itself (typed
    columns, bounded by its memory limit).

    The file must be a regular file, not a link, and counts against the byte budget
    by its size on disk. A cell can decompress far beyond its file (a 14 MB file held a
    300 MB string and took 1.2 GB): each value is cut to one character past
    ``max_field_chars`` as it is staged, and the cut one becomes a reject that states
    its real length, so a huge cell is never copied further.
    """
    with open_input(path, source) as handle:
        budget.take(os.fstat(handle.fileno()).st_size, source)
    file = str(path).replace("'", "''")
    try:
        described = raw.execute(f"DESCRIBE SELECT * FROM read_parquet('{file}')").fetchall()
    except (OSError, EOFError) as exc:
        raise InputError(source, f"cannot read: {exc}") from exc
    except Exception as exc:  # duckdb.IOException, InvalidInputException ...
        raise InputError(source, f"not a readable Parquet file: {exc}") from exc
    types = {row[0]: row[1] for row in described}
    limit = limits.max_field_chars
    values = {f.name: _parquet_field_sql(f.name, f.type, types.get(f.name)) for f in spec.fields}
    # Cut only values with more bytes than the limit (left() walks every character).
    cols = [
        f"CASE WHEN strlen({value}) > {limit} THEN left({value}, {limit + 1}) "
        f'ELSE {value} END AS "{name}"'
        for name, value in values.items()
    ]
    too_long = [
        (f"strlen({value}) > {limit} AND length({value}) > {limit}", name, f"length({value})")
        for name, value in values.items()
    ]
    reason = " ".join(
        f"WHEN {cond} THEN 'value longer than {limit:,} characters "
        f"(ingest limit max_field_chars): ' || format('{{:,}}', {size}) || ' characters'"
        for cond, _, size in too_long
    )
    field = " ".join(f"WHEN {cond} THEN '{name}'" for cond, name, _ in too_long)
    src = source.replace("'", "''")
    return (
        f"SELECT {', '.join(cols)}, '{src}' AS _source, "
        f"file_row_number + 1 AS _row, NULL::VARCHAR AS _raw, "
        f"CASE {reason} END AS _pre_reason, CASE {field} END AS _pre_field "
        f"FROM read_parquet('{file}', file_row_number = true)"
    )
