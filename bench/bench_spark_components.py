"""Connected components of a large edge table: engine (DuckDB, local Spark) vs scipy.

Times :func:`mercwatch.link.spark_components.label_components` (large-star/small-star in
Ibis) on DuckDB and on a local Spark session against ``scipy.sparse.csgraph`` on the
driver, on one random graph, and checks all three give the same labels. Prints the
markdown row recorded in docs/benchmarks.md ("Connected components on the engine").

    PYTHONPATH=src python bench/bench_spark_components.py --edges 1000000 --nodes 1000000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from mercwatch.link.spark_components import label_components
from mercwatch.store.engine import EngineConfig, connect, release


def random_edges(edges: int, nodes: int, seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    pairs = rng.integers(0, nodes, size=(edges, 2), dtype=np.int64)
    return pa.table({"src": pairs[:, 0], "dst": pairs[:, 1]})


def scipy_labels(table: pa.Table) -> tuple[float, np.ndarray, np.ndarray]:
    """(seconds, nodes, smallest node of each node's component) with scipy."""
    start = time.perf_counter()
    src = table["src"].to_numpy()
    dst = table["dst"].to_numpy()
    nodes, inverse = np.unique(np.concatenate([src, dst]), return_inverse=True)
    n = len(nodes)
    matrix = coo_matrix((np.ones(len(src)), (inverse[: len(src)], inverse[len(src) :])), (n, n))
    _, labels = connected_components(matrix, directed=False)
    smallest = np.full(labels.max() + 1, np.iinfo(np.int64).max)
    np.minimum.at(smallest, labels, nodes)
    return time.perf_counter() - start, nodes, smallest[labels]


def engine_labels(con: ibis.BaseBackend, path: Path) -> tuple[float, float, pa.Table]:
    """(load seconds, components seconds, labels sorted by node) on ``con``."""
    start = time.perf_counter()
    edges = con.read_parquet(path.as_posix(), table_name="bench_edges")
    edges.count().execute()
    loaded = time.perf_counter()
    labels = label_components(con, edges, into="bench_labels")
    done = time.perf_counter()
    result = labels.to_pyarrow().sort_by("node")
    return loaded - start, done - loaded, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", type=int, default=1_000_000)
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--spark-master", default="local[2]")
    parser.add_argument("--skip-spark", action="store_true")
    args = parser.parse_args()
    table = random_edges(args.edges, args.nodes, args.seed)
    work = Path(tempfile.mkdtemp(prefix="bench-cc-"))
    path = work / "edges.parquet"
    pq.write_table(table, path)

    scipy_s, nodes, smallest = scipy_labels(table)
    print(f"scipy: {scipy_s:.2f} s, {len(nodes)} nodes, {len(np.unique(smallest))} components")
    rows = [("scipy.sparse.csgraph (driver)", 0.0, scipy_s, True)]
    engines = [("DuckDB (Ibis)", EngineConfig())]
    if not args.skip_spark:
        engines.append(
            (
                f"Spark {args.spark_master} (Ibis)",
                EngineConfig("spark", spark_master=args.spark_master),
            )
        )
    for name, config in engines:
        con = connect(config)
        try:
            load_s, cc_s, labels = engine_labels(con, path)
        finally:
            release(con)
        same = np.array_equal(labels["node"].to_numpy(), nodes) and np.array_equal(
            labels["component"].to_numpy(), smallest
        )
        print(f"{name}: load {load_s:.2f} s, components {cc_s:.2f} s, same as scipy: {same}")
        rows.append((name, load_s, cc_s, same))

    print(f"\n{args.edges:,} edges over {len(nodes):,} nodes (seed {args.seed})\n")
    print("| engine | load s | components s | ratio to scipy | same labels |")
    print("|---|---|---|---|---|")
    for name, load_s, cc_s, same in rows:
        print(f"| {name} | {load_s:.2f} | {cc_s:.2f} | {cc_s / scipy_s:.0f}x | {same} |")


if __name__ == "__main__":
    main()
