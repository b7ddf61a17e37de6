"""The score helpers every detector builds on (detectors/scoring.py): right values, small SQL."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import ibis
import pytest

import mercwatch.detectors
from mercwatch.detectors.scoring import clamp01, noisy_or, saturating


@pytest.fixture()
def con():
    return ibis.duckdb.connect()


def test_clamp01_clips_into_unit_range_and_reads_missing_as_no_evidence(con):
    t = ibis.memtable({"x": [-2.0, 0.0, 0.25, 1.0, 7.5, None]})
    got = con.execute(t.select(y=clamp01(t.x)))["y"].tolist()
    assert got == [0.0, 0.0, 0.25, 1.0, 1.0, 0.0]


def test_clamp01_accepts_integers(con):
    t = ibis.memtable({"n": [-1, 0, 1, 3]})
    assert con.execute(t.select(y=clamp01(t.n)))["y"].tolist() == [0.0, 0.0, 1.0, 1.0]


def test_nested_clamps_name_their_argument_once():
    """Scores are clamps of sums of clamps; each level must name its argument once.

    Ibis' ``clip`` repeats its argument four times, so eight nested levels would
    compile to 4**8 copies of the innermost column.
    """
    t = ibis.table({"x": "float64"}, name="t")
    expr = t.x
    for _ in range(8):
        expr = clamp01(expr * 0.9 + 0.05)
    sql = ibis.to_sql(t.select(y=expr), dialect="duckdb")
    assert sql.count('"x"') == 1
    assert sql.upper().count("GREATEST") == 8


def test_saturating_is_half_at_half(con):
    t = ibis.memtable({"n": [0, 2, 6]})
    got = con.execute(t.select(y=saturating(t.n, 2.0)))["y"].tolist()
    assert [round(v, 6) for v in got] == [0.0, 0.5, 0.75]
    assert not any(math.isnan(v) for v in got)


def test_noisy_or_combines_weighted_evidence(con):
    t = ibis.memtable({"a": [0.0, 0.5, 1.0, None, 3.0], "b": [0.0, 0.5, 0.0, 0.5, -1.0]})
    got = con.execute(t.select(y=noisy_or([(t.a, 1.0), (t.b, 0.5)])))["y"].tolist()
    # 1 - (1 - a)(1 - b/2), with a and b clipped into 0..1 and a missing one read as 0
    assert [round(v, 9) for v in got] == [0.0, 0.625, 1.0, 0.25, 1.0]


def test_noisy_or_at_full_weight_is_the_plain_probability_of_any(con):
    """Weight 1.0 is the unweighted form the recon detectors used: 1 - Π(1 - xᵢ)."""
    xs = {"a": [0.1, 0.7, 0.25], "b": [0.2, 0.0, 0.5], "c": [0.3, 0.9, 1.0]}
    t = ibis.memtable(xs)
    got = con.execute(t.select(y=noisy_or([(t.a, 1.0), (t.b, 1.0), (t.c, 1.0)])))["y"].tolist()
    want = [1 - (1 - a) * (1 - b) * (1 - c) for a, b, c in zip(*xs.values(), strict=True)]
    assert got == pytest.approx(want, abs=1e-12)


def test_score_helpers_are_defined_once_in_scoring_py():
    """Issue 12: three homes with two ``noisy_or`` had drifted; a second copy fails here."""
    root = Path(mercwatch.detectors.__file__).parent
    names = {"clamp01", "saturating", "noisy_or", "shrunk_lift", "excess", "fmt", "fmt_pct"}
    found = [
        f"{path.relative_to(root)}:{node.name}"
        for path in sorted(root.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text("utf-8")))
        if isinstance(node, ast.FunctionDef) and node.name in names | {"fmt_num"}
    ]
    assert sorted(found) == sorted(f"scoring.py:{n}" for n in names)
