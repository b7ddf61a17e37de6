"""The tree stays lint-clean and formatted: `ruff check` and `ruff format --check`.

ruff comes with the dev extras (pyproject.toml), which the test setup installs, so
it is always there when the suite runs: a missing ruff is a failure, not a skip.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PATHS = ["src", "tests", "bench"]


def _ruff() -> list[str]:
    """The command that runs the ruff of this environment."""
    if importlib.util.find_spec("ruff") is not None:
        return [sys.executable, "-m", "ruff"]
    # No importable module: the binary next to this interpreter, else on PATH.
    beside = Path(sys.executable).with_name("ruff")
    found = str(beside) if beside.is_file() else shutil.which("ruff")
    if found is None:
        pytest.fail("ruff is not installed: install the dev extras (pip install -e '.[dev]')")
    return [found]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_ruff(), *args, "--no-cache", *PATHS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_ruff_check_is_clean() -> None:
    result = _run("check")
    assert result.returncode == 0, f"ruff check found problems:\n{result.stdout}{result.stderr}"


def test_ruff_format_is_clean() -> None:
    result = _run("format", "--check")
    assert result.returncode == 0, f"files need `ruff format`:\n{result.stdout}{result.stderr}"
