"""Confusable skeletons: what a label *looks like*, so look-alikes compare equal.

The mapping is built once from the whole Unicode confusables table (UTS #39) shipped
by ``confusable-homoglyphs``: every character that has an ASCII letter or digit among
its homoglyphs maps to it (Cyrillic ``а`` -> ``a``, ``ⅼ`` -> ``l``); then one pass of
the ASCII look-alikes from ``data/glyphs.yaml`` (``rn`` -> ``m``, ``vv`` -> ``w``,
``0`` -> ``o``, and ``1``/``i`` -> ``l``, which many fonts draw alike). Both sides of a
comparison (brand token and candidate label) go through the same mapping.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from importlib import resources

from confusable_homoglyphs import categories

_ASCII_ALNUM = re.compile(r"^[a-z0-9]$")
#: Skeletons kept before the memo starts again (bounded memory on huge host sets).
_MEMO_SIZE = 65536


@lru_cache(maxsize=1)
def _char_map() -> dict[str, str]:
    """Character -> ASCII prototype, from the full confusables table."""
    raw = (
        resources.files("confusable_homoglyphs")
        .joinpath("confusables.json")
        .read_text(encoding="utf-8")
    )
    table: dict[str, list[dict[str, str]]] = json.loads(raw)
    mapping: dict[str, str] = {}
    for char, homoglyphs in table.items():
        if len(char) != 1 or _ASCII_ALNUM.match(char):
            continue
        candidates = sorted(
            {g["c"].lower() for g in homoglyphs if _ASCII_ALNUM.match(g["c"].lower())},
            key=lambda c: (c.isdigit(), c),
        )
        if candidates:  # prefer a letter: the digit forms are folded to letters later
            mapping[char] = candidates[0]
    return mapping


class Skeletonizer:
    """Maps a label to its confusable skeleton.

    Args:
        ascii_lookalikes: multi-character or digit sequences and what they read as.
    """

    def __init__(self, ascii_lookalikes: dict[str, str]) -> None:
        self._chars = _char_map()
        self._table = str.maketrans(self._chars)  # the same mapping, applied in C
        self._ascii = dict(ascii_lookalikes)
        ordered = sorted(self._ascii, key=len, reverse=True)
        self._ascii_re = re.compile("|".join(map(re.escape, ordered))) if ordered else None
        #: A label's skeleton is asked for twice when it holds look-alike letters
        #: (the homoglyph check, then the homoglyph-combination check).
        self._memo: dict[str, str] = {}

    def skeleton(self, text: str) -> str:
        """Return the look-alike skeleton of ``text`` (memoised: a pure function of it)."""
        memo = self._memo
        found = memo.get(text)
        if found is None:
            if len(memo) >= _MEMO_SIZE:
                memo.clear()
            found = memo[text] = self._skeleton(text)
        return found

    def _skeleton(self, text: str) -> str:
        """Return the look-alike skeleton of ``text`` (lowercase ASCII where possible).

        Args:
            text: a Unicode label.

        Returns:
            The skeleton; equal skeletons look alike on screen.
        """
        folded = unicodedata.normalize("NFKC", text).casefold()
        mapped = folded.translate(self._table)
        if self._ascii_re is not None:  # one left-to-right pass: "rn" -> "m", "1" -> "l"
            mapped = self._ascii_re.sub(lambda m: self._ascii[m.group(0)], mapped)
        return mapped


def scripts_of(label: str) -> frozenset[str]:
    """Unicode scripts of the letters in ``label`` (digits, hyphens are COMMON)."""
    found = set()
    for char in label:
        alias = categories.alias(char)
        if alias not in ("COMMON", "INHERITED"):
            found.add(alias)
    return frozenset(found)
