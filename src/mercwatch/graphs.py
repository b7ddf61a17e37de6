"""Graph algorithms the stages share: connected components and Leiden communities.

Licensing: python-igraph is GPL-2.0+ and mercwatch is Apache-2.0, so neither is used
here. Components come from SciPy (BSD, ``scipy.sparse.csgraph``); Leiden from
graspologic-native (MIT, Microsoft's Rust implementation behind graspologic).

Determinism: the same input must cut the same operations on every run, machine and
thread count (operation ids, warnings sent once and exports depend on it). Hence:

- Components are numbered by their lowest vertex and list their vertices in
  ascending order, whatever order the library labels them in: callers break ties by
  component order (:func:`mercwatch.link.cluster.crews`), so that order is fixed here.
- Leiden runs graspologic-native, which is single-threaded and takes a seed for its
  own generator: no process-wide random state to swap, no thread-count dependence.
  networkit's ``ParallelLeiden`` (the faster alternative, see STACK) moves vertices
  in parallel, so its result depends on thread scheduling unless the whole process
  is pinned to one thread, which would slow every other networkit user in it.
- Vertices are handed to Leiden by index, zero-padded so that the library's order of
  first appearance (it names vertices by string) is the caller's vertex order, and
  edges in sorted order: the same graph is the same input byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import graspologic_native  # type: ignore[import-untyped]  # ships no type information
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

# Leiden's settings, chosen to match the igraph call they replace
# (``community_leiden(objective_function="modularity", n_iterations=-1)``; igraph's
# default ``beta`` is 0.01): modularity at resolution 1, and the full cycle repeated
# until the partition no longer changes (at most LEIDEN_MAX_ROUNDS times).
LEIDEN_RANDOMNESS = 0.01
LEIDEN_MAX_ROUNDS = 50


def component_labels(n: int, pairs: np.ndarray | Sequence[tuple[int, int]]) -> np.ndarray:
    """Component id of each of ``n`` vertices joined by undirected ``pairs`` (int64).

    Ids are 0, 1, ... in the order of each component's lowest vertex, so vertex 0 is
    always in component 0 and the numbering does not depend on the library's.
    """
    if n == 0:
        return np.empty(0, dtype=np.int64)
    edges = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    ones = np.ones(len(edges), dtype=np.int8)
    matrix = coo_matrix((ones, (edges[:, 0], edges[:, 1])), shape=(n, n)).tocsr()
    _, raw = connected_components(matrix, directed=False)
    return _by_first_vertex(raw)


def _by_first_vertex(labels: np.ndarray) -> np.ndarray:
    """``labels`` renumbered 0, 1, ... in the order each first occurs."""
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    renumber = np.empty(len(first), dtype=np.int64)
    renumber[np.argsort(first, kind="stable")] = np.arange(len(first), dtype=np.int64)
    return renumber[inverse.reshape(-1)]


def components(n: int, pairs: np.ndarray | Sequence[tuple[int, int]]) -> list[list[int]]:
    """Connected components of ``n`` vertices: each ascending, ordered by lowest vertex."""
    return groups_of(component_labels(n, pairs))


def named_components(
    names: Iterable[str], pairs: Iterable[tuple[str, str]]
) -> list[tuple[str, ...]]:
    """Connected groups of named vertices joined by ``pairs``: each sorted, sorted.

    For callers that hold names, not indices (scripts of near-duplicate texts, lure rings
    joined to groups); a name only in ``pairs`` is a vertex too. The result depends on
    neither the order of ``names`` nor of ``pairs``.
    """
    edges = list(pairs)
    order = sorted({*names, *(a for e in edges for a in e)})
    index = {name: i for i, name in enumerate(order)}
    found = components(len(order), [(index[a], index[b]) for a, b in edges])
    return sorted(tuple(order[i] for i in group) for group in found)


def leiden(n: int, edges: Sequence[tuple[int, int, float]], seed: int) -> list[list[int]]:
    """Leiden communities (modularity) of ``n`` vertices and weighted undirected ``edges``.

    Each community ascending, communities ordered by lowest vertex. Vertices without
    an edge are communities of their own. Same input and seed, same communities (see
    the module docstring for why this holds across runs and thread counts).
    """
    width = len(str(max(n - 1, 0)))
    weighted = sorted((min(a, b), max(a, b), float(w)) for a, b, w in edges if a != b)
    labels = np.arange(n, dtype=np.int64) + n  # lone vertices: a community of their own
    if not weighted:
        return groups_of(labels)
    named = [(f"{a:0{width}d}", f"{b:0{width}d}", w) for a, b, w in weighted]
    membership = _leiden_round(named, None, seed)
    for _ in range(LEIDEN_MAX_ROUNDS - 1):
        again = _leiden_round(named, membership, seed)
        if _partition(again) == _partition(membership):
            break
        membership = again
    for name, community in membership.items():
        labels[int(name)] = community
    return groups_of(labels)


def _leiden_round(
    named: list[tuple[str, str, float]], start: dict[str, int] | None, seed: int
) -> dict[str, int]:
    """One full Leiden cycle from ``start`` (singletons when None): vertex -> community."""
    _, found = graspologic_native.leiden(
        edges=named,
        starting_communities=start,
        resolution=1.0,
        randomness=LEIDEN_RANDOMNESS,
        iterations=1,
        use_modularity=True,
        seed=seed,
        trials=1,
    )
    return dict(found)


def _partition(membership: dict[str, int]) -> frozenset[frozenset[str]]:
    groups: dict[int, set[str]] = {}
    for name, community in membership.items():
        groups.setdefault(community, set()).add(name)
    return frozenset(frozenset(g) for g in groups.values())


def groups_of(labels: np.ndarray) -> list[list[int]]:
    """Vertices grouped by label: each group ascending, groups ordered by lowest vertex."""
    groups: dict[int, list[int]] = {}
    for vertex, label in enumerate(labels.tolist()):
        groups.setdefault(label, []).append(vertex)
    return list(groups.values())
