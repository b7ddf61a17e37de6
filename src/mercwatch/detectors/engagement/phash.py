"""Group 64-bit perceptual hashes that are identical or within a small Hamming distance.

Comparing every pair of photos is quadratic; instead each hash is cut into four
16-bit bands and indexed by band (multi-index hashing, Norouzi et al. 2012). Two
hashes within distance ``d <= 7`` must agree on some band up to at most one bit
(pigeonhole: four bands with two or more differing bits each make eight), so probing
each band's value and its 16 one-bit neighbours finds every such pair exactly, while
touching only a few candidates per hash. This runs in numpy over the *distinct*
hashes of a run (sorted band values, vectorised XOR and popcount), never over
accounts or events: 789k distinct hashes take about 1.5 s.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mercwatch.detectors.pairs import EMPTY, pair_keys, same_bucket_pairs, unpack_pairs
from mercwatch.errors import ConfigError
from mercwatch.graphs import component_labels

BANDS = 4
BAND_BITS = 16
BAND_MASK = (1 << BAND_BITS) - 1
# Largest distance the one-bit-neighbour probe is exact for (see module docstring).
MAX_EXACT_DISTANCE = 2 * BANDS - 1


# Beyond this many distinct hashes the one-bit-flip probes (17x the lookups) are
# skipped: pairs within 3 bits are still found exactly (pigeonhole over 4 bands), and
# farther ones whenever they share a band, which re-encoded copies nearly always do.
EXACT_PROBE_LIMIT = 200_000


def near_pairs(values: list[int], max_distance: int) -> list[tuple[int, int]]:
    """Index pairs ``(i, j)``, ``i < j``, of hashes within ``max_distance`` bits.

    Exact up to ``MAX_EXACT_DISTANCE`` for up to ``EXACT_PROBE_LIMIT`` distinct hashes;
    on larger platforms exact up to 3 bits and by shared band beyond (see above).
    Vectorised with numpy: candidates come from sorted band values, never a Python
    loop per hash.

    Raises:
        ConfigError: ``max_distance`` is beyond what the band index finds exactly.
    """
    keys = near_pairs_array(np.array(values, dtype=np.uint64), max_distance)
    return [(int(i), int(j)) for i, j in keys]


def near_pairs_array(hashes: np.ndarray, max_distance: int) -> np.ndarray:
    """:func:`near_pairs` over a uint64 array, as an ``(m, 2)`` int64 array sorted by pair."""
    if not 0 <= max_distance <= MAX_EXACT_DISTANCE:
        raise ConfigError(
            f"photo hash distance must be 0..{MAX_EXACT_DISTANCE} (got {max_distance})"
        )
    probe = max_distance >= BANDS and len(hashes) <= EXACT_PROBE_LIMIT
    flips = [0, *(1 << k for k in range(BAND_BITS))] if probe else [0]
    found = [EMPTY]
    for b in range(BANDS):
        band = ((hashes >> np.uint64(BAND_BITS * b)) & np.uint64(BAND_MASK)).astype(np.int64)
        order = np.argsort(band, kind="stable")
        ordered = band[order]
        # Where each of the 2**16 band values starts in ``ordered``: one sorted probe
        # per band instead of two random ``searchsorted`` calls per flip.
        bounds = np.searchsorted(ordered, np.arange(BAND_MASK + 2, dtype=np.int64))
        for flip in flips:
            left, right = _band_candidates(order, bounds, band, flip)
            close = np.bitwise_count(hashes[left] ^ hashes[right]) <= max_distance
            found.append(pair_keys(left[close], right[close], len(hashes)))
    return unpack_pairs(np.concatenate(found), len(hashes))


def _band_candidates(
    order: np.ndarray, bounds: np.ndarray, band: np.ndarray, flip: int
) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs whose band values differ by exactly ``flip`` (0: equal bands).

    ``bounds[v]`` is where band value ``v`` starts in the sorted band (``v + 1``'s
    start is where it ends), so a lookup gives each hash's run of candidates.
    """
    if flip == 0:
        return same_bucket_pairs(band, order)
    wanted = band ^ flip
    lo = bounds[wanted]
    hi = bounds[wanted + 1]
    counts = hi - lo
    left = np.repeat(np.arange(len(band), dtype=np.int64), counts)
    # Position of each candidate inside its run: a global arange minus the run's start.
    starts = np.repeat(lo - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
    right = order[starts + np.arange(len(left), dtype=np.int64)]
    return left, right


def near_duplicate_groups(hashes: Iterable[str], max_distance: int) -> dict[str, int]:
    """Map each well-formed distinct hash to the id of its near-duplicate group.

    Groups are connected components of the "within ``max_distance``" relation, so a
    photo re-encoded several times stays one group. Hashes with no near duplicate get
    a group of their own (their accounts may still share the exact hash).
    """
    table = group_table(pa.array([h for h in hashes if h], pa.string()), max_distance)
    return dict(zip(table["h"].to_pylist(), table["group"].to_pylist(), strict=True))


def group_table(hashes: pa.Array, max_distance: int) -> pa.Table:
    """Columns ``h`` (distinct well-formed hash, lower case) and ``group`` (int64).

    The array form of :func:`near_duplicate_groups`: hex parsing, pairing and
    components run over arrays, so a million photos take seconds, not minutes.
    """
    text = pc.utf8_lower(pc.utf8_trim_whitespace(hashes.cast(pa.string())))
    text = pc.unique(text.filter(pc.fill_null(pc.match_substring_regex(text, _HEX_RE), False)))
    values = _hex_values(text)
    # Sorted so group ids do not follow the engine's row order; fixed-width lower-case
    # hex sorts as its value, and sorting integers is far cheaper than strings.
    order = np.argsort(values, kind="stable")
    text, values = text.take(pa.array(order)), values[order]
    pairs = near_pairs_array(values, max_distance)
    membership = component_labels(len(values), pairs)
    return pa.table({"h": text, "group": pa.array(membership, pa.int64())})


_HEX_RE = "^[0-9a-f]{16}$"
_NIBBLE = np.zeros(256, dtype=np.uint64)
for _i, _c in enumerate(b"0123456789abcdef"):
    _NIBBLE[_c] = _i


def _hex_values(text: pa.Array) -> np.ndarray:
    """16-hex-digit strings (already checked) as uint64, without a Python loop per value.

    The strings are read straight from the Arrow data buffer, which for equal-width
    values is an ``(n, 16)`` grid of ASCII digits.
    """
    if len(text) == 0:
        return np.empty(0, dtype=np.uint64)
    text = text.cast(pa.string())
    _, offsets_buf, data_buf = text.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int32)[text.offset : text.offset + len(text) + 1]
    if np.any(np.diff(offsets) != 16):
        raise ValueError("photo hashes must be 16 hex digits each")
    raw = np.frombuffer(data_buf, dtype=np.uint8)[offsets[0] : offsets[-1]]
    nibbles = _NIBBLE[raw.reshape(-1, 16)]
    shifts = np.arange(60, -4, -4, dtype=np.uint64)
    return np.bitwise_or.reduce(nibbles << shifts, axis=1)
