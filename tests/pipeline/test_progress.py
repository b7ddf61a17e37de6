"""Per-stage progress: drawn on a terminal, never under ``-q`` or into a pipe."""

from __future__ import annotations

import io
import logging

import pytest
from rich.console import Console

from mercwatch.pipeline.progress import RUN_STAGES, counted_progress, stage_progress


def _console(terminal: bool) -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, force_terminal=terminal, width=100), buffer


@pytest.fixture
def root_level():
    logger = logging.getLogger()
    before = logger.level
    yield logger
    logger.setLevel(before)


def test_stages_are_shown_on_a_terminal(root_level):
    root_level.setLevel(logging.WARNING)
    console, buffer = _console(terminal=True)
    with stage_progress("mercwatch run", console=console) as listener:
        assert listener is not None
        for stage in RUN_STAGES[:4]:
            listener(stage)
    with counted_progress("simulating", console=console) as update:
        assert update is not None
        update("events", 10, 30)
    assert "mercwatch run: detect" in buffer.getvalue()
    assert "simulating: events" in buffer.getvalue()


@pytest.mark.parametrize("terminal, level", [(False, logging.WARNING), (True, logging.ERROR)])
def test_no_progress_in_a_pipe_or_under_quiet(root_level, terminal: bool, level: int):
    root_level.setLevel(level)  # mercwatch -q sets the root logger to ERROR
    console, buffer = _console(terminal)
    with stage_progress("mercwatch run", console=console) as listener:
        assert listener is None
    with counted_progress("simulating", console=console) as update:
        assert update is None
    assert buffer.getvalue() == ""
