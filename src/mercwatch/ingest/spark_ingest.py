"""Ingest on Spark: read, check and load the export on the cluster (``--engine spark``).

The same contract checks as the embedded ingest (:func:`mercwatch.ingest.checks.with_checks`,
one Ibis expression) run on Spark over a staged table of the same shape as ``readers``
builds: every contract field as text plus ``_source`` / ``_row`` naming the file and
row. Duplicate keys are judged with the same rule (first by file and row wins; a
different row with the same key is rejected naming the first), the clean tables are
typed by the same parsers, and only small results come back to the driver: counts, the
reject reasons, and at most ``max_rejects_kept`` rejected rows.

Parquet is read by Spark itself (``_metadata.row_index`` is the row). JSON Lines and
CSV are split into rows on the driver by the bounded line readers (``readers``, the
same limits on line, field and nesting size), staged as Parquet, and checked on Spark:
Spark's own text readers have no per-line size bound, so a 1 GiB line would reach an
executor whole.

The clean tables are written as Parquet in the Spark session's scratch folder; the
driver's DuckDB sees the same files as views, for the stages that run there (coverage,
targeting, publication). That folder must be reachable by the executors and the driver
at the same path (one machine, or a shared file system) — as the hand-off it replaces.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
from ibis.backends import BaseBackend

from mercwatch.errors import InputError
from mercwatch.ingest.checks import parse_integer, parse_timestamp, with_checks
from mercwatch.ingest.contract import FieldType, TableSpec
from mercwatch.ingest.discover import FileFormat, TableFiles, find_table
from mercwatch.ingest.limits import IngestLimits
from mercwatch.ingest.lines import open_input
from mercwatch.ingest.loader import (
    REJECTS_TABLE,
    IngestReport,
    TableReport,
    _Run,
    create_rejects_table,
    ingest_tables,
    start_run,
)
from mercwatch.ingest.readers import stage_files
from mercwatch.ingest.validate import staged_schema
from mercwatch.store.engine import duckdb_connection


@ibis.udf.scalar.builtin(name="from_json")
def _spark_from_json(text: str, schema: str) -> list[str]:  # type: ignore[empty-body]
    """Spark's ``from_json``: a JSON array text as ``array<string>``."""


def ingest_on_spark(
    export: Path,
    spark: BaseBackend,
    duck: BaseBackend,
    limits: IngestLimits | None,
    workdir: Path,
    ready: Callable[[str], bool] | None = None,
) -> IngestReport:
    """Validate and load every table of ``export`` on ``spark``; the driver's ``duck``
    gets the ``rejects`` table and views of the clean tables.

    Args:
        ready: which part files (relative path) may be read now; ``None`` = all
            (``watch`` leaves out parts still being written).

    Raises:
        InputError: as :func:`mercwatch.ingest.loader.ingest_export`.
        EngineError: Spark failed for a reason other than the input.
    """
    started = time.perf_counter()
    run, export = start_run(export, limits)
    raw = duckdb_connection(duck)
    create_rejects_table(raw)
    workdir.mkdir(parents=True, exist_ok=True)
    job = _Job(export, spark, raw, run, workdir, ready)
    return ingest_tables(run, lambda spec: _ingest_table(job, spec), " on Spark", started)


@dataclass(frozen=True, slots=True)
class _Job:
    """One Spark ingest: where from, the engines, its limits and counters, its folder."""

    export: Path
    spark: BaseBackend
    raw: Any  # the driver's DuckDB connection
    run: _Run
    workdir: Path
    ready: Callable[[str], bool] | None


# ------------------------------------------------------------------ staging


def _session(spark: BaseBackend) -> Any:
    return spark._session


