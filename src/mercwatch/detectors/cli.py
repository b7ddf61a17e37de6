"""Verb ``detectors``: list the detectors with phase, version and description."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from mercwatch.cli_json import JsonOpt, echo_json_lines
from mercwatch.detectors.registry import all_detectors
from mercwatch.model import Phase
from mercwatch.suggest import unknown_name


def detectors_command(
    phase: Annotated[str | None, typer.Option(help="Only this phase.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List the detectors (built-in and plugins) with their phase and description."""
    phases = [p.value for p in Phase]
    if phase is not None and phase not in phases:
        raise unknown_name("phase", phase, phases)
    chosen = [cls for cls in all_detectors() if phase is None or cls.phase.value == phase]
    if as_json:
        echo_json_lines(
            {
                "id": cls.id,
                "phase": cls.phase.value,
                "version": cls.version,
                "reads": list(cls.reads),
                "description": cls.description,
                "defaults": dict(cls.defaults),
            }
            for cls in chosen
        )
        return
    table = Table(title="mercwatch detectors", title_justify="left")
    for column in ("id", "phase", "version", "reads", "description"):
        table.add_column(column)
    for cls in chosen:
        table.add_row(
            cls.id, cls.phase.value, str(cls.version), ", ".join(cls.reads), cls.description
        )
    Console(width=200).print(table)


def register(app: typer.Typer) -> None:
    """Attach ``detectors`` to the main command."""
    app.command("detectors")(detectors_command)
