"""``mercwatch links score FILE``: score each line's URL or domain, one JSON per line.

Thin adapter over :class:`~mercwatch.linkscore.scorer.LinkScorer`: output order and
count follow the input exactly (blank and unparsable lines give verdict "invalid"),
so the output can be pasted next to the input.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, TextIO

import typer

from mercwatch.errors import InputError
from mercwatch.linkscore.scorer import LinkScorer

app = typer.Typer(
    name="links",
    help="Score URLs and domains for impersonation and lure (offline).",
    no_args_is_help=True,
    add_completion=False,
)


def _lines(handle: TextIO) -> Iterator[str]:
    for line in handle:
        yield line.rstrip("\r\n")


def _open(path: str) -> TextIO:
    if path == "-":
        return sys.stdin
    try:
        return Path(path).open(encoding="utf-8", errors="replace", newline="")
    except OSError as exc:
        raise InputError(path, exc.strerror or "cannot be read") from exc


def _known_bad(path: Path | None) -> frozenset[str]:
    if path is None:
        return frozenset()
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError(str(path), exc.strerror or "cannot be read") from exc
    return frozenset(ln.strip() for ln in text.splitlines() if ln.strip())


@app.command("score")
def score(
    file: Annotated[str, typer.Argument(help="One URL or domain per line; '-' for stdin.")],
    known_bad: Annotated[
        Path | None,
        typer.Option("--known-bad", help="File of known-bad domains/URLs (one a line)."),
    ] = None,
) -> None:
    """Write {"value","score","verdict","reasons"} per input line, in input order."""
    scorer = LinkScorer(known_bad=_known_bad(known_bad))
    handle = _open(file)
    try:
        for line in _lines(handle):
            typer.echo(json.dumps(scorer.score(line).to_dict(), ensure_ascii=False))
    finally:
        if handle is not sys.stdin:
            handle.close()


def register(main: typer.Typer) -> None:
    """Attach ``links score`` to the main command."""
    main.add_typer(app, name="links")
