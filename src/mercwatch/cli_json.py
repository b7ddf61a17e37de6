"""``--json``: the one switch every verb that prints results has, and how it prints.

Scripts and CI read verbs' results; a table or a sentence changes with terminal width
and wording. Under ``--json`` a verb writes JSON to stdout and nothing else (progress,
notes and errors go to stderr): one object for a single result, one object per line
(JSON Lines) for a list, so ``jq`` and line-by-line readers both work.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Annotated, Any

import typer

JsonOpt = Annotated[
    bool,
    typer.Option(
        "--json",
        help="Print JSON instead of text: one object, or one object per line for lists.",
    ),
]


def echo_json(data: Any) -> None:
    """One JSON document on one line of stdout (dates and paths as strings)."""
    typer.echo(json.dumps(data, ensure_ascii=False, default=str))


def echo_json_lines(items: Iterable[Any]) -> None:
    """One JSON object per line: the shape of every listing verb under ``--json``."""
    for item in items:
        echo_json(item)
