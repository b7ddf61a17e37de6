"""Group message texts that are the same script with names and places swapped.

Operators send one lure to many targets, changing the greeting, the outlet or the
city. Masking capitalised tokens (names, places, brands) and numbers, then
comparing word 3-gram shingles with MinHash LSH (datasketch), puts those variants in
one template while unrelated chat stays apart. LSH candidates are confirmed with the
exact Jaccard similarity of the shingle sets, and templates are connected components
of the confirmed pairs (igraph). Runs in Python over distinct texts only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import igraph
from datasketch import MinHash, MinHashLSH

URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
TOKEN_RE = re.compile(r"\w+(?:['’]\w+)*")
NAME, NUMBER, LINK = "<name>", "<num>", "<url>"
SHINGLE = 3
NUM_PERM = 128


def masked_tokens(text: str) -> list[str]:
    """Lower-case word tokens with names/places, numbers and links replaced by markers.

    Runs of capitalised words collapse to one marker so "Anna" and "Anna Maria
    Rossi" read the same.
    """
    out: list[str] = []
    for token in TOKEN_RE.findall(URL_RE.sub(" zzurlzz ", text)):
        if token == "zzurlzz":
            word = LINK
        elif any(ch.isdigit() for ch in token):
            word = NUMBER
        elif token[0].isupper():
            word = NAME
        else:
            word = token.lower()
        if not (word == NAME and out and out[-1] == NAME):
            out.append(word)
    return out


def shingles(tokens: list[str]) -> set[str]:
    """Word n-grams of the masked tokens (the whole text when shorter)."""
    if len(tokens) <= SHINGLE:
        return {" ".join(tokens)}
    return {" ".join(tokens[i : i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1)}


@dataclass(frozen=True, slots=True)
class Template:
    """A group of near-duplicate texts."""

    template_id: int
    texts: tuple[str, ...]
    masked: str  # the masked form of the group's first text, as evidence


def _sketch(items: set[str]) -> MinHash:
    m = MinHash(num_perm=NUM_PERM, seed=1)
    m.update_batch([s.encode("utf-8") for s in items])
    return m


def find_templates(
    texts: Iterable[str], threshold: float = 0.5, min_words: int = 5
) -> list[Template]:
    """Near-duplicate groups of two or more distinct texts, or of one text sent as is.

    Args:
        texts: distinct raw message texts.
        threshold: Jaccard similarity of shingle sets for two texts to be one script.
        min_words: texts with fewer unmasked words ("hi", "thanks!") are never scripts.

    Returns:
        Every eligible text in exactly one template (singletons included, since one
        exact text may be sent many times).
    """
    eligible: list[tuple[str, list[str], set[str]]] = []
    for text in sorted(set(texts)):
        tokens = masked_tokens(text)
        if sum(1 for t in tokens if not t.startswith("<")) >= min_words:
            eligible.append((text, tokens, shingles(tokens)))
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    edges: list[tuple[int, int]] = []
    for i, (_, _, sh) in enumerate(eligible):
        sketch = _sketch(sh)
        for j in lsh.query(sketch):
            other = eligible[j][2]
            if len(sh & other) / len(sh | other) >= threshold:
                edges.append((j, i))
        lsh.insert(i, sketch)
    graph = igraph.Graph(n=len(eligible), edges=edges)
    groups: dict[int, list[int]] = {}
    for idx, member in enumerate(graph.connected_components().membership):
        groups.setdefault(member, []).append(idx)
    return [
        Template(gid, tuple(eligible[i][0] for i in idxs), " ".join(eligible[idxs[0]][1]))
        for gid, idxs in sorted(groups.items())
    ]
