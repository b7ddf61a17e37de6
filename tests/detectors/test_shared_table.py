"""``@shared_table``: a derived table is built once per run and per argument values."""

from __future__ import annotations

import ast
from pathlib import Path

import ibis
import ibis.expr.types as ir

import mercwatch.detectors
from mercwatch.detectors.base import DetectionContext, shared_table
from mercwatch.store.engine import connect

BUILT: list[tuple[str, int]] = []


@shared_table("test_numbers")
def numbers(ctx: DetectionContext, upto: int = 3) -> ir.Table:
    """Columns ``n``: 0 .. upto-1."""
    BUILT.append(("numbers", upto))
    return ibis.memtable({"n": list(range(upto))})


def test_built_once_per_run_and_per_argument_values():
    BUILT.clear()
    ctx = DetectionContext(connect())
    assert ctx.con.execute(numbers(ctx)).n.tolist() == [0, 1, 2]
    assert ctx.con.execute(numbers(ctx, upto=3)).n.tolist() == [0, 1, 2]
    assert ctx.con.execute(numbers(ctx, 2)).n.tolist() == [0, 1]
    assert ctx.con.execute(numbers(ctx, 2)).n.tolist() == [0, 1]
    # Default and explicit 3 are the same table; 2 is another one.
    assert BUILT == [("numbers", 3), ("numbers", 2)]
    for name, rows in (("_mw_test_numbers_3", 3), ("_mw_test_numbers_2", 2)):
        assert ctx.con.table(name).count().execute() == rows


def test_a_new_run_builds_again():
    BUILT.clear()
    numbers(DetectionContext(connect()))
    numbers(DetectionContext(connect()))
    assert BUILT == [("numbers", 3), ("numbers", 3)]


def test_the_decorated_function_keeps_its_name_and_docstring():
    assert numbers.__name__ == "numbers"
    assert numbers.__doc__ == "Columns ``n``: 0 .. upto-1."


def _only_returns_ctx_shared(node: ast.FunctionDef) -> bool:
    body = node.body[1:] if ast.get_docstring(node) is not None else node.body
    return (
        len(body) == 1
        and isinstance(body[0], ast.Return)
        and isinstance(body[0].value, ast.Call)
        and isinstance(body[0].value.func, ast.Attribute)
        and body[0].value.func.attr == "shared"
    )


def test_no_builder_and_wrapper_pairs_are_left():
    """Issue 12: a function whose only job is ``return ctx.shared(name, builder)`` is the
    boilerplate ``@shared_table`` replaces; a new one fails here."""
    root = Path(mercwatch.detectors.__file__).parent
    pairs = [
        f"{path.relative_to(root)}:{node.name}"
        for path in sorted(root.rglob("*.py"))
        for node in ast.parse(path.read_text("utf-8")).body
        if isinstance(node, ast.FunctionDef) and _only_returns_ctx_shared(node)
    ]
    assert pairs == []
