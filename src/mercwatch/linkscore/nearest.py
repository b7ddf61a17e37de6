"""The nearest brand token to a label by Damerau–Levenshtein distance, with a prefilter.

The typo check asks rapidfuzz's ``process.extractOne`` for the first token of
``Knowledge.typo_tokens`` (in list order) at the smallest distance <= 2 from the
label. Asked of all 530 tokens that is ~100 µs per label, and nearly every label
has none that close.

Letter counts bound the distance from below: an insertion or a deletion changes the
counts by 1 in all, a substitution by 2, a transposition by 0, so two strings whose
counts differ by ``D`` in all (L1 distance of the count vectors) are at least
``D / 2`` edits apart. A token with ``D > 2 * cutoff`` can never be returned, and
dropping it keeps the others in order; so ``extractOne`` over the survivors returns
the same token and distance (first best in list order, same score). The count table
is one numpy matrix, so the bound for all tokens costs a few microseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

if TYPE_CHECKING:
    from mercwatch.linkscore.knowledge import Knowledge

#: Columns of the count vectors: a-z, 0-9, then one column for any other ASCII byte
#: (merging characters into one column only lowers the L1 distance: still a bound).
_COLUMNS = "abcdefghijklmnopqrstuvwxyz0123456789"
_WIDTH = len(_COLUMNS) + 1
_COLUMN_OF = np.full(256, len(_COLUMNS), dtype=np.intp)
_COLUMN_OF[[ord(ch) for ch in _COLUMNS]] = np.arange(len(_COLUMNS))
#: Longest text whose counts fit int8 with no overflow in the difference.
_MAX_LEN = 127


def _counts(text: str) -> np.ndarray:
    """Character counts of an ASCII string over :data:`_COLUMNS` (+ "other")."""
    codes = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    return np.bincount(_COLUMN_OF[codes], minlength=_WIDTH)


@dataclass(frozen=True, eq=False)
class TokenCounts:
    """The typo tokens (in their list order) and their letter counts.

    ``counts`` is one column per token (int8, transposed: the bound for all tokens
    is then a few vector operations over contiguous rows). ``usable`` is False when
    a token is not ASCII or too long for int8 counts (the bound would be unsound).
    """

    tokens: tuple[str, ...]
    counts: np.ndarray
    usable: bool

    def within(self, text: str, max_distance: int) -> list[str]:
        """Tokens, in order, whose counts allow a distance <= ``max_distance``."""
        query = _counts(text).astype(np.int8)[:, None]
        gap = np.abs(self.counts - query).sum(axis=0, dtype=np.int16)
        return [self.tokens[i] for i in np.flatnonzero(gap <= 2 * max_distance)]


@lru_cache(maxsize=8)
def token_counts(k: Knowledge) -> TokenCounts:
    """Count table of ``k.typo_tokens`` (built once per knowledge)."""
    tokens = k.typo_tokens
    usable = all(tok.isascii() and len(tok) <= _MAX_LEN for tok in tokens)
    rows = [_counts(tok) for tok in tokens] if usable else []
    counts = np.array(rows, dtype=np.int8).reshape(len(rows), _WIDTH).T
    return TokenCounts(tokens, np.ascontiguousarray(counts), usable)


def nearest_token(text: str, k: Knowledge, max_distance: int = 2) -> tuple[str, int] | None:
    """First token of ``k.typo_tokens`` at the smallest distance <= ``max_distance``.

    Args:
        text: the label (brand-token spelling: no hyphens).
        k: the knowledge holding the typo tokens.
        max_distance: largest Damerau–Levenshtein distance considered.

    Returns:
        (token, distance), exactly what ``process.extractOne`` over all the tokens
        returns, or None when no token is that close.
    """
    table = token_counts(k)
    if table.usable and text.isascii() and len(text) <= _MAX_LEN:
        choices: tuple[str, ...] | list[str] = table.within(text, max_distance)
    else:  # the count table covers ASCII only: ask about every token
        choices = k.typo_tokens
    found = process.extractOne(
        text, choices, scorer=DamerauLevenshtein.distance, score_cutoff=max_distance
    )
    return None if found is None else (found[0], int(found[1]))


@lru_cache(maxsize=8)
def _by_initial(k: Knowledge) -> dict[str, tuple[str, ...]]:
    """The typo tokens grouped by first letter (each group in list order)."""
    groups: dict[str, list[str]] = {}
    for tok in k.typo_tokens:
        groups.setdefault(tok[:1], []).append(tok)
    return {initial: tuple(toks) for initial, toks in groups.items()}


@lru_cache(maxsize=4096)
def _initial_band(k: Knowledge, initial: str, length: int, spread: int) -> tuple[str, ...]:
    """Tokens with this first letter whose length is within ``spread`` of ``length``
    (a distance is at least the difference of the lengths)."""
    group = _by_initial(k).get(initial, ())
    return tuple(tok for tok in group if abs(len(tok) - length) <= spread)


def near_same_initial(text: str, k: Knowledge, max_distance: int = 2) -> bool:
    """Whether a token with ``text``'s first letter is within ``max_distance`` of it.

    The typo check only fires when the nearest token keeps the first letter; when
    no token with that letter is this close, the nearest one (if any) cannot, and
    the few tokens of one letter and about the same length are far cheaper to ask
    than all of them.
    """
    group = _initial_band(k, text[:1], len(text), max_distance)
    found = process.extractOne(
        text, group, scorer=DamerauLevenshtein.distance, score_cutoff=max_distance
    )
    return found is not None
