"""DuckDB against a Spark cluster on the same simulated export (issue 15).

Runs the whole pipeline twice on one export — embedded DuckDB, then ``--engine spark``
on the cluster at ``--spark-master`` — and prints time per stage for both, the
Spark/DuckDB ratio, and whether operations, actions and notifications are identical.
Prints the markdown table recorded in docs/benchmarks.md ("Spark cluster vs DuckDB").

Start a local standalone cluster first (master + two 1-core 1g workers on 127.0.0.1):

    eval "$(scripts/start-test-spark.sh)"
    python bench/bench_spark.py --users 2000 --spark-master "$MERCWATCH_TEST_SPARK_MASTER"
    eval "$MERCWATCH_TEST_SPARK_STOP"

``--ingest-only`` times ingest + validation alone (embedded DuckDB against the Spark
ingest of ``ingest/spark_ingest.py``) on one export per ``--formats`` entry, and checks
both give the same counts and rejects ("Spark-side ingest" in docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from mercwatch.ingest import ingest_export
from mercwatch.ingest.spark_ingest import ingest_on_spark
from mercwatch.pipeline import RunConfig, run_pipeline
from mercwatch.sim import SimConfig, simulate
from mercwatch.sim.config import ExportFormat
from mercwatch.store.engine import EngineConfig, connect, parse_spark_conf, release, scratch_dir

STAGES = ("ingest", "detect", "link")


def _ingest_only(args: argparse.Namespace, work: Path, engine: EngineConfig) -> None:
    """Ingest + validation on DuckDB and on Spark, per format, same export each."""
    spark = connect(engine)
    print("| format | events | DuckDB ingest (s) | Spark ingest (s) | Spark / DuckDB | same |")
    print("|---|---|---|---|---|---|")
    try:
        for fmt in args.formats.split(","):
            export = work / f"export-{fmt}"
            config = SimConfig(users=args.users, seed=args.seed, format=ExportFormat(fmt))
            sim = simulate(config, export)
            duck = connect()
            start = time.perf_counter()
            expected = ingest_export(export, duck)
            duck_s = time.perf_counter() - start
            driver = connect()
            start = time.perf_counter()
            got = ingest_on_spark(export, spark, driver, None, scratch_dir(spark) / fmt)
            spark_s = time.perf_counter() - start
            same = expected.tables == got.tables and expected.reject_reasons == got.reject_reasons
            times = f"{duck_s:.1f} | {spark_s:.1f} | {spark_s / duck_s:.0f}×"
            print(f"| {fmt} | {sim.events} | {times} | {same} |")
            duck.disconnect()
            driver.disconnect()
    finally:
        release(spark)


def _run(export: Path, out: Path, engine: EngineConfig) -> tuple[float, dict[str, float]]:
    start = time.perf_counter()
    result = run_pipeline(RunConfig(export=export, out=out, engine=engine))
    return time.perf_counter() - start, result.stage_seconds


def _outputs(out: Path) -> tuple:
    operations = json.loads((out / "operations.json").read_text())["operations"]
    return (
        sorted(json.dumps(op, sort_keys=True) for op in operations),
        sorted((out / "enforcement.jsonl").read_text().splitlines()),
        sorted((out / "notifications.jsonl").read_text().splitlines()),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--spark-master", default=os.environ.get("MERCWATCH_TEST_SPARK_MASTER"))
    parser.add_argument("--spark-conf", action="append", default=[], help="KEY=VALUE")
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--ingest-only", action="store_true", help="time ingest alone")
    parser.add_argument("--formats", default="parquet,jsonl,csv", help="with --ingest-only")
    args = parser.parse_args()
    if not args.spark_master:
        parser.error("--spark-master (or MERCWATCH_TEST_SPARK_MASTER) is required")
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-spark-"))
    spark_engine = EngineConfig(
        kind="spark",
        spark_master=args.spark_master,
        spark_conf=parse_spark_conf(args.spark_conf),
    )
    if args.ingest_only:
        _ingest_only(args, work, spark_engine)
        return
    export = work / "export"
    sim = simulate(SimConfig(users=args.users, seed=args.seed), export)
    duck_wall, duck = _run(export, work / "duckdb", EngineConfig())
    spark_wall, spark = _run(export, work / "spark", spark_engine)
    same = _outputs(work / "duckdb") == _outputs(work / "spark")

    conf = " ".join(args.spark_conf)
    print(f"{args.users} users, {sim.events} events; master {args.spark_master} {conf}")
    print("| stage | DuckDB (s) | Spark cluster (s) | Spark / DuckDB |")
    print("|---|---|---|---|")
    for stage in (*STAGES, "total (wall)"):
        d = duck_wall if stage.startswith("total") else duck.get(stage, 0.0)
        s = spark_wall if stage.startswith("total") else spark.get(stage, 0.0)
        ratio = f"{s / d:.0f}×" if d >= 0.05 else "-"
        print(f"| {stage} | {d:.1f} | {s:.1f} | {ratio} |")
    print(f"same operations, actions and notifications: {same}")


if __name__ == "__main__":
    main()
