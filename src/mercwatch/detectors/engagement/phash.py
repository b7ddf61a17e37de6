"""Group 64-bit perceptual hashes that are identical or within a small Hamming distance.

Comparing every pair of photos is quadratic; instead each hash is cut into four
16-bit bands and indexed by band (multi-index hashing, Norouzi et al. 2012). Two
hashes within distance ``d <= 7`` must agree on some band up to at most one bit
(pigeonhole: four bands with two or more differing bits each make eight), so probing
each band's value and its 16 one-bit neighbours finds every such pair exactly, while
touching only a few candidates per hash. This runs in Python over the *distinct*
hashes of a run, never over accounts or events.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import igraph

from mercwatch.errors import ConfigError

BANDS = 4
BAND_BITS = 16
BAND_MASK = (1 << BAND_BITS) - 1
# Largest distance the one-bit-neighbour probe is exact for (see module docstring).
MAX_EXACT_DISTANCE = 2 * BANDS - 1


def parse_phash(value: str) -> int | None:
    """The hash as an integer, or None when it is not 16 hex digits."""
    text = value.strip().lower()
    if len(text) != 16:
        return None
    try:
        return int(text, 16)
    except ValueError:
        return None


def _bands(h: int) -> list[int]:
    return [(h >> (BAND_BITS * i)) & BAND_MASK for i in range(BANDS)]


# Beyond this many distinct hashes the one-bit-flip probes (17x the lookups) are
# skipped: pairs within 3 bits are still found exactly (pigeonhole over 4 bands), and
# farther ones whenever they share a band, which re-encoded copies nearly always do.
EXACT_PROBE_LIMIT = 200_000


def near_pairs(values: list[int], max_distance: int) -> list[tuple[int, int]]:
    """Index pairs ``(i, j)``, ``i < j``, of hashes within ``max_distance`` bits.

    Exact up to ``MAX_EXACT_DISTANCE`` for up to ``EXACT_PROBE_LIMIT`` distinct hashes;
    on larger platforms exact up to 3 bits and by shared band beyond (see above).

    Raises:
        ConfigError: ``max_distance`` is beyond what the band index finds exactly.
    """
    if not 0 <= max_distance <= MAX_EXACT_DISTANCE:
        raise ConfigError(
            f"photo hash distance must be 0..{MAX_EXACT_DISTANCE} (got {max_distance})"
        )
    index: list[dict[int, list[int]]] = [defaultdict(list) for _ in range(BANDS)]
    for i, h in enumerate(values):
        for b, band in enumerate(_bands(h)):
            index[b][band].append(i)
    probe = max_distance >= BANDS and len(values) <= EXACT_PROBE_LIMIT
    flips = [0] + [1 << k for k in range(BAND_BITS)] if probe else [0]
    pairs: set[tuple[int, int]] = set()
    for i, h in enumerate(values):
        for b, band in enumerate(_bands(h)):
            table = index[b]
            for flip in flips:
                for j in table.get(band ^ flip, ()):
                    if j > i and (h ^ values[j]).bit_count() <= max_distance:
                        pairs.add((i, j))
    return sorted(pairs)


def near_duplicate_groups(hashes: Iterable[str], max_distance: int) -> dict[str, int]:
    """Map each well-formed distinct hash to the id of its near-duplicate group.

    Groups are connected components of the "within ``max_distance``" relation, so a
    photo re-encoded several times stays one group. Hashes with no near duplicate get
    a group of their own (their accounts may still share the exact hash).
    """
    distinct = sorted({h.strip().lower() for h in hashes if h})
    parsed = [(h, parse_phash(h)) for h in distinct]
    valid = [(h, v) for h, v in parsed if v is not None]
    values = [v for _, v in valid]
    graph = igraph.Graph(n=len(values), edges=near_pairs(values, max_distance))
    membership = graph.connected_components().membership
    return {h: int(m) for (h, _), m in zip(valid, membership, strict=True)}
