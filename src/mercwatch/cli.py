"""The ``mercwatch`` command: thin verbs that build a config and call the library.

Each pipeline package owns its verbs in its own ``cli.py`` and is registered in
:func:`_register_subcommands`, so adding a verb never touches another package.
Errors end the command with one line naming what was wrong, never a traceback, and
the error's exit code: 2 for usage or configuration, 1 for a run or check that failed
(``MercwatchError.exit_code``).
"""

from __future__ import annotations

import logging
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from mercwatch.errors import MercwatchError


class _Group(TyperGroup):
    """Turns a MercwatchError from any verb into one line on stderr and its exit code."""

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


def _register_subcommands() -> None:
    """Attach each package's verbs. One line per package; keep sorted."""
    from mercwatch.altsim.cli import altsim_command
    from mercwatch.detectors.cli import detectors_command
    from mercwatch.enforce.cli import register as register_enforce
    from mercwatch.notify.cli import register as register_notify
    from mercwatch.pipeline.cli import demo_command, eval_command, run_command, watch_command

    app.command("run")(run_command)
    app.command("watch")(watch_command)
    app.command("eval")(eval_command)
    app.command("demo")(demo_command)
    app.command("detectors")(detectors_command)
    register_enforce(app)  # review, appeal, audit
    __import__("mercwatch.store.cli", fromlist=["x"]).register(app)  # state migrate/grant/check
    __import__("mercwatch.enforce.platform_cli", fromlist=["x"]).register(app)  # deliver, lists
    app.add_typer(
        __import__("mercwatch.intel.cli", fromlist=["app"]).app, name="intel"
    )  # import, export
    app.command("altsim")(altsim_command)  # independent second generator (issue 11)
    app.command("simulate")(__import__("mercwatch.sim.cli", fromlist=["x"]).simulate_command)
    register_notify(app)  # outbox
    app.command("keygen")(__import__("mercwatch.auth.keys_cli", fromlist=["x"]).keygen_command)
    __import__("mercwatch.intel.taxii.cli", fromlist=["x"]).register(app)  # taxii serve/pull/...
    __import__("mercwatch.intel.report.cli", fromlist=["x"]).register(app)  # report OUT_DIR
    app.add_typer(
        __import__("mercwatch.linkscore.cli", fromlist=["app"]).app, name="links"
    )  # links score
    app.command("serve")(
        __import__("mercwatch.web.cli", fromlist=["x"]).serve_command
    )  # dashboard + API
    # (each package adds its line here)


_register_subcommands()


def main() -> None:
    """Console-script entry point: errors become one line on stderr and their exit code."""
    try:
        app()
    except MercwatchError as exc:
        typer.secho(f"mercwatch: {exc}", err=True, fg=typer.colors.RED)
        sys.exit(exc.exit_code)
