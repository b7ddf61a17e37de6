"""Group message texts that are the same script with names and places swapped.

Operators send one lure to many targets, changing the greeting, the outlet or the
city. Masking capitalised tokens (names, places, brands) and numbers, then
comparing word 3-gram shingles with MinHash LSH (datasketch), puts those variants in
one template while unrelated chat stays apart. LSH candidates are confirmed with the
exact Jaccard similarity of the shingle sets, and templates are connected components
of the confirmed pairs (a union-find). Runs in Python over distinct texts only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from datasketch import MinHash, MinHashLSH

URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
TOKEN_RE = re.compile(r"\w+(?:['’]\w+)*")
NAME, NUMBER, LINK = "<name>", "<num>", "<url>"
SHINGLE = 3
NUM_PERM = 128


def masked_tokens(text: str) -> list[str]:
    """Lower-case word tokens with names/places, numbers and links replaced by markers.

    Runs of capitalised words collapse to one marker so "Anna" and "Anna Maria
    Rossi" read the same. Called once per distinct message text (hundreds of
    thousands on a large platform), so the link pattern runs only on texts that can
    hold a link, and each distinct token is classified once per call site's cache.
    """
    return _masked(text, {})


def _masked(text: str, seen: dict[str, str]) -> list[str]:
    """:func:`masked_tokens` with ``seen`` (token -> word) shared across many texts."""
    if "://" in text or ("." in text and "www." in text.lower()):
        text = URL_RE.sub(" zzurlzz ", text)
    out: list[str] = []
    append = out.append
    last = ""
    for token in TOKEN_RE.findall(text):
        word = seen.get(token)
        if word is None:
            word = seen[token] = _word(token)
        if not (word is NAME and last is NAME):
            append(word)
        last = word
    return out


def _word(token: str) -> str:
    """The masked form of one token (a marker, or the token in lower case)."""
    if token == "zzurlzz":
        return LINK
    if token.isalpha():
        return NAME if token[0].isupper() else token.lower()
    if any(map(str.isdigit, token)):
        return NUMBER
    if token[0].isupper():
        return NAME
    return token.lower()


def _plain_words(tokens: list[str]) -> int:
    """How many tokens are words rather than markers."""
    return len(tokens) - tokens.count(NAME) - tokens.count(NUMBER) - tokens.count(LINK)


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


def _sketches(shingle_sets: list[set[str]]) -> list[MinHash]:
    """MinHash sketches of many shingle sets at once (datasketch's bulk path)."""
    encoded = [[s.encode("utf-8") for s in sh] for sh in shingle_sets]
    return list(MinHash.bulk(encoded, num_perm=NUM_PERM, seed=1))


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def find_templates(
    texts: Iterable[str], threshold: float = 0.5, min_words: int = 5
) -> list[Template]:
    """Near-duplicate groups of two or more distinct texts, or of one text sent as is.

    Texts whose masked forms are identical are one script without any comparison;
    only the distinct masked forms go through MinHash LSH. A candidate already in
    the same group is not re-checked, so a template sent in thousands of variants
    costs one comparison per variant, not one per pair.

    Args:
        texts: distinct raw message texts.
        threshold: Jaccard similarity of shingle sets for two texts to be one script.
        min_words: texts with fewer unmasked words ("hi", "thanks!") are never scripts.

    Returns:
        Every eligible text in exactly one template (singletons included, since one
        exact text may be sent many times).
    """
    forms: dict[str, tuple[list[str], list[str]]] = {}
    seen: dict[str, str] = {}
    # Any order will do: keys and members are sorted below.
    for text in set(texts):
        tokens = _masked(text, seen)
        if _plain_words(tokens) >= min_words:
            forms.setdefault(" ".join(tokens), (tokens, []))[1].append(text)
    keys = sorted(forms)
    shingle_sets = [shingles(forms[k][0]) for k in keys]
    parent = list(range(len(keys)))
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    for i, sketch in enumerate(_sketches(shingle_sets)):
        sh = shingle_sets[i]
        for j in sorted(lsh.query(sketch)):
            root_i, root_j = _find(parent, i), _find(parent, j)
            if root_i == root_j:
                continue
            other = shingle_sets[j]
            if len(sh & other) / len(sh | other) >= threshold:
                parent[max(root_i, root_j)] = min(root_i, root_j)
        lsh.insert(i, sketch)
    groups: dict[int, list[int]] = {}
    for idx in range(len(keys)):
        groups.setdefault(_find(parent, idx), []).append(idx)
    templates = []
    for gid, (_, idxs) in enumerate(sorted(groups.items())):
        members = tuple(sorted(text for i in idxs for text in forms[keys[i]][1]))
        # The evidence is the masked form of the first text: the key of its form.
        first = min(idxs, key=lambda i: min(forms[keys[i]][1]))
        templates.append(Template(gid, members, keys[first]))
    return templates
