"""Format readers: turn each input file into rows of a staging table.

Every reader writes the same staging shape into DuckDB, so validation is written once:
each contract field as text (``NULL`` = absent; lists as JSON array text), plus

- ``_source``: the file, relative to the export folder;
- ``_row``: 1-based line (JSON Lines, CSV) or row number (Parquet) in that file;
- ``_raw``: the row as it was read, kept for the rejects output;
- ``_pre_reason`` / ``_pre_field``: a problem the reader already saw (bad JSON, a
  field of the wrong JSON type, a CSV row with the wrong number of cells).

Parquet is read by DuckDB itself; JSON Lines and CSV are split into lines in batches
(bounded memory) and parsed by DuckDB's JSON functions, never row by row in Python.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pyarrow as pa

from mercwatch.errors import InputError
from mercwatch.ingest.contract import FieldType, TableSpec
from mercwatch.ingest.discover import FileFormat, TableFiles

BATCH_ROWS = 250_000
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


def stage_files(raw: Any, spec: TableSpec, files: TableFiles, root: Path, stage: str) -> int:
    """Read every file of one table into the staging table ``stage``.

    Returns:
        The number of blank lines skipped (JSON Lines), reported in the summary.
    """
    raw.execute(stage_table_sql(spec, stage))
    blank = 0
    for path in files.paths:
        source = path.relative_to(root).as_posix()
        try:
            if files.format is FileFormat.PARQUET:
                _stage_parquet(raw, spec, path, source, stage)
            elif files.format is FileFormat.JSONL:
                blank += _stage_jsonl(raw, spec, path, source, stage)
            else:
                _stage_csv(raw, spec, path, source, stage)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise InputError(source, f"cannot read: {exc}") from exc
    return blank


# ---------------------------------------------------------------- JSON Lines


def _open_text(path: Path) -> IO[bytes]:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")
    return path.open("rb")


BLOCK_BYTES = 32 << 20


def _decode_lines(block: bytes) -> list[str]:
    """Split a block of whole lines; a line that is not UTF-8 is marked, not dropped."""
    try:
        return block.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        out = []
        for raw in block.split(b"\n"):
            try:
                out.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                out.append(raw.decode("utf-8", errors="replace") + "\x00not-utf8")
        return out


def _line_batches(path: Path) -> Iterator[tuple[list[str], list[int], int]]:
    """Yield (lines, 1-based line numbers, blank lines skipped), one block at a time."""
    first_line, tail = 1, b""
    with _open_text(path) as handle:
        while True:
            chunk = handle.read(BLOCK_BYTES)
            data = tail + chunk
            if not chunk:
                cut = len(data)
            else:
                cut = data.rfind(b"\n") + 1
                if cut == 0:
                    tail = data
                    continue
            block, tail = data[:cut], data[cut:]
            if block.endswith(b"\n"):
                block = block[:-1]
            if block or chunk:
                texts = _decode_lines(block)
                keep = [(t.rstrip("\r"), first_line + i) for i, t in enumerate(texts) if t.strip()]
                first_line += len(texts)
                if keep:
                    lines, numbers = map(list, zip(*keep, strict=True))
                    yield lines, numbers, len(texts) - len(keep)  # type: ignore[misc]
                else:
                    yield [], [], len(texts)
            if not chunk:
                return


def _json_field_sql(name: str, ftype: FieldType) -> tuple[str, str]:
    """(value expression, type-error condition) for one field of a JSON line."""
    path = f"'$.\"{name}\"'"
    jtype = f"json_type(_line, {path})"
    # SCHEMA.md: in JSON an absent field, null and "" all mean absent.
    value = f"nullif(json_extract_string(_line, {path}), '')"
    if ftype is FieldType.STRING_LIST:
        bad = f"{jtype} NOT IN ('ARRAY', 'NULL') AND NOT ({jtype} = 'VARCHAR' AND {value} IS NULL)"
        return f"CASE WHEN {jtype} = 'ARRAY' THEN json_extract(_line, {path})::VARCHAR END", bad
    if ftype is FieldType.INTEGER:
        return value, f"{jtype} NOT IN ('BIGINT', 'UBIGINT', 'VARCHAR', 'NULL')"
    return value, f"{jtype} NOT IN ('VARCHAR', 'NULL')"


_JSON_EXPECTED = {
    FieldType.STRING: "a string",
    FieldType.TIMESTAMP: "an RFC 3339 timestamp string",
    FieldType.INTEGER: "an integer",
    FieldType.STRING_LIST: "a list of strings",
}


def _jsonl_select(spec: TableSpec, source: str) -> str:
    values, reasons = [], []
    for field in spec.fields:
        value, bad = _json_field_sql(field.name, field.type)
        values.append(f'CASE WHEN _ok THEN {value} END AS "{field.name}"')
        got = f"lower(json_type(_line, '$.\"{field.name}\"'))"
        reasons.append(
            f"WHEN {bad} THEN '{field.name}' || chr(31) || "
            f"'expected {_JSON_EXPECTED[field.type]}, got ' || {got}"
        )
    pre = (
        "CASE WHEN _line LIKE '%' || chr(0) || 'not-utf8' "
        "THEN chr(31) || 'line is not valid UTF-8' "
        "WHEN NOT _valid THEN chr(31) || 'line is not valid JSON' "
        "WHEN NOT _ok "
        "THEN chr(31) || 'line is a JSON ' || lower(json_type(_line)) || ', not an object' "
        + " ".join(reasons)
        + " END"
    )
    src = source.replace("'", "''")
    return (
        f"SELECT {', '.join(values)}, '{src}' AS _source, _row, _line AS _raw, "
        f"split_part(_pre, chr(31), 2) AS _pre_reason, "
        f"nullif(split_part(_pre, chr(31), 1), '') AS _pre_field "
        f"FROM (SELECT *, {pre} AS _pre FROM (SELECT _line, _row, json_valid(_line) AS _valid, "
        f"CASE WHEN json_valid(_line) THEN json_type(_line) = 'OBJECT' ELSE false END AS _ok "
        f"FROM _mw_lines))"
    )


def _stage_jsonl(raw: Any, spec: TableSpec, path: Path, source: str, stage: str) -> int:
    blank = 0
    select = _jsonl_select(spec, source)
    for lines, numbers, skipped in _line_batches(path):
        blank += skipped
        if not lines:
            continue
        batch = pa.table(
            {"_line": pa.array(lines, pa.string()), "_row": pa.array(numbers, pa.int64())}
        )
        raw.register("_mw_lines", batch)
        try:
            raw.execute(f"INSERT INTO {stage} {select}")
        finally:
            raw.unregister("_mw_lines")
    return blank


# ---------------------------------------------------------------------- CSV


def _csv_batches(path: Path, source: str) -> Iterator[tuple[list[str], list[list[str]], list[int]]]:
    """Yield (header, rows, first line of each row) in bounded batches.

    Quoted newlines are allowed, so a row's line is tracked from the reader.
    """
    with (
        _open_text(path) as binary,
        io.TextIOWrapper(binary, encoding="utf-8-sig", newline="") as text,
    ):
        reader = csv.reader(text, strict=False)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            return
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InputError(source, f"cannot read the CSV header: {exc}") from exc
        rows: list[list[str]] = []
        ends: list[int] = [1]
        try:
            for cells in reader:
                rows.append(cells)
                ends.append(reader.line_num)
                if len(rows) >= BATCH_ROWS:
                    yield header, rows, [e + 1 for e in ends[:-1]]
                    rows, ends = [], [ends[-1]]
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InputError(source, f"unreadable CSV after line {ends[-1]}: {exc}") from exc
        if rows:
            yield header, rows, [e + 1 for e in ends[:-1]]


def _stage_csv(raw: Any, spec: TableSpec, path: Path, source: str, stage: str) -> None:
    for header, rows, lines in _csv_batches(path, source):
        width = len(header)
        keep = [i for i, r in enumerate(rows) if any(c.strip() for c in r)]
        good = [i for i in keep if len(rows[i]) == width]
        bad = [i for i in keep if len(rows[i]) != width]
        columns = list(zip(*(rows[i] for i in good), strict=True)) if good else [()] * width
        data: dict[str, pa.Array] = {}
        for name in spec.field_names:
            values = columns[header.index(name)] if name in header else [None] * len(good)
            data[name] = pa.array(
                [v if v != "" else None for v in values] + [None] * len(bad), pa.string()
            )
        data["_row"] = pa.array([lines[i] for i in good + bad], pa.int64())
        data["_raw"] = pa.array([None] * len(good) + [_csv_line(rows[i]) for i in bad], pa.string())
        data["_pre_reason"] = pa.array(
            [None] * len(good)
            + [f"row has {len(rows[i])} cells, the header has {width}" for i in bad],
            pa.string(),
        )
        _flush_csv(raw, spec, pa.table(data), source, stage)


def _csv_line(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)
    return out.getvalue()


def _flush_csv(raw: Any, spec: TableSpec, arrow: pa.Table, source: str, stage: str) -> None:
    if not arrow.num_rows:
        return
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
    raw.register("_mw_csv", arrow)
    try:
        raw.execute(
            f"INSERT INTO {stage} SELECT {', '.join(cols)}, '{src}', _row, _raw, _pre_reason, "
            f"NULL FROM _mw_csv"
        )
    finally:
        raw.unregister("_mw_csv")


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


def _stage_parquet(raw: Any, spec: TableSpec, path: Path, source: str, stage: str) -> None:
    file = str(path).replace("'", "''")
    try:
        described = raw.execute(f"DESCRIBE SELECT * FROM read_parquet('{file}')").fetchall()
    except Exception as exc:  # duckdb.IOException, InvalidInputException ...
        raise InputError(source, f"not a readable Parquet file: {exc}") from exc
    types = {row[0]: row[1] for row in described}
    cols = [
        f'{_parquet_field_sql(f.name, f.type, types.get(f.name))} AS "{f.name}"'
        for f in spec.fields
    ]
    src = source.replace("'", "''")
    raw.execute(
        f"INSERT INTO {stage} SELECT {', '.join(cols)}, '{src}', "
        f"file_row_number + 1, NULL, NULL, NULL "
        f"FROM read_parquet('{file}', file_row_number = true)"
    )
