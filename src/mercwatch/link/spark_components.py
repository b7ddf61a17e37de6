"""Connected components of an edge table held in the engine (DuckDB, Spark), in Ibis.

The account graph of a platform too large for one machine lives on the cluster; pulling
every edge to the driver only to label components would make the driver the bottleneck.
GraphFrames would do it on Spark but needs a JAR from Maven, which a closed cluster may
not reach, so this is the published large-star / small-star algorithm (Kiveris et al.
2014, "Connected Components in MapReduce and Beyond") written as Ibis expressions: the
same code runs on DuckDB (tested always) and on Spark.

Edges are kept as (child, parent) pairs with ``parent < child``. One round is:

- large-star: every node ``u`` links each *larger* neighbour to ``m(u)``, the smallest
  of ``u`` and its neighbours;
- small-star: every node ``u`` links itself and each *smaller* neighbour to ``m(u)``.

Both keep the components and shrink the distance to each component's smallest node.
The rounds stop when the pairs form a star forest (each child has exactly one parent,
no parent is a child): then every node's parent is its component's smallest node, which
is the label (deterministic whatever the engine's partitioning). Each round's pairs are
written to an engine table so plans stay one round deep; the number of rounds is bounded
(``O(log^2 n)`` in the paper; a handful in practice) and exceeding ``max_rounds`` is an
:class:`~mercwatch.errors.EngineError`, never a silent partial answer.
"""

from __future__ import annotations

import contextlib
import secrets

import ibis
from ibis.backends import BaseBackend

from mercwatch.errors import EngineError, InputError

#: Far above the rounds a real graph takes (a 1M-edge random graph: under 10).
DEFAULT_MAX_ROUNDS = 100


def label_components(
    con: BaseBackend,
    edges: ibis.Table,
    *,
    into: str,
    src: str = "src",
    dst: str = "dst",
    max_rounds: int = DEFAULT_MAX_ROUNDS,
) -> ibis.Table:
    """Label every node of ``edges`` with the smallest node id of its component.

    Args:
        con: the engine ``edges`` lives in (or an in-memory table it can read).
        edges: undirected edges, one per row, in columns ``src`` and ``dst`` (strings or
            integers; both the same type). A self-loop ``(a, a)`` makes ``a`` a node of
            its own component. Duplicates and both directions are fine.
        into: name of the engine table the labels are written to (replaced if present);
            the caller owns it.
        max_rounds: large-star + small-star rounds allowed before giving up.

    Returns:
        The table ``into``: columns ``node`` and ``component``, one row per node.

    Raises:
        InputError: an edge with a missing endpoint (it would silently vanish).
        EngineError: no convergence within ``max_rounds``, or the engine failed.
    """
    if max_rounds < 1:
        raise ValueError("max_rounds must be at least 1")
    pairs = edges.select(a=edges[src], b=edges[dst])
    missing = _scalar(pairs.filter(pairs.a.isnull() | pairs.b.isnull()).count())
    if missing:
        raise InputError("edges", f"{missing} edge(s) with a missing {src!r} or {dst!r} endpoint")
    prefix = f"_mw_cc_{secrets.token_hex(4)}"
    names = (f"{prefix}_a", f"{prefix}_b", f"{prefix}_nodes")
    try:
        nodes = _create(
            con, names[2], ibis.union(_col(pairs, "a"), _col(pairs, "b"), distinct=True)
        )
        loops = pairs.a == pairs.b
        start = pairs.filter(~loops).select(
            child=ibis.greatest(pairs.a, pairs.b), parent=ibis.least(pairs.a, pairs.b)
        )
        current = _create(con, names[0], start.distinct())
        for rounds in range(1, max_rounds + 1):
            if _is_star_forest(current):
                return _create(con, into, _labels(nodes, current))
            current = _create(con, names[rounds % 2], _small_star(_large_star(current)))
        if _is_star_forest(current):
            return _create(con, into, _labels(nodes, current))
        raise EngineError(
            f"connected components did not converge in {max_rounds} large-star/small-star "
            f"rounds ({_scalar(current.count())} parent links left); raise max_rounds"
        )
    finally:
        for name in names:
            _drop(con, name)


def _col(pairs: ibis.Table, column: str) -> ibis.Table:
    return pairs.select(node=pairs[column])


def _large_star(links: ibis.Table) -> ibis.Table:
    """Each node's larger neighbours, linked to the node's smallest neighbour-or-self."""
    both = ibis.union(
        links.select(u=links.child, v=links.parent),
        links.select(u=links.parent, v=links.child),
        distinct=True,
    )
    low = both.group_by("u").agg(m=both.v.min())
    low = low.select(u2=low.u, m=ibis.least(low.u, low.m))
    joined = both.filter(both.v > both.u).join(low, both.u == low.u2)
    return joined.select(child=joined.v, parent=joined.m).distinct()


def _small_star(links: ibis.Table) -> ibis.Table:
    """Each node and its smaller neighbours, linked to the smallest of them."""
    low = links.group_by("child").agg(m=links.parent.min())
    low = low.select(u=low.child, m=low.m)
    joined = links.join(low, links.child == low.u)
    neighbours = joined.filter(joined.parent != joined.m).select(
        child=joined.parent, parent=joined.m
    )
    itself = low.select(child=low.u, parent=low.m)
    return ibis.union(neighbours, itself, distinct=True)


def _is_star_forest(links: ibis.Table) -> bool:
    """Whether each child has one parent and no parent is itself a child."""
    per_child = links.group_by("child").agg(n=links.parent.nunique())
    if _scalar(per_child.filter(per_child.n > 1).count()):
        return False
    children = links.select(c=links.child)
    return not _scalar(links.semi_join(children, links.parent == children.c).count())


def _labels(nodes: ibis.Table, links: ibis.Table) -> ibis.Table:
    joined = nodes.left_join(links, nodes.node == links.child)
    return joined.select(node=joined.node, component=ibis.coalesce(joined.parent, joined.node))


def _scalar(expr: ibis.Scalar) -> int:
    try:
        return int(expr.execute())
    except Exception as exc:  # backends raise their own types; translate at the edge
        raise EngineError(f"engine query failed: {exc}") from exc


def _create(con: BaseBackend, name: str, expr: ibis.Table) -> ibis.Table:
    try:
        return con.create_table(name, expr, overwrite=True)
    except Exception as exc:
        raise EngineError(f"cannot write engine table {name!r}: {exc}") from exc


def _drop(con: BaseBackend, name: str) -> None:
    # cleanup of our own scratch tables must not hide the error that ended the run
    with contextlib.suppress(Exception):
        con.drop_table(name, force=True)
