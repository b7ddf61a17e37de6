"""The analytics engine: Ibis over DuckDB (default, embedded) or Spark.

Detectors and the link stage are written once as Ibis expressions and run on
whichever backend :func:`connect` returns; so do ingest's contract checks
(``ingest/checks.py``), which Spark runs itself when a platform outgrows one machine.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
from ibis.backends import BaseBackend

from mercwatch.errors import ConfigError, EngineError

ENGINES = ("duckdb", "spark")


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """Where analytics run.

    Attributes:
        kind: ``duckdb`` (default) or ``spark``.
        database: DuckDB file; ``None`` keeps everything in memory.
        memory_limit: DuckDB memory cap (spills to disk beyond it), e.g. ``"4GB"``.
        threads: DuckDB worker threads; ``None`` = all cores.
        temp_directory: where DuckDB spills when it reaches ``memory_limit``.
        spark_master: Spark master URL (``local[N]``, ``spark://host:7077``, ``yarn``,
            ``k8s://...``) or a Spark Connect ``sc://host:15002`` address.
        spark_conf: extra Spark settings as ``(key, value)`` pairs, applied after
            mercwatch's defaults so a platform can override any of them.
        in_memory: ``mercwatch run`` keeps its DuckDB in memory instead of a scratch
            file (store/run_database.py); faster on small exports, all tables in RAM.
        work_dir: where ``mercwatch run`` puts its scratch database and spill
            (default: the OS temp folder).
    """

    kind: str = "duckdb"
    database: Path | None = None
    memory_limit: str | None = None
    threads: int | None = None
    temp_directory: Path | None = None
    spark_master: str = "local[2]"
    spark_conf: tuple[tuple[str, str], ...] = ()
    in_memory: bool = False
    work_dir: Path | None = None


def parse_spark_conf(items: list[str] | tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """``KEY=VALUE`` strings (``--spark-conf``) as pairs, in order.

    Raises:
        ConfigError: an item without ``=`` or with an empty key.
    """
    pairs = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--spark-conf {item!r}: expected KEY=VALUE, e.g. spark.cores.max=8")
        pairs.append((key.strip(), value))
    return tuple(pairs)


def spark_settings(config: EngineConfig, scratch: Path) -> dict[str, str]:
    """The Spark settings a session is built with: mercwatch's defaults, then ``spark_conf``.

    A Spark Connect server owns its session's settings, so it gets ``spark_conf`` only.
    A ``local[N]`` master or one on the loopback interface is a one-machine cluster:
    the driver binds to 127.0.0.1 there, so nothing listens on a public interface. On
    any other cluster executors must reach the driver, so its address is left to Spark
    (or to ``spark.driver.host`` in ``spark_conf``).
    """
    if config.spark_master.startswith("sc://"):
        return dict(config.spark_conf)
    settings = {
        "spark.ui.enabled": "false",
        "spark.sql.shuffle.partitions": "4",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.warehouse.dir": (scratch / "warehouse").as_posix(),
    }
    if _is_one_machine(config.spark_master):
        settings["spark.driver.host"] = "127.0.0.1"
        settings["spark.driver.bindAddress"] = "127.0.0.1"
    return settings | dict(config.spark_conf)


def _is_one_machine(master: str) -> bool:
    host = master.removeprefix("spark://").split(":", 1)[0]
    return master.startswith("local") or host in ("127.0.0.1", "localhost")


def connect(config: EngineConfig | None = None) -> BaseBackend:
    """Open the configured analytics backend.

    Raises:
        ConfigError: unknown engine kind.
        EngineError: the backend could not start.
    """
    config = config or EngineConfig()
    if config.kind == "duckdb":
        return _connect_duckdb(config)
    if config.kind == "spark":
        return _connect_spark(config)
    raise ConfigError(f"unknown engine {config.kind!r}; choose one of {', '.join(ENGINES)}")


def _connect_duckdb(config: EngineConfig) -> BaseBackend:
    database = str(config.database) if config.database else ":memory:"
    try:
        con = ibis.duckdb.connect(database)
        raw = duckdb_connection(con)
        # Naive timestamps in exports mean UTC; never the machine's zone.
        raw.execute("SET TimeZone = 'UTC'")
        # Ibis 12 compiles array lambdas with the arrow syntax that DuckDB 2 deprecated.
        raw.execute("SET lambda_syntax = 'ENABLE_SINGLE_ARROW'")
        if config.memory_limit:
            raw.execute(f"SET memory_limit = '{config.memory_limit}'")
        if config.temp_directory:
            raw.execute(f"SET temp_directory = '{config.temp_directory.as_posix()}'")
        if config.threads:
            raw.execute(f"SET threads = {int(config.threads)}")
        raw.execute("SET preserve_insertion_order = false")
    except Exception as exc:  # duckdb raises several unrelated types
        raise EngineError(f"cannot open DuckDB at {database}: {exc}") from exc
    return con


def _connect_spark(config: EngineConfig) -> BaseBackend:
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise ConfigError(
            "the spark engine needs the extra: pip install 'mercwatch[spark]'"
        ) from exc
    if _is_one_machine(config.spark_master):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    # The session's own folder: the warehouse (detectors' shared tables) and the
    # hand-off Parquet. A fresh one per session (a reused warehouse fails with
    # LOCATION_ALREADY_EXISTS), removed by release() or, at the latest, at exit.
    scratch = Path(tempfile.mkdtemp(prefix="mercwatch-spark-"))
    try:
        builder = SparkSession.builder.appName("mercwatch")
        if config.spark_master.startswith("sc://"):
            builder = builder.remote(config.spark_master)
        else:
            builder = builder.master(config.spark_master)
        for key, value in spark_settings(config, scratch).items():
            builder = builder.config(key, value)
        session = builder.getOrCreate()
        backend = ibis.pyspark.connect(session)
    except Exception as exc:
        shutil.rmtree(scratch, ignore_errors=True)
        raise EngineError(f"cannot start Spark at {config.spark_master}: {exc}") from exc
    _SCRATCH[id(backend)] = scratch
    weakref.finalize(backend, _remove_scratch, id(backend))
    return backend


# Temp folders owned by open backends, by id(backend); Ibis backends take no new fields.
_SCRATCH: dict[int, Path] = {}


def _remove_scratch(key: int) -> None:
    folder = _SCRATCH.pop(key, None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def scratch_dir(con: BaseBackend) -> Path:
    """A temp folder owned by ``con``, removed with it (for intermediate tables).

    Spark sessions get one when they start; for other backends one is made on demand.
    """
    folder = _SCRATCH.get(id(con))
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix=f"mercwatch-{con.name}-"))
        _SCRATCH[id(con)] = folder
        weakref.finalize(con, _remove_scratch, id(con))
    return folder


def release(con: BaseBackend) -> None:
    """Disconnect ``con`` and delete its temp folder (warehouse, hand-off Parquet)."""
    try:
        con.disconnect()
    finally:
        _remove_scratch(id(con))


def duckdb_connection(con: BaseBackend) -> Any:
    """The native DuckDB connection behind an Ibis DuckDB backend."""
    raw = getattr(con, "con", None)
    if raw is None:
        raise EngineError("this operation needs the DuckDB engine")
    return raw


def is_duckdb(con: BaseBackend) -> bool:
    """Whether ``con`` is the embedded DuckDB backend."""
    return con.name == "duckdb"


def hand_off(
    duck: BaseBackend, target: BaseBackend, tables: tuple[str, ...], workdir: Path
) -> None:
    """Copy validated tables from a DuckDB backend to another backend.

    The parity tests use it to give Spark exactly the rows a DuckDB run sees (a Spark
    run ingests on Spark itself, ``ingest/spark_ingest.py``). ``workdir`` should
    be inside :func:`scratch_dir` of ``target`` so :func:`release` removes the files.
    """
    raw = duckdb_connection(duck)
    workdir.mkdir(parents=True, exist_ok=True)
    for name in tables:
        path = (workdir / f"{name}.parquet").as_posix()
        raw.execute(f"COPY \"{name}\" TO '{path}' (FORMAT PARQUET)")
        try:
            target.read_parquet(path, table_name=name)
        except Exception as exc:
            raise EngineError(f"cannot load {name} into {target.name}: {exc}") from exc
