"""Connected components in the engine (large-star / small-star) agree with scipy.

Always on DuckDB through Ibis; again on a local Spark session when PySpark and Java are
present (marked ``spark`` like the other Spark tests).
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator

import ibis
import numpy as np
import pyarrow as pa
import pytest
from _helpers.spark import SPARK, local_spark
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from mercwatch.errors import EngineError, InputError
from mercwatch.link.spark_components import label_components


@pytest.fixture(scope="module")
def spark() -> Iterator[ibis.BaseBackend]:
    yield from local_spark()


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=SPARK)])
def con(request) -> ibis.BaseBackend:
    if request.param == "spark":
        return request.getfixturevalue("spark")
    return ibis.duckdb.connect()


def expected(edges: list[tuple[int, int]]) -> dict[int, int]:
    """scipy's components, each labelled by its smallest node (nodes seen in edges only)."""
    nodes = sorted({n for edge in edges for n in edge})
    index = {n: i for i, n in enumerate(nodes)}
    rows = [index[a] for a, _ in edges]
    cols = [index[b] for _, b in edges]
    matrix = coo_matrix((np.ones(len(edges)), (rows, cols)), shape=(len(nodes), len(nodes)))
    _, labels = connected_components(matrix, directed=False)
    smallest: dict[int, int] = {}
    for n in nodes:
        smallest.setdefault(int(labels[index[n]]), n)
    return {n: smallest[int(labels[index[n]])] for n in nodes}


def components(con: ibis.BaseBackend, edges: list[tuple], **kw) -> dict:
    table = ibis.memtable(
        pa.table({"src": [a for a, _ in edges], "dst": [b for _, b in edges]}),
    )
    rows = label_components(con, table, into="cc_labels", **kw).to_pyarrow().to_pylist()
    assert len(rows) == len({r["node"] for r in rows}), "one row per node"
    return {r["node"]: r["component"] for r in rows}


def path(n: int) -> list[tuple[int, int]]:
    return [(i, i + 1) for i in range(n - 1)]


SHAPES = {
    # a path numbered against the algorithm's grain: the largest id at one end
    "path": path(40),
    "reversed path": [(39 - a, 39 - b) for a, b in path(40)],
    "star": [(17, i) for i in range(40) if i != 17],
    "cycle": [*path(30), (29, 0)],
    "two islands and a loop": [(5, 9), (9, 7), (100, 101), (55, 55)],
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_shapes_match_scipy(con, shape):
    edges = SHAPES[shape]
    assert components(con, edges) == expected(edges)


@settings(
    derandomize=True,
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), min_size=1, max_size=60))
def test_random_graphs_match_scipy_on_duckdb(edges):
    assert components(ibis.duckdb.connect(), edges) == expected(edges)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.spark
@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("pyspark") is None, reason="no pyspark")
@pytest.mark.skipif(shutil.which("java") is None, reason="no Java runtime for Spark")
def test_random_graphs_match_scipy_on_spark(spark, seed):
    rng = np.random.default_rng(seed)
    edges = [(int(a), int(b)) for a, b in rng.integers(0, 80, size=(70, 2))]
    assert components(spark, edges) == expected(edges)


def test_string_ids_label_by_smallest_string():
    edges = [("acct-b", "acct-c"), ("acct-c", "acct-a"), ("z", "y")]
    assert components(ibis.duckdb.connect(), edges) == {
        "acct-a": "acct-a",
        "acct-b": "acct-a",
        "acct-c": "acct-a",
        "y": "y",
        "z": "y",
    }


def test_a_long_path_with_too_few_rounds_is_a_clear_error():
    with pytest.raises(EngineError, match="did not converge in 1 "):
        components(ibis.duckdb.connect(), path(64), max_rounds=1)


def test_a_missing_endpoint_is_refused_not_dropped():
    with pytest.raises(InputError, match="1 edge"):
        components(ibis.duckdb.connect(), [("a", "b"), ("c", None)])


def test_scratch_tables_are_dropped():
    con = ibis.duckdb.connect()
    components(con, path(10))
    names = [row[0] for row in con.con.execute("show tables").fetchall()]
    assert not [n for n in names if n.startswith("_mw_cc_")]
