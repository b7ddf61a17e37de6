"""The score helpers every detector builds on: right values, and SQL that stays small."""

from __future__ import annotations

import math

import ibis
import pytest

from mercwatch.detectors.base import clamp01, saturating


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
