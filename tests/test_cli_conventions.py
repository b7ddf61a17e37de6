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