def stage_on_spark(job: _Job, spec: TableSpec) -> tuple[ir.Table, tuple[str, ...], str | None, int]:
    """The staged table on Spark, the files read, their format and blank lines skipped."""
    export, spark, raw, run, workdir, ready = (
        job.export, job.spark, job.raw, job.run, job.workdir, job.ready
    )  # fmt: skip
    files = find_table(export, spec.name)
    if files is not None and ready is not None:
        paths = tuple(p for p in files.paths if ready(p.relative_to(export).as_posix()))
        files = dataclasses.replace(files, paths=paths)
    view = f"_mw_stage_{spec.name}"
    session = _session(spark)
    if files is None or not files.paths:
        if files is None and not spec.optional_table:
            raise InputError(
                str(export),
                f"required table {spec.name!r} not found "
                f"(expected {spec.name}.jsonl, .csv, .parquet or a folder {spec.name}/)",
            )
        ddl = ", ".join(f"`{name}` {_SPARK_TYPES[t]}" for name, t in staged_schema(spec).items())
        session.createDataFrame([], ddl).createOrReplaceTempView(view)
        return spark.table(view), (), None, 0
    names = tuple(p.relative_to(export).as_posix() for p in files.paths)
    blank = 0
    if files.format is FileFormat.PARQUET:
        frame = _stage_parquet(session, spec, files, export, run)
    else:  # bounded line readers on the driver, then Spark reads the staged rows
        blank = stage_files(raw, spec, files, export, "_mw_spark_stage", run.limits, run.budget)
        path = workdir / f"stage_{spec.name}.parquet"
        raw.execute(f"COPY _mw_spark_stage TO '{_sql_path(path)}' (FORMAT PARQUET)")
        raw.execute("DROP TABLE _mw_spark_stage")
        frame = session.read.parquet(path.as_posix())
    frame.createOrReplaceTempView(view)
    return spark.table(view), names, files.format.value, blank


_SPARK_TYPES = {"string": "string", "int64": "bigint"}


def _sql_path(path: Path) -> str:
    return path.as_posix().replace("'", "''")


def _stage_parquet(session: Any, spec: TableSpec, files: TableFiles, root: Path, run: _Run) -> Any:
    """Spark reads each Parquet file: values as text the way ``readers`` writes them,
    each cut to one character past ``max_field_chars`` (the cut one is a reject)."""
    from pyspark.sql import functions as F  # noqa: N812 (Spark's own convention)

    limit = run.limits.max_field_chars
    frames = []
    for path in files.paths:
        source = path.relative_to(root).as_posix()
        with open_input(path, source) as handle:
            run.budget.take(os.fstat(handle.fileno()).st_size, source)
        try:
            frame = session.read.parquet(path.as_posix())
            types = dict(frame.dtypes)
        except Exception as exc:
            raise InputError(source, f"not a readable Parquet file: {exc}") from exc
        values = {f.name: _parquet_text(F, f.name, f.type, types.get(f.name)) for f in spec.fields}
        too_long = [(F.length(v) > limit, name, F.length(v)) for name, v in values.items()]
        reason, field = F.lit(None).cast("string"), F.lit(None).cast("string")
        for cond, name, size in reversed(too_long):
            text = F.concat(
                F.lit(f"value longer than {limit:,} characters (ingest limit max_field_chars): "),
                F.format_number(size, 0),
                F.lit(" characters"),
            )
            reason = F.when(cond, text).otherwise(reason)
            field = F.when(cond, F.lit(name)).otherwise(field)
        frames.append(
            frame.select(
                *[F.substring(v, 1, limit + 1).alias(n) for n, v in values.items()],
                F.lit(source).alias("_source"),
                (F.col("_metadata.row_index") + 1).alias("_row"),
                F.lit(None).cast("string").alias("_raw"),
                reason.alias("_pre_reason"),
                field.alias("_pre_field"),
            )
        )
    staged = frames[0]
    for frame in frames[1:]:
        staged = staged.unionByName(frame)
    return staged


