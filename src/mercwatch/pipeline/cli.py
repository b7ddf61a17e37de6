"""Verbs ``run``, ``eval`` and ``demo``: thin wrappers over the library."""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from mercwatch.cli_json import JsonOpt, echo_json
from mercwatch.evaluate import evaluate, fmt
from mercwatch.ingest.limits import IngestLimits
from mercwatch.pipeline.config import DEFAULT_SHRINK_RATIO, RunConfig
from mercwatch.pipeline.progress import progress_wanted, stage_progress
from mercwatch.pipeline.run import RunResult, run_pipeline
from mercwatch.store.cli_options import StateOpt
from mercwatch.store.engine import EngineConfig, parse_spark_conf

if TYPE_CHECKING:
    from mercwatch.ingest.redis_stream import Landed, StreamLander

# Options `run` and `watch` share, declared once.
IntelOpt = Annotated[
    list[Path],
    typer.Option("--intel", help="Indicator feed (STIX, MISP, CSV, list); repeatable."),
]
PolicyOpt = Annotated[Path | None, typer.Option(help="Enforcement policy YAML.")]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Decide enforcement, apply nothing.")]

# Piped output (CI logs, notebooks) gets a fixed width rather than 80 columns.
console = Console() if sys.stdout.isatty() else Console(width=120)


def _parse_params(values: list[str]) -> dict[str, dict[str, object]]:
    params: dict[str, dict[str, object]] = {}
    for item in values:
        key, sep, raw = item.partition("=")
        detector, dot, name = key.rpartition(".")
        if not sep or not dot:
            raise typer.BadParameter(f"{item!r}: expected DETECTOR_ID.NAME=VALUE")
        try:
            value: object = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        params.setdefault(detector, {})[name] = value
    return params


