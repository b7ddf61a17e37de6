"""Vectorised bucket pairing agrees with datasketch's own LSH index and with brute force."""

from __future__ import annotations

import itertools

import numpy as np
from datasketch import MinHash, MinHashLSH
from hypothesis import given, settings
from hypothesis import strategies as st

from mercwatch.detectors.pairs import lsh_pairs, same_bucket_pairs


@settings(max_examples=80, deadline=None)
@given(keys=st.lists(st.integers(0, 6), max_size=40))
def test_same_bucket_pairs_is_every_pair_with_equal_keys(keys: list[int]) -> None:
    left, right = same_bucket_pairs(np.array(keys, dtype=np.int64))
    got = sorted((min(i, j), max(i, j)) for i, j in zip(left.tolist(), right.tolist(), strict=True))
    want = [(i, j) for i, j in itertools.combinations(range(len(keys)), 2) if keys[i] == keys[j]]
    assert got == want


@settings(max_examples=25, deadline=None)
@given(
    sets=st.lists(st.sets(st.integers(0, 30), min_size=1, max_size=12), min_size=2, max_size=30),
    threshold=st.sampled_from([0.3, 0.5, 0.8]),
)
def test_lsh_pairs_are_what_datasketch_proposes(sets: list[set[int]], threshold: float) -> None:
    hashes = MinHash.bulk(([str(x).encode() for x in sorted(s)] for s in sets), num_perm=64, seed=1)
    index = MinHashLSH(threshold=threshold, num_perm=64)
    for i, h in enumerate(hashes):
        index.insert(i, h)
    want = sorted(
        {(min(i, j), max(i, j)) for i, h in enumerate(hashes) for j in index.query(h) if i != j}
    )
    got = lsh_pairs(np.stack([h.hashvalues for h in hashes]), threshold)
    assert [tuple(p) for p in got.tolist()] == want
