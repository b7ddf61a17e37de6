"""Connected components and Leiden (mercwatch.graphs): results and the order callers rely on."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mercwatch.graphs import component_labels, components, leiden


def _reference_labels(n: int, pairs: list[tuple[int, int]]) -> list[int]:
    """Union-find, then components numbered by their lowest vertex: the contract."""
    root = list(range(n))

    def find(i: int) -> int:
        while root[i] != i:
            i = root[i]
        return i

    for a, b in pairs:
        root[find(a)] = find(b)
    first: dict[int, int] = {}
    return [first.setdefault(find(v), len(first)) for v in range(n)]


graphs = st.integers(min_value=0, max_value=40).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.lists(
            st.tuples(st.integers(0, max(n - 1, 0)), st.integers(0, max(n - 1, 0))),
            max_size=60 if n else 0,
        ),
    )
)


@given(graphs)
@settings(max_examples=200, deadline=None)
def test_component_labels_follow_the_lowest_vertex(graph):
    n, pairs = graph
    assert component_labels(n, pairs).tolist() == _reference_labels(n, pairs)
    found = components(n, pairs)
    assert all(part == sorted(part) for part in found)
    assert [part[0] for part in found] == sorted(part[0] for part in found)
    assert sorted(v for part in found for v in part) == list(range(n))


def test_component_labels_take_a_numpy_pair_array():
    pairs = np.array([[5, 4], [3, 0]], dtype=np.int64)
    assert component_labels(6, pairs).tolist() == [0, 1, 2, 0, 3, 3]
    assert component_labels(0, np.empty((0, 2), dtype=np.int64)).tolist() == []


def _two_cliques() -> list[tuple[int, int, float]]:
    edges = [(a, b, 1.0) for a in range(5) for b in range(a + 1, 5)]
    edges += [(a, b, 1.0) for a in range(5, 10) for b in range(a + 1, 10)]
    return [*edges, (4, 5, 0.2)]


def test_leiden_separates_two_cliques_joined_by_a_weak_tie():
    assert leiden(10, _two_cliques(), seed=7) == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]


def test_leiden_keeps_lone_vertices_apart_and_ignores_edge_order():
    edges = _two_cliques()
    shuffled = [(b, a, w) for a, b, w in reversed(edges)]
    assert leiden(12, shuffled, seed=7) == [*leiden(10, edges, seed=7), [10], [11]]
    assert leiden(3, [], seed=7) == [[0], [1], [2]]


_PROBE = """
import random, json
from mercwatch.graphs import leiden
rng = random.Random(5)
out = []
for _ in range(60):
    n = rng.randint(4, 50)
    pairs = sorted({tuple(sorted(rng.sample(range(n), 2))) for _ in range(n * 3)})
    out.append(leiden(n, [(a, b, rng.choice([0.3, 1.0, 1.7])) for a, b in pairs], 7))
print(json.dumps(out))
"""


def test_leiden_is_the_same_in_every_process_and_thread_setting():
    """Each process has its own hash seeds and may have other thread settings: the
    communities must not depend on them (module docstring of mercwatch.graphs)."""
    results = set()
    for threads, hash_seed in (("1", "1"), ("4", "2"), ("2", "random")):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        env.update(RAYON_NUM_THREADS=threads, OMP_NUM_THREADS=threads)
        done = subprocess.run(
            [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True
        )
        results.add(done.stdout)
    assert len(results) == 1


def test_named_components_do_not_depend_on_order() -> None:
    from mercwatch.graphs import named_components

    pairs = [("c", "d"), ("a", "b"), ("b", "e")]
    want = [("a", "b", "e"), ("c", "d"), ("z",)]
    assert named_components(["z", "a"], pairs) == want
    assert named_components(["a", "z"], list(reversed(pairs))) == want
    assert named_components([], []) == []
