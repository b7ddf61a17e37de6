"""``mercwatch report OUT_DIR``: re-render a run folder's threat report from its JSON files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mercwatch.intel.report.render import write_report


def register(app: typer.Typer) -> None:
    """Attach ``mercwatch report`` to the main command."""
    app.command("report")(report_command)


def report_command(
    out_dir: Annotated[
        Path,
        typer.Argument(
            help="A `mercwatch run` output folder (operations.json, optional summary.json).",
            exists=True,
            file_okay=False,
            dir_okay=True,
        ),
    ],
) -> None:
    """Re-render OUT_DIR/report.html and OUT_DIR/report.md from OUT_DIR/operations.json."""
    html_path, md_path = write_report(out_dir)
    typer.echo(str(html_path))
    typer.echo(str(md_path))
