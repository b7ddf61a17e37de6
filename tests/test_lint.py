"""The tree stays lint-clean, formatted and type-checked: `ruff check`, `ruff format --check`
and `mypy` (configured by ``[tool.mypy]`` in pyproject.toml: it checks ``src``).

ruff comes with the dev extras (pyproject.toml), which the test setup installs, so
it is always there when the suite runs: a missing ruff is a failure, not a skip.
mypy is a dev extra too; its test is skipped only where mypy is not installed.
"""

from __future__ import annotations

import ast
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


def test_mypy_is_clean(tmp_path: Path) -> None:
    """`python -m mypy` with no arguments: the files and strictness are the project's config,
    so this checks exactly what a developer's `python -m mypy` checks."""
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed (dev extras)")
    result = subprocess.run(
        # A fresh cache: no stale result from another tree, nothing written into this one.
        [sys.executable, "-m", "mypy", "--config-file", "pyproject.toml"]
        + ["--cache-dir", str(tmp_path / "mypy-cache")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"mypy found problems:\n{result.stdout}{result.stderr}"


def _sys_path_uses(tree: ast.AST) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr == "path"
        and isinstance(node.value, ast.Name)
        and node.value.id == "sys"
    ]


def _conftest_imports(tree: ast.AST) -> list[int]:
    def names(node: ast.AST) -> list[str]:
        if isinstance(node, ast.ImportFrom):
            return [node.module or ""]
        return [a.name for a in node.names] if isinstance(node, ast.Import) else []

    return [
        node.lineno
        for node in ast.walk(tree)
        if any(n.split(".")[-1] == "conftest" for n in names(node))
    ]


def test_tests_import_helpers_from_modules_not_conftest_and_never_edit_sys_path() -> None:
    """Issue 12: helpers live in importable modules (tests/_helpers, tests/_db.py ...) on
    pyproject's pytest ``pythonpath``; a conftest that edits ``sys.path`` or a test that
    imports from a conftest makes what a test sees depend on which folder ran first."""
    found = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        name = path.relative_to(ROOT)
        found += [f"{name}:{line}: sys.path" for line in _sys_path_uses(tree)]
        found += [f"{name}:{line}: imports from conftest" for line in _conftest_imports(tree)]
    assert found == []
