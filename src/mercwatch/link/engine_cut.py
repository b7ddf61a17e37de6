"""Cut the candidate graph into operations piece by piece, pieces found by the engine.

On a Spark run the account graph's connected components are labelled on the cluster
(:mod:`.spark_components`); the driver then runs community detection
(:func:`~.cluster.cut_operations`) on one bounded batch of components at a time, with
only that batch's edges, instead of on one graph of every flagged account.

The result is exactly :func:`~.cluster.cut_operations` on the whole graph because the
pieces are components of *every* tie (whatever its weight) plus every link domain only
candidates send: Leiden works inside a component of the strong ties, and each later step
(crews, merging over controlled infrastructure, pruning, the evidence bar) looks only at
ties and exclusive domains among the accounts of the groups it is given. Nothing crosses
a piece, so no step can see a difference.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

import ibis
import pyarrow as pa
from ibis.backends import BaseBackend

from mercwatch.link.candidates import Candidate
from mercwatch.link.cluster import cut_operations
from mercwatch.link.config import LinkConfig
from mercwatch.link.context import fetch
from mercwatch.link.graph import TieGraph
from mercwatch.link.spark_components import label_components

#: Accounts handed to community detection at once (a batch holds whole components).
BATCH_ACCOUNTS = 50_000
LABELS_TABLE = "_mw_link_components"


def cut_operations_on_engine(
    con: BaseBackend,
    tie_graph: TieGraph,
    candidates: Mapping[str, Candidate],
    config: LinkConfig,
    batch_accounts: int = BATCH_ACCOUNTS,
) -> list[tuple[str, ...]]:
    """:func:`~.cluster.cut_operations`, components labelled in ``con``. Sorted."""
    component = _components(con, tie_graph)
    groups: list[tuple[str, ...]] = []
    for batch in _batches(component, batch_accounts):
        groups.extend(cut_operations(_subgraph(tie_graph, batch), candidates, config))
    return sorted(groups)


def piece_edges(tie_graph: TieGraph) -> pa.Table:
    """Edges whose components are the independent pieces (see the module docstring).

    Every account appears (a self-loop keeps an account without ties); the senders of
    an exclusive link domain are chained to the first of them.
    """
    src: list[str] = list(tie_graph.accounts)
    dst: list[str] = list(tie_graph.accounts)
    for a, b in sorted(tie_graph.ties):
        src.append(a)
        dst.append(b)
    for senders in tie_graph.exclusive.values():
        first, *rest = sorted(senders)
        src.extend([first] * len(rest))
        dst.extend(rest)
    return pa.table({"src": pa.array(src, pa.string()), "dst": pa.array(dst, pa.string())})


def _components(con: BaseBackend, tie_graph: TieGraph) -> dict[str, str]:
    """account -> its piece's smallest account, labelled by the engine."""
    try:
        labels = label_components(con, ibis.memtable(piece_edges(tie_graph)), into=LABELS_TABLE)
        return {row["node"]: row["component"] for row in fetch(labels)}
    finally:
        con.drop_table(LABELS_TABLE, force=True)


def _batches(component: Mapping[str, str], limit: int) -> list[set[str]]:
    """Whole components packed, in label order, into batches of about ``limit`` accounts."""
    members: dict[str, list[str]] = defaultdict(list)
    for account, label in component.items():
        members[label].append(account)
    batches: list[set[str]] = [set()]
    for label in sorted(members):
        if batches[-1] and len(batches[-1]) + len(members[label]) > limit:
            batches.append(set())
        batches[-1].update(members[label])
    return [batch for batch in batches if batch]


def _subgraph(tie_graph: TieGraph, accounts: set[str]) -> TieGraph:
    """The ties and exclusive domains among ``accounts`` (whole pieces only)."""
    return TieGraph(
        accounts=tuple(a for a in tie_graph.accounts if a in accounts),
        ties={p: kinds for p, kinds in tie_graph.ties.items() if p[0] in accounts},
        exclusive={
            domain: senders
            for domain, senders in tie_graph.exclusive.items()
            if senders <= accounts
        },
        exits={a: ips for a, ips in tie_graph.exits.items() if a in accounts},
    )