def _parquet_text(F: Any, name: str, ftype: FieldType, column_type: str | None) -> Any:  # noqa: N803
    """One Parquet column as the staged text (``readers._parquet_field_sql`` for Spark)."""
    if column_type is None:
        return F.lit(None).cast("string")
    col = F.col(f"`{name}`")
    if column_type.startswith("timestamp") or column_type == "date":
        return F.date_format(col.cast("timestamp"), "yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
    if column_type.startswith("array"):
        return F.to_json(col)
    if ftype is FieldType.STRING_LIST and column_type == "string":
        items = F.filter(F.split(col, ";"), lambda x: x != "")
        return F.when(col.isNotNull(), F.to_json(items))
    if column_type in ("float", "double"):  # "12.0" as DuckDB writes it, not Spark's "1.2E7"
        whole = col == F.floor(col)
        text = F.when(whole, F.concat(col.cast("bigint").cast("string"), F.lit(".0")))
        return text.otherwise(col.cast("string"))
    return F.nullif(col.cast("string"), F.lit(""))


# ------------------------------------------------------------------ checks and load


def _ingest_table(job: _Job, spec: TableSpec) -> TableReport:
    spark, raw, run, workdir = job.spark, job.raw, job.run, job.workdir
    staged, names, fmt, blank = stage_on_spark(job, spec)
    checked_path = workdir / f"checked_{spec.name}"
    _write(spark, with_checks(staged, spec, run.limits, run.now), checked_path)
    checked = spark.read_parquet(checked_path.as_posix(), table_name=f"_mw_checked_{spec.name}")
    ranked, conflicts = _duplicates(checked, spec)
    rejects = checked.filter(checked._reason.notnull()).select(*_REJECT_COLUMNS(spec))
    rejects = rejects.union(conflicts.select(*_REJECT_COLUMNS(spec)))
    clean_path = workdir / "clean" / spec.name
    clean = ranked.filter(ranked._rank == 0)
    _write(spark, clean.select(**typed(clean, spec)), clean_path)
    spark.read_parquet(clean_path.as_posix(), table_name=spec.name)
    raw.execute(
        f'CREATE OR REPLACE VIEW "{spec.name}" AS '
        f"SELECT * FROM read_parquet('{_sql_path(clean_path)}/*.parquet')"
    )
    stats = ranked.aggregate(
        exact=(ranked._rank > 0).sum(), loaded=(ranked._rank == 0).sum()
    ).to_pyarrow()
    read = int(checked.count().to_pyarrow().as_py())
    rejected = int(rejects.count().to_pyarrow().as_py())
    _count_reasons(rejects, spec, run)
    _keep_rejects(raw, rejects, spec, run)
    exact = int(stats["exact"][0].as_py() or 0) - int(conflicts.count().to_pyarrow().as_py())
    loaded = int(stats["loaded"][0].as_py() or 0)
    return TableReport(spec.name, names, fmt, read, loaded, rejected, exact, blank)


def _REJECT_COLUMNS(spec: TableSpec) -> list[str]:  # noqa: N802
    return [*spec.field_names, "_source", "_row", "_raw", "_field", "_reason"]


def _write(spark: BaseBackend, expr: ir.Table, path: Path) -> None:
    """Materialise ``expr`` as Parquet (read several times afterwards; never recomputed)."""
    frame = _session(spark).sql(str(spark.compile(expr)))
    frame.write.mode("overwrite").parquet(path.as_posix())


def _identity(t: ir.Table, spec: TableSpec) -> ir.StringValue:
    """The key a duplicate is judged by (friendships are undirected)."""
    if spec.key:
        return t[spec.key]
    return ibis.least(t.a, t.b) + "\x1f" + ibis.greatest(t.a, t.b)


def _duplicates(checked: ir.Table, spec: TableSpec) -> tuple[ir.Table, ir.Table]:
    """(accepted rows ranked within their key, conflicting duplicates as rejects).

    The first row of a key (by file and row) is kept; a later one that is the same row
    is a no-op, a different one is rejected naming where the first was. A restated
    friendship is the same edge whatever its ``since``: always a no-op.
    """
    ok = checked.filter(checked._reason.isnull())
    key = _identity(ok, spec)
    window = ibis.window(group_by=key, order_by=[ok._source, ok._row])
    at = ok._source + ":" + ok._row.cast("string")
    same = ibis.literal(True)
    if spec.key:
        for name in spec.field_names:
            same = same & ok[name].identical_to(ok[name].first().over(window))
    ranked = ok.mutate(
        _key=key,
        _rank=ibis.row_number().over(window),
        _exact=same,
        _first_at=at.first().over(window),
    )
    label = spec.key or "friendship"
    conflicts = ranked.filter((ranked._rank > 0) & ~ranked._exact).mutate(
        _field=ibis.literal(spec.key or "b"),
        _reason=f"duplicate {label} '"
        + ranked._key
        + "' differs from the row at "
        + ranked._first_at,
    )
    return ranked, conflicts


def typed(t: ir.Table, spec: TableSpec) -> dict[str, ir.Value]:
    """Typed, normalised contract columns of the clean table (``validate.typed_columns``)."""
    cols: dict[str, ir.Value] = {}
    for field in spec.fields:
        col = t[field.name]
        if field.type is FieldType.TIMESTAMP:
            cols[field.name] = parse_timestamp(col)
        elif field.type is FieldType.INTEGER:
            cols[field.name] = parse_integer(col)
        elif field.type is FieldType.STRING_LIST:
            cols[field.name] = _spark_from_json(col, "array<string>")
        elif field.name == "country":
            cols[field.name] = col.upper()
        elif field.name in ("photo_hash", "email_domain"):
            cols[field.name] = col.lower()
        else:
            cols[field.name] = col
    return cols


def _count_reasons(rejects: ir.Table, spec: TableSpec, run: _Run) -> None:
    """Rejects by kind of reason, as ``loader._count_reasons`` counts them."""
    kind = rejects._reason.re_replace("'[^']*'", "…").re_replace(r"[\t\n\f\r ]*[:(].*$", "")
    label = ibis.literal(spec.name) + ibis.cases(
        (rejects._field.notnull(), "." + rejects._field), else_=""
    )
    kinds = rejects.mutate(_kind=label + ": " + kind)
    counted = kinds.group_by("_kind").aggregate(n=kinds.count()).to_pyarrow()
    table = run.by_table.setdefault(spec.name, Counter())
    for reason, count in zip(counted["_kind"].to_pylist(), counted["n"].to_pylist(), strict=True):
        run.reasons[reason] += int(count)
        table[reason] += int(count)
    first = rejects.order_by(["_source", "_row"]).limit(1).select("_source", "_row").to_pyarrow()
    if first.num_rows:
        run.first_reject[spec.name] = f"{first['_source'][0]}:{first['_row'][0]}"


def _keep_rejects(raw: Any, rejects: ir.Table, spec: TableSpec, run: _Run) -> None:
    """The first rejects (by file and row) up to the run's cap, as excerpts in DuckDB."""
    room = run.limits.max_rejects_kept - run.kept
    if room <= 0:
        return
    rows = rejects.order_by(["_source", "_row"]).limit(room).to_pyarrow().to_pylist()
    cut = run.limits.reject_excerpt_chars
    kept = []
    for row in rows:
        text = row["_raw"]
        if text is None:
            fields = {name: row[name] for name in spec.field_names}
            text = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
        if len(text) > cut:
            text = text[:cut] + "…"
        kept.append(
            (spec.name, row["_source"], row["_row"], row["_field"], row["_reason"], text,
             _is_json_object(text))
        )  # fmt: skip
    if kept:
        raw.executemany(f"INSERT INTO {REJECTS_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?)", kept)
    run.kept += len(kept)


def _is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False
