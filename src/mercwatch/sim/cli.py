"""``mercwatch simulate``: write a simulated platform export with ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

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
) -> None:
    """Simulate a platform export (SCHEMA.md) with operations and truth.json."""
    from mercwatch.pipeline.progress import counted_progress
    from mercwatch.sim.core import simulate  # heavy imports only when the verb runs

    config = SimConfig(users=users, seed=seed, format=format, days=days, bad_rows=bad_rows)
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
