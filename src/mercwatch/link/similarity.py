"""Pairs of accounts that look alike: profile photos, message templates, target sets.

These run in Python because they compare candidate accounts only (flagged accounts and
their close ties, a small set), with the libraries made for each job: bucketed exact
Hamming checks for pHashes, datasketch MinHash LSH for texts and large target sets.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from itertools import combinations

from datasketch import MinHash, MinHashLSH

Pair = tuple[str, str]
_TOKEN_RE = re.compile(r"\w+", re.UNICODE)
_URL_RE = re.compile(r"(?:[a-z][a-z0-9+.-]*://|www\.)\S+", re.IGNORECASE)
_DIGIT_RE = re.compile(r"\d+")
SHINGLE = 3


def pair(a: str, b: str) -> Pair:
    """An unordered pair, in a fixed order."""
    return (a, b) if a < b else (b, a)


def near_photo_pairs(hashes: Mapping[str, int], max_distance: int) -> dict[Pair, int]:
    """Account pairs whose photo hashes differ in at most ``max_distance`` bits.

    Pigeonhole: split the 64 bits into ``max_distance + 1`` chunks; two hashes within
    that distance agree exactly on at least one chunk, so only accounts sharing a
    chunk value are compared. Returns pair -> Hamming distance.
    """
    chunks = max_distance + 1
    bounds = [round(i * 64 / chunks) for i in range(chunks + 1)]
    buckets: dict[tuple[int, int], list[str]] = defaultdict(list)
    for account in sorted(hashes):
        value = hashes[account]
        for i in range(chunks):
            width = bounds[i + 1] - bounds[i]
            buckets[(i, (value >> bounds[i]) & ((1 << width) - 1))].append(account)
    found: dict[Pair, int] = {}
    for members in buckets.values():
        for a, b in combinations(members, 2):
            key = pair(a, b)
            if key not in found:
                distance = (hashes[a] ^ hashes[b]).bit_count()
                if distance <= max_distance:
                    found[key] = distance
    return found


def shingles(text: str, min_tokens: int) -> set[str] | None:
    """Word 3-shingles of a message with links and numbers masked.

    Masking keeps a template recognizable when each copy carries its own tracking
    link or phone number. Returns None for texts too short to be a template.
    """
    masked = _DIGIT_RE.sub("0", _URL_RE.sub(" url ", text.lower()))
    tokens = _TOKEN_RE.findall(masked)
    if len(tokens) < min_tokens:
        return None
    return {" ".join(tokens[i : i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1)}


def _minhashes(sets: list[set[str]], num_perm: int, seed: int) -> list[MinHash]:
    encoded = [[item.encode("utf-8") for item in sorted(s)] for s in sets]
    return MinHash.bulk(encoded, num_perm=num_perm, seed=seed)


def template_pairs(
    texts: Iterable[tuple[str, str, int]],
    threshold: float,
    min_tokens: int,
    num_perm: int,
    seed: int,
    max_width: int | None = None,
) -> dict[Pair, int]:
    """Account pairs that sent near-duplicate messages (MinHash LSH over shingles).

    Args:
        texts: (account, text, platform-wide senders of that text) rows, any order.
        threshold: Jaccard similarity of shingle sets counted as the same template.
        min_tokens: shorter texts are ignored ("hi", "thanks!" tie everyone).
        num_perm: MinHash permutations.
        seed: MinHash seed, fixed for reproducible runs.
        max_width: templates used more widely than this tie nobody (the caller drops
            them), so they are skipped before the pairwise work that would make a
            popular template cost the square of its senders.

    Returns:
        pair -> how widely their rarest shared template is used: the most of the two
        texts' platform-wide sender counts and the accounts among ``texts`` sending a
        near-duplicate. A caller discounts popular templates by it.
    """
    items = sorted({(a, t, n) for a, t, n in texts if a and t})
    keyed = [(a, s, n) for a, t, n in items if (s := shingles(t, min_tokens)) is not None]
    if len(keyed) < 2:
        return {}
    hashes = _minhashes([s for _, s, _ in keyed], num_perm, seed)
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    for index, minhash in enumerate(hashes):
        lsh.insert(str(index), minhash)
    found: dict[Pair, int] = {}
    for index, minhash in enumerate(hashes):
        account, shingle_set, senders = keyed[index]
        if max_width is not None and senders > max_width:
            continue
        candidates = [int(other) for other in lsh.query(minhash)]
        # LSH candidates are a superset of the near-duplicates: when even a generous
        # share of them comes from too many accounts, the template is too popular.
        if max_width is not None and len({keyed[i][0] for i in candidates}) > 2 * max_width:
            continue
        near = [i for i in candidates if _jaccard(shingle_set, keyed[i][1]) >= threshold]
        spread = len({keyed[i][0] for i in near})
        if max_width is not None and spread > max_width:
            continue
        for other in near:
            other_account = keyed[other][0]
            if other_account != account:
                width = max(senders, keyed[other][2], spread)
                key = pair(account, other_account)
                found[key] = min(found.get(key, width), width)
    return found


def _jaccard(a: set[str], b: set[str]) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def cotarget_pairs(
    targets: Mapping[str, set[str]],
    min_jaccard: float,
    min_shared: int,
    exact_max: int,
    num_perm: int = 128,
    seed: int = 7,
) -> dict[Pair, float]:
    """Account pairs whose target sets overlap: pair -> Jaccard.

    Up to ``exact_max`` accounts, pairs come from an inverted index (exact); above it
    from MinHash LSH at ``min_jaccard``, so the cost stays near-linear. Either way the
    Jaccard reported is exact and both limits are checked on it.
    """
    accounts = sorted(a for a, s in targets.items() if len(s) >= min_shared)
    if len(accounts) <= exact_max:
        candidates = _shared_target_pairs(accounts, targets)
    else:
        candidates = _lsh_pairs(accounts, targets, min_jaccard, num_perm, seed)
    found: dict[Pair, float] = {}
    for a, b in sorted(candidates):
        shared = len(targets[a] & targets[b])
        jaccard = shared / len(targets[a] | targets[b])
        if shared >= min_shared and jaccard >= min_jaccard:
            found[(a, b)] = jaccard
    return found


def _shared_target_pairs(accounts: list[str], targets: Mapping[str, set[str]]) -> set[Pair]:
    index: dict[str, list[str]] = defaultdict(list)
    for account in accounts:
        for target in targets[account]:
            index[target].append(account)
    return {pair(a, b) for members in index.values() for a, b in combinations(members, 2)}


def _lsh_pairs(
    accounts: list[str],
    targets: Mapping[str, set[str]],
    threshold: float,
    num_perm: int,
    seed: int,
) -> set[Pair]:
    hashes = _minhashes([targets[a] for a in accounts], num_perm, seed)
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    for account, minhash in zip(accounts, hashes, strict=True):
        lsh.insert(account, minhash)
    return {
        pair(account, other)
        for account, minhash in zip(accounts, hashes, strict=True)
        for other in lsh.query(minhash)
        if other != account
    }
