"""Strong lure words written with one edit inside a label ("updete", "secuirty").

The scan looks up every substring of 4-14 letters, and each of those less one
letter, in the single-deletion index of the strong lure words: a few hundred
slices and lookups per label, nearly all of which miss. Two exact prefilters skip
the lookups that cannot hit, without changing the result:

* Every candidate looked up for a substring is the substring itself or the
  substring less one letter, and every index key has 4+ letters. So the first four
  letters of a candidate are the substring's first four, or its first five less one
  of them; likewise at the end. Unless those four letters begin (end) some key, or
  those five letters are such four with one letter inserted, the substring cannot
  hit: :class:`Edges` holds both sets for each end.
* So a start position whose first letters pass neither set of the heads is skipped
  whole, and a substring whose last letters pass neither set of the tails is
  skipped before its lookups.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from rapidfuzz.distance import OSA

from mercwatch.linkscore.knowledge import is_common_word

if TYPE_CHECKING:
    from mercwatch.linkscore.knowledge import Knowledge

_PARTS = re.compile(r"[^a-z]+")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


@lru_cache(maxsize=8)
def deletion_index(k: Knowledge) -> dict[str, str]:
    """Single-deletion neighbourhood of the strong lure words (for misspellings)."""
    index: dict[str, str] = {}
    for word, (_, tier) in k.lures.items():
        if tier != "strong" or len(word) < 5:
            continue
        for i in range(len(word)):
            index.setdefault(word[:i] + word[i + 1 :], word)
        index.setdefault(word, word)
    return index


@dataclass(frozen=True, slots=True)
class Edges:
    """The four letters at one end of every index key, and those with one letter
    inserted anywhere (the scan works on ``a``-``z`` only)."""

    four: frozenset[str]
    five: frozenset[str]

    @classmethod
    def of(cls, fours: frozenset[str]) -> Edges:
        """Edges from the keys' four-letter ends."""
        five = {e[:p] + ch + e[p:] for e in fours for p in range(5) for ch in _LETTERS}
        return cls(fours, frozenset(five))


@lru_cache(maxsize=8)
def key_edges(k: Knowledge) -> tuple[Edges, Edges]:
    """(heads, tails) of the deletion index keys (all keys have 4+ letters)."""
    keys = deletion_index(k)
    return Edges.of(frozenset(key[:4] for key in keys)), Edges.of(
        frozenset(key[-4:] for key in keys)
    )


def misspelled(label: str, k: Knowledge) -> set[str]:
    """Strong lure words that appear in ``label`` with one edit ("updete")."""
    index = deletion_index(k)
    heads, tails = key_edges(k)
    found: set[str] = set()
    letters = "".join(_PARTS.split(label))[:40]
    for i in range(len(letters)):
        if letters[i : i + 4] not in heads.four and letters[i : i + 5] not in heads.five:
            continue  # no substring starting here can hit
        for j in range(i + 4, min(len(letters), i + 14) + 1):
            sub = letters[i:j]
            if sub[-4:] not in tails.four and sub[-5:] not in tails.five:
                continue  # nor one ending here
            if sub in k.lures or is_common_word(sub, 60000):
                continue
            cands = [sub] + [sub[:p] + sub[p + 1 :] for p in range(len(sub))]
            for cand in cands:
                word = index.get(cand)
                if word and word != sub and word not in letters and OSA.distance(sub, word) == 1:
                    found.add(word)
    return found
