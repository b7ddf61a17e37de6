"""Verb ``mercwatch altsim``: write an export from the independent second generator."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mercwatch.altsim import AltSimConfig, Variant, simulate_alt
from mercwatch.cli_json import JsonOpt, echo_json


def altsim_command(
    out: Annotated[Path, typer.Option("--out", help="Export folder to write.")],
    users: Annotated[int, typer.Option(help="Number of benign accounts (>= 200).")],
    seed: Annotated[int, typer.Option(help="Same seed and options, same bytes.")] = 0,
    variant: Annotated[
        Variant, typer.Option(help="Adversarial variant (see docs/benchmarks.md).")
    ] = Variant.BASELINE,
    days: Annotated[int, typer.Option(help="Days of activity from 2021-10-04.")] = 30,
    fmt: Annotated[str, typer.Option("--format", help="jsonl, csv or parquet.")] = "jsonl",
    as_json: JsonOpt = False,
) -> None:
    """Simulate a platform with the independent generator (altsim): a contract export
    (JSON Lines, CSV or Parquet) and truth.json, with named benign crowds and
    adversarial variants."""
    if days < 7:
        raise typer.BadParameter("--days must be at least 7")
    config = AltSimConfig(users=users, seed=seed, days=days, variant=variant)
    counts = simulate_alt(config, out, fmt)
    if as_json:
        echo_json({"out": str(out), "seed": seed, "variant": variant.value, **counts})
        return
    typer.echo(
        f"wrote {out}: {counts['accounts']} accounts, {counts['friendships']} friendships, "
        f"{counts['events']} events (altsim seed {seed}, variant {variant.value})"
    )


def register(app: typer.Typer) -> None:
    """Attach ``altsim`` (the independent second generator) to the main command."""
    app.command("altsim")(altsim_command)
