"""Every verb of the ``mercwatch`` command, found by walking its Click tree.

Tests that state a convention for *every* verb (the ``--state`` option, ``--json``)
walk this list instead of naming verbs, so a verb added later is checked too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import typer

from mercwatch.cli import app


def verbs() -> Iterator[tuple[str, Any]]:
    """``("review list", command)`` for every leaf command, sorted by name."""
    root = typer.main.get_command(app)
    ctx = root.make_context("mercwatch", [], resilient_parsing=True)

    def walk(cmd: Any, path: tuple[str, ...]) -> Iterator[tuple[str, Any]]:
        if hasattr(cmd, "list_commands"):
            for name in cmd.list_commands(ctx):
                yield from walk(cmd.get_command(ctx, name), (*path, name))
        else:
            yield " ".join(path), cmd

    yield from sorted(walk(root, ()), key=lambda item: item[0])


def options(command: Any) -> set[str]:
    """Every option string the command accepts (``--state``, ``--state-url``, ...)."""
    return {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
