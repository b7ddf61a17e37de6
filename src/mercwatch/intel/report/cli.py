"""``mercwatch report OUT_DIR``: re-render a run folder's threat report from its JSON files."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from mercwatch.cli_json import JsonOpt, echo_json
from mercwatch.intel.report.pdf import html_to_pdf
from mercwatch.intel.report.public import DEFAULT_K_FLOOR
from mercwatch.intel.report.render import report_paths, write_report


class Edition(StrEnum):
    internal = "internal"
    public = "public"


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
    edition: Annotated[
        Edition,
        typer.Option(
            help="internal (TLP:AMBER, report.*) for analysts, or public "
            "(TLP:CLEAR, report.public.*): actor profiles, aggregates, defanged indicators."
        ),
    ] = Edition.internal,
    k_floor: Annotated[
        int,
        typer.Option(
            "--k-floor",
            min=1,
            help="Public edition: counts of people and countries below this are withheld.",
        ),
    ] = DEFAULT_K_FLOOR,
    pdf: Annotated[
        bool, typer.Option("--pdf", help="Also print the HTML to PDF with headless Chromium.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Re-render OUT_DIR's threat report (one edition) from OUT_DIR/operations.json."""
    html_path, md_path = write_report(out_dir, edition=edition.value, floor=k_floor)
    pdf_path = html_to_pdf(html_path, report_paths(out_dir, edition.value)[2]) if pdf else None
    if as_json:
        paths = {"html": html_path, "md": md_path, "pdf": pdf_path}
        echo_json({k: str(v) if v is not None else None for k, v in paths.items()})
        return
    typer.echo(str(html_path))
    typer.echo(str(md_path))
    if pdf_path is not None:
        typer.echo(str(pdf_path))
