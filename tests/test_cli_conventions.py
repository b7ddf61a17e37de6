"""The command's conventions every verb shares: --version, -v/-q and exit codes."""

from __future__ import annotations

import logging

from typer.testing import CliRunner

from mercwatch import __version__
from mercwatch.cli import app


def test_version_prints_the_package_version_and_exits_0() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"mercwatch {__version__}"


def test_unknown_verb_is_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["no-such-verb"])
    assert result.exit_code == 2


def test_verbosity_flags_set_the_log_level() -> None:
    root = logging.getLogger()
    saved = root.level, list(root.handlers)
    try:
        for args, level in (
            (["-q"], logging.ERROR),
            (["-vv"], logging.DEBUG),
            ([], logging.WARNING),
        ):
            root.handlers.clear()
            result = CliRunner().invoke(app, [*args, "detectors", "--help"])
            assert result.exit_code == 0, result.output
            assert root.level == level, args
    finally:
        root.setLevel(saved[0])
        root.handlers[:] = saved[1]


def test_every_cli_module_registers_its_verbs_one_way() -> None:
    """One registration shape: each CLI module has ``register(app)`` and is listed once.

    ``cli.py`` used to mix ``app.command(...)``, ``add_typer`` and ``__import__`` calls;
    a CLI module left out of :data:`COMMAND_MODULES` would have no verbs at all.
    """
    import importlib
    from pathlib import Path

    import typer

    import mercwatch
    from mercwatch.cli import COMMAND_MODULES

    package = Path(mercwatch.__file__).parent
    found = {
        ".".join(("mercwatch", *path.relative_to(package).with_suffix("").parts))
        for path in package.rglob("*.py")
        if path.name == "cli.py" or path.name.endswith("_cli.py")
    } - {"mercwatch.cli"}  # the command itself
    assert found == set(COMMAND_MODULES)
    assert len(COMMAND_MODULES) == len(set(COMMAND_MODULES))
    rebuilt = typer.Typer()
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(rebuilt)
    registered = {c.name for c in rebuilt.registered_commands}
    registered |= {g.name for g in rebuilt.registered_groups}
    main = {c.name for c in app.registered_commands} | {g.name for g in app.registered_groups}
    assert registered == main  # nothing is attached to the app any other way
