"""``mercwatch simulate``: write a simulated platform export with ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mercwatch.cli_json import JsonOpt, echo_json
from mercwatch.sim.config import ExportFormat, SimConfig


def simulate_command(
    out: Annotated[Path, typer.Option("--out", help="Export folder to write.")],
    users: Annotated[int, typer.Option("--users", help="Number of accounts.")],
    seed: Annotated[int, typer.Option("--seed", help="Same seed and options, same bytes.")] = 0,
    format: Annotated[ExportFormat, typer.Option("--format", help="Table format.")] = (
        ExportFormat.PARQUET
    ),
    days: Annotated[int, typer.Option("--days", help="Days of activity from 2021-09-01.")] = 30,
    bad_rows: Annotated[
        int, typer.Option("--bad-rows", help="Contract-breaking event rows to inject.")
    ] = 0,
    as_json: JsonOpt = False,
) -> None:
    """Simulate a platform export (SCHEMA.md) with operations and truth.json."""
    from mercwatch.pipeline.progress import counted_progress
    from mercwatch.sim.core import simulate  # heavy imports only when the verb runs

    config = SimConfig(users=users, seed=seed, format=format, days=days, bad_rows=bad_rows)
    if as_json:  # no progress bar: stdout carries the JSON only
        result = simulate(config, out, None)
        echo_json(
            {
                "out": str(out),
                "accounts": result.accounts,
                "friendships": result.friendships,
                "events": result.events,
                "bad_rows": len(result.bad_rows),
                "operations": [
                    {
                        "operation_id": o.operation_id,
                        "actor": o.actor,
                        "phases": [p.value for p in o.phases],
                    }
                    for o in result.operations
                ],
            }
        )
        return
    with counted_progress(f"simulating {users:,} users") as progress:
        result = simulate(config, out, progress)
    ops = ", ".join(
        f"{o.operation_id} {o.actor} ({'/'.join(p.value[:5] for p in o.phases)})"
        for o in result.operations
    )
    typer.echo(
        f"wrote {result.accounts} accounts, {result.friendships} friendships, "
        f"{result.events} events ({len(result.bad_rows)} bad rows) to {out}"
    )
    typer.echo(f"{len(result.operations)} operations: {ops}")


def register(app: typer.Typer) -> None:
    """Attach ``simulate`` to the main command."""
    app.command("simulate")(simulate_command)
