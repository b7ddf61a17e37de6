"""The ``mercwatch`` command: thin verbs that build a config and call the library.

Each package owns its verbs in its own CLI module, which exposes ``register(app)``;
:data:`COMMAND_MODULES` lists those modules, so adding a verb never touches another
package.
Errors end the command with one line naming what was wrong, never a traceback, and
the error's exit code: 2 for usage or configuration, 1 for a run or check that failed
(``MercwatchError.exit_code``).
"""

from __future__ import annotations

import logging
import sys
from importlib import import_module
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from mercwatch.errors import MercwatchError
from mercwatch.store.cli_options import canonical_state_args


class _Group(TyperGroup):
    """Turns a MercwatchError from any verb into one line on stderr and its exit code.

    It also reads the hidden alias ``--state-url`` as ``--state`` for every verb.
    """

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, canonical_state_args(args))

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except MercwatchError as exc:
            typer.secho(f"mercwatch: {exc}", err=True, fg=typer.colors.RED)
            raise typer.Exit(code=exc.exit_code) from exc


app = typer.Typer(
    cls=_Group,
    name="mercwatch",
    help="Find, stop and expose surveillance-for-hire operations on an online platform.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from mercwatch import __version__

        typer.echo(f"mercwatch {__version__}")
        raise typer.Exit()


@app.callback()
def _common(
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="More log lines (-vv: debug).")
    ] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Errors only.")] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Find, stop and expose surveillance-for-hire operations on an online platform.

    Exit codes: 0 ok; 1 a run or a check failed (failed detectors, a tampered audit log);
    2 a usage or configuration error.
    """
    level = (
        logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    )
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )


#: The packages that add verbs, each through ``register(app)`` in its CLI module: one
#: shape, so adding a package is one line here and never touches another package.
COMMAND_MODULES = (  # in the order `mercwatch --help` lists them
    "mercwatch.pipeline.cli",  # run, watch, eval, demo
    "mercwatch.detectors.cli",  # detectors
    "mercwatch.enforce.cli",  # review, appeal, audit
    "mercwatch.store.cli",  # state migrate/grant/check
    "mercwatch.enforce.platform_cli",  # enforcement deliver/status/blocklists
    "mercwatch.intel.cli",  # intel import/export
    "mercwatch.altsim.cli",  # altsim
    "mercwatch.sim.cli",  # simulate
    "mercwatch.notify.cli",  # outbox
    "mercwatch.auth.keys_cli",  # keygen
    "mercwatch.intel.taxii.cli",  # taxii serve/publish/pull/keygen
    "mercwatch.intel.report.cli",  # report
    "mercwatch.linkscore.cli",  # links score
    "mercwatch.web.cli",  # serve
)


def _register_subcommands() -> None:
    """Attach each package's verbs through its ``register(app)``."""
    for name in COMMAND_MODULES:
        import_module(name).register(app)


_register_subcommands()


def main() -> None:
    """Console-script entry point: errors become one line on stderr and their exit code."""
    try:
        app()
    except MercwatchError as exc:
        typer.secho(f"mercwatch: {exc}", err=True, fg=typer.colors.RED)
        sys.exit(exc.exit_code)
