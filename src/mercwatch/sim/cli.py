"""``mercwatch simulate``: write a simulated platform export with ground truth."""

from __future__ import annotations

from pathlib import Path

import typer

from mercwatch.sim.config import ExportFormat, SimConfig
from mercwatch.sim.core import simulate


def simulate_command(
    out: Path = typer.Option(..., "--out", help="Export folder to write."),
    users: int = typer.Option(..., "--users", help="Number of accounts."),
    seed: int = typer.Option(0, "--seed", help="Random seed; same seed and options, same bytes."),
    format: ExportFormat = typer.Option(ExportFormat.PARQUET, "--format", help="Table format."),
    days: int = typer.Option(30, "--days", help="Days of activity from 2021-09-01."),
    bad_rows: int = typer.Option(0, "--bad-rows", help="Contract-breaking event rows to inject."),
) -> None:
    """Simulate a platform export (SCHEMA.md) with operations and truth.json."""
    config = SimConfig(users=users, seed=seed, format=format, days=days, bad_rows=bad_rows)
    result = simulate(config, out)
    ops = ", ".join(f"{o.operation_id} {o.actor} ({'/'.join(p.value[:5] for p in o.phases)})"
                    for o in result.operations)
    typer.echo(f"wrote {result.accounts} accounts, {result.friendships} friendships, "
               f"{result.events} events ({len(result.bad_rows)} bad rows) to {out}")
    typer.echo(f"{len(result.operations)} operations: {ops}")
