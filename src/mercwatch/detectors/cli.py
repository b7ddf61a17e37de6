"""Verb ``detectors``: list the detectors with phase, version and description."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from mercwatch.detectors.registry import all_detectors


def detectors_command(
    phase: Annotated[str | None, typer.Option(help="Only this phase.")] = None,
) -> None:
    """List the detectors (built-in and plugins) with their phase and description."""
    table = Table(title="mercwatch detectors", title_justify="left")
    for column in ("id", "phase", "version", "reads", "description"):
        table.add_column(column)
    for cls in all_detectors():
        if phase and cls.phase.value != phase:
            continue
        table.add_row(
            cls.id, cls.phase.value, str(cls.version), ", ".join(cls.reads), cls.description
        )
    Console(width=200).print(table)


def register(app: typer.Typer) -> None:
    """Attach ``detectors`` to the main command."""
    app.command("detectors")(detectors_command)