def run_command(
    export: Annotated[Path, typer.Argument(help="Platform export folder (SCHEMA.md).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")],
    intel: IntelOpt = [],  # noqa: B006
    engine: Annotated[str, typer.Option(help="Analytics engine: duckdb or spark.")] = "duckdb",
    memory_limit: Annotated[
        str | None, typer.Option(help="DuckDB memory cap, e.g. 4GB (default: half the RAM).")
    ] = None,
    work_dir: Annotated[
        Path | None,
        typer.Option(help="Folder for the run's scratch DuckDB file and spill (default: OS temp)."),
    ] = None,
    in_memory: Annotated[
        bool,
        typer.Option(
            "--in-memory", help="Keep the run's DuckDB in RAM (small exports; no scratch file)."
        ),
    ] = False,
    spark_master: Annotated[
        str,
        typer.Option(
            envvar="MERCWATCH_SPARK_MASTER",
            help="Spark master for --engine spark: local[N], spark://HOST:7077, yarn, "
            "k8s://..., or Spark Connect sc://HOST:15002 (docs/spark.md).",
        ),
    ] = "local[2]",
    spark_conf: Annotated[
        list[str],
        typer.Option("--spark-conf", help="Spark setting KEY=VALUE (--engine spark); repeatable."),
    ] = [],  # noqa: B006
    state: StateOpt = None,
    policy: PolicyOpt = None,
    dry_run: DryRunOpt = False,
    only: Annotated[
        list[str], typer.Option("--only", help="Run only this detector id; repeatable.")
    ] = [],  # noqa: B006
    skip: Annotated[
        list[str], typer.Option("--skip", help="Skip this detector id; repeatable.")
    ] = [],  # noqa: B006
    param: Annotated[
        list[str], typer.Option("--param", help="Detector tunable DETECTOR_ID.NAME=VALUE.")
    ] = [],  # noqa: B006
    ingest_limit: Annotated[
        list[str],
        typer.Option(
            "--ingest-limit",
            help="Input bound NAME=VALUE, e.g. max_line_bytes=4MB, latest=2030-01-01; "
            "repeatable (docs/security/ingest.md).",
        ),
    ] = [],  # noqa: B006
    allow_failed_detectors: Annotated[
        bool,
        typer.Option(
            "--allow-failed-detectors",
            help="Publish a partial run when detectors fail (default: exit 1, publish nothing).",
        ),
    ] = False,
    allow_shrink: Annotated[
        bool,
        typer.Option(
            "--allow-shrink",
            help="Publish and revoke even if the export is much smaller than the last one "
            "into OUT (default: exit 1, publish nothing).",
        ),
    ] = False,
    shrink_ratio: Annotated[
        float,
        typer.Option(
            help="A table with fewer than this share of its rows in the last run into OUT "
            "counts as shrunk; an empty one always does."
        ),
    ] = DEFAULT_SHRINK_RATIO,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Validate every part file again (default: only parts added since the "
            "last run into OUT).",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Detect operations in EXPORT and write operations, enforcement, notifications,
    indicators, report and rejects to OUT.

    Exit codes: 0 published; 1 the run failed or was refused (failed detectors, a
    shrunken export, OUT locked or not writable), nothing new published; 2 usage or
    configuration error."""
    config = RunConfig(
        export=export,
        out=out,
        intel=tuple(intel),
        state_url=state,
        policy=policy,
        dry_run=dry_run,
        engine=EngineConfig(
            kind=engine,
            memory_limit=memory_limit,
            in_memory=in_memory,
            work_dir=work_dir,
            spark_master=spark_master,
            spark_conf=parse_spark_conf(spark_conf),
        ),
        only_detectors=frozenset(only),
        skip_detectors=frozenset(skip),
        detector_params=_parse_params(param),
        ingest_limits=IngestLimits().with_options(ingest_limit),
        allow_failed_detectors=allow_failed_detectors,
        allow_shrink=allow_shrink,
        shrink_ratio=shrink_ratio,
        full_ingest=full,
    )
    if as_json:  # no progress bar: stdout carries the JSON only
        echo_json(run_json(run_pipeline(config)))
        return
    with stage_progress("mercwatch run", console=console) as progress:
        result = run_pipeline(config, progress)
    print_run(result)


def run_json(result: RunResult) -> dict[str, object]:
    """``run --json``: the summary written to summary.json and where the outputs are."""
    return {"out": str(result.config.out), "summary": result.summary()}


def print_run(result: RunResult) -> None:
    """The run summary as a table, then where the files are."""
    s = result.summary()
    title = "mercwatch run" if result.complete else "mercwatch run: PARTIAL (detectors failed)"
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column("what", style="bold")
    table.add_column("count", justify="right")
    rows = [
        ("rows read", s["rows_read"]),
        ("rows rejected", s["rows_rejected"]),
        ("detectors run", f"{s['detectors_run']} ({len(s['detectors_failed'])} failed)"),
        ("signals", s["signals"]),
        ("operations found", s["operations"]),
        ("accounts in operations", s["accounts_in_operations"]),
        ("enforcement actions", s["actions"]),
        ("people to warn", s["notifications"]),
        ("indicators shared", s["indicators"]),
    ]
    for name, value in rows:
        table.add_row(name, str(value))
    console.print(table)
    if result.operations:
        console.print(_operations_table(result))
    for failed in result.detection.failed:
        console.print(
            f"[bold red]detector {failed.detector} failed:[/bold red] {escape(failed.error or '')}",
            markup=True,
            highlight=False,
        )
    for warning in result.ingest.warnings:
        console.print(f"[bold yellow]ingest:[/bold yellow] {escape(warning)}", highlight=False)
    for warning in result.warnings:
        console.print(f"[bold red]warning:[/bold red] {escape(warning)}", highlight=False)
    for gap in result.evidence_gaps:
        console.print(f"[yellow]not in this export:[/yellow] {escape(gap)}", highlight=False)
    times = ", ".join(f"{k} {v:.1f}s" for k, v in s["stage_seconds"].items())
    console.print(f"time: {times}")
    console.print(f"outputs: {result.config.out}")
    report = result.config.out / "report.html"
    if report.exists():
        console.print(f"report: {report}")


def _operations_table(result: RunResult, limit: int = 10) -> Table:
    """The strongest operations, one line each (user text shown literally, never as markup)."""
    table = Table(title="operations (strongest first)", title_justify="left")
    for column in (
        "operation",
        "conf.",
        "phases",
        "accounts",
        "warned",
        "domains",
        "attributed to",
    ):
        table.add_column(column, overflow="fold")
    warned: dict[str, int] = {}
    for n in result.notifications:
        warned[n.operation_id] = warned.get(n.operation_id, 0) + 1
    for op in result.operations[:limit]:
        table.add_row(
            op.operation_id,
            f"{op.confidence:.2f}",
            "+".join(p.value[:5] for p in op.phases),
            str(len(op.accounts)),
            str(warned.get(op.operation_id, 0)),
            Text(", ".join(op.infrastructure.domains[:3]) or "-"),
            Text(op.attribution.actor if op.attribution else "-"),
        )
    return table


def eval_command(
    out: Annotated[Path, typer.Argument(help="Output folder of a run.")],
    truth: Annotated[
        Path, typer.Option("--truth", help="truth.json written by mercwatch simulate.")
    ],
    as_json: JsonOpt = False,
) -> None:
    """Score a run against the simulator's ground truth."""
    result = evaluate(out, truth).to_dict()
    if as_json:
        echo_json(result)
        return
    table = Table(title="mercwatch eval", show_header=False, title_justify="left")
    for key, value in result.items():
        if key in ("operation_outcomes", "calibration"):
            continue  # per-operation detail: in --json, and pooled by the benches
        table.add_row(key.replace("_", " "), "n/a" if value is None else str(value))
    cal = result["calibration"]
    ece = cal["expected_calibration_error"] if cal else None
    table.add_row("expected calibration error", "n/a" if ece is None else str(ece))
    console.print(table)


def demo_command(
    out: Annotated[
        Path | None, typer.Option("--out", help="Where to keep the demo (default: a temp folder).")
    ] = None,
    users: Annotated[int, typer.Option(help="Simulated platform size.")] = 3000,
    seed: Annotated[int, typer.Option(help="Simulator seed.")] = 7,
    as_json: JsonOpt = False,
) -> None:
    """Simulate a small platform, run the whole pipeline on it and show what was found."""
    from mercwatch.sim import SimConfig, simulate

    base = out or Path(tempfile.mkdtemp(prefix="mercwatch-demo-"))
    export, results = base / "export", base / "out"
    if as_json:
        simulate(SimConfig(users=users, seed=seed), export)
        ran = run_pipeline(RunConfig(export=export, out=results))
        quality = evaluate(results, export / "truth.json")
        echo_json({**run_json(ran), "evaluation": quality.to_dict()})
        return
    with console.status(f"simulating a platform of {users} users (seed {seed}) ..."):
        simulate(SimConfig(users=users, seed=seed), export)
    with stage_progress("running the pipeline", console=console) as progress:
        result = run_pipeline(RunConfig(export=export, out=results), progress)
    print_run(result)
    quality = evaluate(results, export / "truth.json")
    console.print(
        f"against the simulator's truth: account precision {fmt(quality.account_precision)}, "
        f"recall {fmt(quality.account_recall)}; target recall {fmt(quality.target_recall)}; "
        f"operation purity {fmt(quality.operation_purity)}; benign accounts disabled "
        f"{quality.benign_accounts_disabled}"
    )


def watch_command(
    export: Annotated[Path, typer.Argument(help="Export folder whose tables grow by part files.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder kept current.")],
    interval: Annotated[float, typer.Option(help="Seconds between polls.")] = 10.0,
    settle: Annotated[
        float,
        typer.Option(help="A part whose mtime is this many seconds old counts as landed."),
    ] = 2.0,
    once: Annotated[
        bool, typer.Option("--once", help="Poll once, run if anything landed, exit.")
    ] = False,
    intel: IntelOpt = [],  # noqa: B006
    state: StateOpt = None,
    policy: PolicyOpt = None,
    dry_run: DryRunOpt = False,
    redis_url: Annotated[
        str | None,
        typer.Option(
            "--redis",
            envvar="MERCWATCH_REDIS_URL",
            help="Also land a Redis Stream's rows in EXPORT (redis://host:port/db); "
            "see docs/streaming.md.",
        ),
    ] = None,
    stream: Annotated[str, typer.Option(help="Redis stream key.")] = "mercwatch:events",
    group: Annotated[str, typer.Option(help="Redis consumer group.")] = "mercwatch",
    consumer: Annotated[
        str | None,
        typer.Option(
            help="This watcher's consumer name (default: watch-HOSTNAME; keep it "
            "stable across restarts so unacknowledged entries come back to it)."
        ),
    ] = None,
    batch_size: Annotated[
        int, typer.Option(min=1, help="Stream entries landed per batch at most.")
    ] = 10_000,
    as_json: JsonOpt = False,
) -> None:
    """Keep OUT current as part files land in EXPORT (e.g. events/part-0003.jsonl).

    Each poll runs the pipeline on the parts that finished landing, reading only the new
    ones; a part named with a leading dot or ending in .tmp is never read. Safe to stop
    and restart at any moment: nothing is enforced or warned twice.

    Exit codes (with --once, or when the watch stops): 0 ok; 1 a run failed or was
    refused; 2 usage or configuration error. Without --once, a failed batch is shown
    and retried at the next poll."""
    from mercwatch.errors import ConfigError, MercwatchError
    from mercwatch.pipeline.watch import Watcher

    config = RunConfig(
        export=export,
        out=out,
        intel=tuple(intel),
        state_url=state,
        policy=policy,
        dry_run=dry_run,
    )
    lander = _stream_lander(export, redis_url, stream, group, consumer, batch_size)
    # Parts a stream lands are renamed into place whole: no need to wait for them to settle.
    watcher = Watcher(config, settle=0.0 if lander is not None else settle)
    while True:
        try:
            if lander is not None:
                landed = lander.pull(block_ms=None if once else int(interval * 1000))
                _show_landed(landed, as_json)
            if as_json:
                batch = watcher.poll(None)
            else:
                with stage_progress(f"batch {watcher.batches + 1}", console=console) as progress:
                    batch = watcher.poll(progress)
        except ConfigError:
            raise
        except MercwatchError as exc:
            if once:
                raise
            if as_json:
                typer.echo(f"mercwatch: batch failed, retried next poll: {exc}", err=True)
            else:
                console.print(
                    f"[bold red]batch failed, retried next poll:[/bold red] {escape(str(exc))}"
                )
            batch = None
        if as_json:
            echo_json(dataclasses.asdict(batch) if batch is not None else {"up_to_date": True})
        else:
            _show_batch(batch, watcher)
        if once:
            return
        if lander is not None:
            continue  # the next pull waits up to --interval for new entries
        if not as_json and progress_wanted(console):
            with console.status(f"watching {export} (next poll in {interval:g}s) ..."):
                time.sleep(interval)
        else:
            time.sleep(interval)


def _stream_lander(
    export: Path,
    url: str | None,
    stream: str,
    group: str,
    consumer: str | None,
    batch_size: int,
) -> StreamLander | None:
    if url is None:
        return None
    import socket

    from mercwatch.ingest.redis_stream import StreamLander, connect

    export.mkdir(parents=True, exist_ok=True)
    return StreamLander(
        connect(url),
        export,
        stream=stream,
        group=group,
        consumer=consumer or f"watch-{socket.gethostname()}",
        batch_size=batch_size,
    )


def _show_landed(landed: Landed, as_json: bool = False) -> None:
    """One line per stream batch: entries read, parts written, rejects, backlog."""
    if as_json:
        if landed.read:
            echo_json({"stream": dataclasses.asdict(landed)})
        return
    if not landed.read or (
        not progress_wanted(console) and logging.getLogger().getEffectiveLevel() >= logging.ERROR
    ):
        return
    stamp = datetime.now(UTC).strftime("%H:%M:%S")
    console.print(
        f"{stamp} stream: {landed.read} entries, {len(landed.parts)} part(s) landed"
        + (f", {landed.skipped} already landed" if landed.skipped else "")
        + (f", {landed.rejected} rejected (.stream/rejects.jsonl)" if landed.rejected else "")
        + (f"; {landed.backlog} still waiting" if landed.backlog is not None else ""),
        highlight=False,
    )


def _show_batch(batch: object, watcher: object) -> None:
    """One line per poll: what landed, what it changed, how far behind OUT is."""
    from mercwatch.pipeline.watch import Batch

    if not progress_wanted(console) and logging.getLogger().getEffectiveLevel() >= logging.ERROR:
        return
    stamp = datetime.now(UTC).strftime("%H:%M:%S")
    if not isinstance(batch, Batch):
        console.print(f"{stamp} up to date: nothing new has landed", highlight=False)
        return
    lag = f"{batch.lag_seconds:.1f}s" if batch.lag_seconds is not None else "-"
    landed = ", ".join(batch.new_parts) or "no new parts"
    console.print(
        f"{stamp} batch {batch.number} ({batch.mode}): {escape(landed)}; "
        f"{batch.operations} operations, {batch.new_actions} new actions, "
        f"{batch.new_warnings} new warnings; took {batch.seconds:.1f}s, lag {lag}"
        + (f"; {len(batch.waiting)} part(s) still landing" if batch.waiting else ""),
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Attach ``run``, ``watch``, ``eval`` and ``demo`` to the main command."""
    app.command("run")(run_command)
    app.command("watch")(watch_command)
    app.command("eval")(eval_command)
    app.command("demo")(demo_command)
