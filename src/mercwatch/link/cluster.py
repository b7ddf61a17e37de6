"""Cut the candidate graph into operations.

Connected components first (cheap, and most operations are islands); inside a large
component, Leiden with the modularity objective separates operations that touch only
through weak ties (two crews behind one carrier NAT). igraph's default objective (CPM)
would return singletons, hence the explicit ``objective_function="modularity"``.

Precision rule: a group becomes an operation only if at least one member has strong
evidence of its own. Shared infrastructure alone (an office NAT, a company e-mail
domain) never makes an operation.
"""

from __future__ import annotations

import random
from collections.abc import Mapping

import igraph

from mercwatch.link.candidates import Candidate
from mercwatch.link.config import LinkConfig
from mercwatch.link.graph import TieGraph


def _leiden(graph: igraph.Graph, seed: int) -> list[list[int]]:
    """Leiden communities of ``graph`` with a private, seeded random generator.

    igraph draws from a process-wide generator; it is swapped for a seeded one and
    restored, so each call is reproducible whatever ran before.
    """
    igraph.set_random_number_generator(random.Random(seed))
    try:
        parts = graph.community_leiden(
            objective_function="modularity", weights="weight", n_iterations=-1
        )
    finally:
        igraph.set_random_number_generator(random)
    return [list(members) for members in parts]


def split_groups(tie_graph: TieGraph, config: LinkConfig) -> list[tuple[str, ...]]:
    """Groups of accounts: components, with Leiden inside large ones. Sorted."""
    graph = tie_graph.to_igraph(config.min_edge_weight)
    groups: list[tuple[str, ...]] = []
    for component in graph.connected_components():
        names = [graph.vs[i]["name"] for i in component]
        if len(component) < config.leiden_min_size:
            groups.append(tuple(sorted(names)))
            continue
        sub = graph.induced_subgraph(sorted(component, key=lambda i: graph.vs[i]["name"]))
        for members in _leiden(sub, config.seed):
            groups.append(tuple(sorted(sub.vs[i]["name"] for i in members)))
    return sorted(groups)


def prune_group(
    group: tuple[str, ...],
    tie_graph: TieGraph,
    candidates: Mapping[str, Candidate],
    config: LinkConfig,
) -> tuple[str, ...]:
    """Drop members that hang on by one soft tie and have no strong evidence.

    Community detection assigns every vertex somewhere; a bystander who shares one
    popular target or one link domain with a persona lands in its operation. A member
    stays if its own score is strong or its summed edge weight to the rest of the
    group reaches ``min_attachment``; dropping one can loosen another, so repeat.
    """
    members = list(group)
    while len(members) > 1:
        weak = [
            a for a in members
            if candidates[a].own_score < config.strong_threshold
            and sum(tie_graph.edge(a, b, config.min_edge_weight) for b in members if b != a)
            < config.min_attachment
        ]
        if not weak:
            break
        members = [a for a in members if a not in weak]
    return tuple(members)


def keep_group(
    group: tuple[str, ...], candidates: Mapping[str, Candidate], config: LinkConfig
) -> bool:
    """Whether a group is evidence enough to be an operation.

    A lone account needs ``singleton_min_score`` of its own; a group needs at least
    one member at ``strong_threshold``.
    """
    best = max(candidates[a].own_score for a in group)
    if len(group) == 1:
        return best >= config.singleton_min_score
    return best >= config.strong_threshold


def cut_operations(
    tie_graph: TieGraph, candidates: Mapping[str, Candidate], config: LinkConfig
) -> list[tuple[str, ...]]:
    """The account groups that become operations, sorted."""
    groups = split_groups(tie_graph, config)
    pruned = (prune_group(g, tie_graph, candidates, config) for g in groups)
    return sorted(g for g in pruned if g and keep_group(g, candidates, config))
