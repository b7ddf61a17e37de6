"""Candidate pairs from buckets, vectorised: the step every "similar items" detector shares.

Photo hashes (band index), watched sets and message scripts (MinHash LSH) all find
similar items the same way: put each item in a few buckets, and pair the items that
share one. Done per item in Python that costs seconds per hundred thousand items;
here a bucket is a run of equal values in a sorted array and pairs come out of
numpy, so a million items cost about a second.
"""

from __future__ import annotations

import numpy as np
from datasketch import MinHashLSH

EMPTY = np.empty(0, dtype=np.int64)


def same_bucket_pairs(
    keys: np.ndarray, order: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs ``(i, j)`` of items with equal ``keys`` (each unordered pair once).

    Runs of equal sorted keys are buckets; the pairs of a bucket of size ``k`` come
    out over ``k - 1`` vectorised passes (offset 1, 2, ...), each over the items
    still in a bucket that large. ``order``: the caller's ``argsort`` of ``keys``,
    when it already has one.
    """
    if order is None:
        order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    lefts, rights = [EMPTY], [EMPTY]
    alive = np.arange(len(ordered) - 1, dtype=np.int64)
    offset = 1
    while len(alive):
        alive = alive[alive + offset < len(ordered)]
        alive = alive[ordered[alive] == ordered[alive + offset]]
        lefts.append(order[alive])
        rights.append(order[alive + offset])
        offset += 1
    return np.concatenate(lefts), np.concatenate(rights)


def pair_keys(left: np.ndarray, right: np.ndarray, n: int) -> np.ndarray:
    """One int64 per unordered pair, ``i * n + j`` with ``i < j`` (self-pairs dropped)."""
    lo, hi = np.minimum(left, right), np.maximum(left, right)
    keep = lo != hi
    return lo[keep] * np.int64(n) + hi[keep]


def unpack_pairs(keys: np.ndarray, n: int) -> np.ndarray:
    """Distinct pair keys back to a sorted ``(m, 2)`` array of ``(i, j)``."""
    keys = np.unique(keys)
    width = np.int64(max(n, 1))
    return np.stack([keys // width, keys % width], axis=1)


def lsh_pairs(signatures: np.ndarray, threshold: float) -> np.ndarray:
    """Candidate pairs of MinHash signatures (rows of an ``(n, num_perm)`` array).

    The bands and rows per band are datasketch's own choice for ``threshold``
    (:class:`datasketch.MinHashLSH` minimises false positives plus negatives), so
    candidates are what its index would propose; only the bucketing is vectorised.

    Returns:
        Sorted ``(m, 2)`` int64 array of ``(i, j)``, ``i < j``.
    """
    n, num_perm = signatures.shape
    index = MinHashLSH(threshold=threshold, num_perm=num_perm)
    found = [EMPTY]
    sig = np.ascontiguousarray(signatures)
    for b in range(index.b):
        band = np.ascontiguousarray(sig[:, b * index.r : (b + 1) * index.r])
        # Each band's rows as one opaque value, then as a dense bucket id.
        as_bytes = band.view(np.dtype((np.void, band.dtype.itemsize * index.r))).ravel()
        _, bucket = np.unique(as_bytes, return_inverse=True)
        left, right = same_bucket_pairs(bucket.astype(np.int64))
        found.append(pair_keys(left, right, n))
    return unpack_pairs(np.concatenate(found), n)
