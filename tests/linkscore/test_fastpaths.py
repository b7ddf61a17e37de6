"""The engine's shortcuts give exactly what the straightforward computation gives.

Each shortcut (word split over dictionary hits, bare-host parsing, count bound
before the typo search, prefilters of the brand-token and misspelling scans, one
split for the respelled label, the unsorted single reason) is
compared with a plain reference: the library call it replaces, the general parser,
or the loop as it was written before the prefilter.
"""

from __future__ import annotations

import re

import pytest
import wordninja
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import process
from rapidfuzz.distance import OSA, DamerauLevenshtein

from mercwatch.linkscore import load
from mercwatch.linkscore.brandmatch import _DELIMS, find_token
from mercwatch.linkscore.knowledge import Knowledge, Token, is_common_word
from mercwatch.linkscore.lexical import _respelled, _respelled_words
from mercwatch.linkscore.misspell import deletion_index, misspelled
from mercwatch.linkscore.nearest import near_same_initial, nearest_token
from mercwatch.linkscore.parse import (
    InvalidTarget,
    _bare_host_labels,
    _parse_general,
    parse_target,
    words,
)
from mercwatch.linkscore.signals import Signal, reasons
from mercwatch.linkscore.wordsplit import split_letters

K = load()
LETTERS = "abcdefghijklmnopqrstuvwxyz"
BRAND_WORDS = sorted(K.tokens)
LURE_WORDS = sorted(K.lures)
PLAIN_WORDS = [w for w in LURE_WORDS + BRAND_WORDS if re.fullmatch("[a-z]+", w)]
EDGE_WORDS = ["xn", "hxxp", "www", "com", "top", "co", "uk", "1", "0", "_", "-", "--", "."]


@st.composite
def mutated(draw: st.DrawFn, words: list[str], alphabet: str = LETTERS) -> str:
    """A word with up to three random edits (insert, delete, substitute, swap)."""
    text = draw(st.sampled_from(words))
    for _ in range(draw(st.integers(0, 3))):
        pos = draw(st.integers(0, max(len(text) - 1, 0)))
        op = draw(st.sampled_from("idst"))
        char = draw(st.sampled_from(alphabet))
        if op == "i":
            text = text[:pos] + char + text[pos:]
        elif op == "d" and len(text) > 1:
            text = text[:pos] + text[pos + 1 :]
        elif op == "s":
            text = text[:pos] + char + text[pos + 1 :]
        elif op == "t" and pos + 1 < len(text):
            text = text[:pos] + text[pos + 1] + text[pos] + text[pos + 2 :]
    return text


def glued(words: list[str], alphabet: str = LETTERS) -> st.SearchStrategy[str]:
    """Words (some misspelled) and random letters glued together."""
    piece = st.one_of(
        st.sampled_from(words), mutated(words, alphabet), st.text(alphabet, min_size=1, max_size=6)
    )
    return st.lists(piece, min_size=1, max_size=4).map("".join)


# --- word split -------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(LETTERS, min_size=1, max_size=70), glued(PLAIN_WORDS)))
def test_split_letters_is_wordninja(text: str) -> None:
    assert split_letters(text) == tuple(wordninja.split(text))


# --- bare host parsing ------------------------------------------------------------


def _outcome(parse, value: str) -> object:
    try:
        return parse(value)
    except InvalidTarget as exc:
        return ("invalid", exc.reason)


HOST_PIECES = st.one_of(
    st.sampled_from(EDGE_WORDS + BRAND_WORDS[:50]),
    st.text(LETTERS + "0123456789-_.", min_size=1, max_size=12),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(HOST_PIECES, min_size=1, max_size=6).map(".".join))
def test_bare_host_parse_is_general_parse(value: str) -> None:
    assert _outcome(parse_target, value) == _outcome(_parse_general, value)


@pytest.mark.parametrize(
    ("value", "fast"),
    [
        ("example.com", True),
        ("a-b.c_d.co.uk", True),
        ("1.2.3.4", False),  # an IP address
        ("xn--e1afmkfd.xn--p1ai", False),  # punycode
        ("hxxpexample.com", False),  # refang rewrites the start
        ("Example.com", False),
        ("example.com.", False),
        ("-a.com", False),
    ],
)
def test_bare_host_fast_path_takes_only_plain_names(value: str, fast: bool) -> None:
    assert (_bare_host_labels(value) is not None) is fast
    assert _outcome(parse_target, value) == _outcome(_parse_general, value)


# --- typo search --------------------------------------------------------------------


def _extract_all(text: str, k: Knowledge) -> tuple[str, int] | None:
    found = process.extractOne(
        text, k.typo_tokens, scorer=DamerauLevenshtein.distance, score_cutoff=2
    )
    return None if found is None else (found[0], int(found[1]))


@settings(max_examples=400, deadline=None)
@given(st.one_of(mutated(list(K.typo_tokens), LETTERS + "0123456789"), glued(BRAND_WORDS)))
def test_nearest_token_is_extract_one_over_all(text: str) -> None:
    expected = _extract_all(text, K)
    assert nearest_token(text, K) == expected
    if expected is not None and expected[0][0] == text[0]:
        assert near_same_initial(text, K)


def test_nearest_token_finds_a_typo_and_none_for_noise() -> None:
    assert nearest_token("instagran", K) == ("instagram", 1)
    assert nearest_token("qqqqqqqqqq", K) is None


# --- brand-token scan ---------------------------------------------------------------


def _find_token_reference(label: str, table: dict[str, Token]) -> tuple[Token, bool, bool] | None:
    """find_token as written before its prefilter."""
    best: tuple[Token, bool, bool] | None = None
    best_len = 0
    n = len(label)
    for i in range(n):
        for j in range(min(n, i + 40), i + 2, -1):
            tok = table.get(label[i:j])
            if tok is None or best_len >= j - i:
                continue
            delimited = (i == 0 or label[i - 1] in _DELIMS) and (j == n or label[j] in _DELIMS)
            best, best_len = (tok, delimited, i == 0 and j == n), j - i
            break
    return best


@settings(max_examples=300, deadline=None)
@given(glued(BRAND_WORDS + LURE_WORDS, LETTERS + "0123456789-"))
def test_find_token_is_the_full_scan(label: str) -> None:
    for table in (K.tokens, K.skeletons):
        assert find_token(label, table) == _find_token_reference(label, table)


# --- misspelled lure words ----------------------------------------------------------


def _misspelled_reference(label: str, k: Knowledge) -> set[str]:
    """The misspelling scan as written before its prefilters."""
    index = deletion_index(k)
    found: set[str] = set()
    letters = "".join(re.split(r"[^a-z]+", label))[:40]
    for i in range(len(letters)):
        for j in range(i + 4, min(len(letters), i + 14) + 1):
            sub = letters[i:j]
            if sub in k.lures or is_common_word(sub, 60000):
                continue
            for cand in [sub] + [sub[:p] + sub[p + 1 :] for p in range(len(sub))]:
                word = index.get(cand)
                if word and word != sub and word not in letters and OSA.distance(sub, word) == 1:
                    found.add(word)
    return found


STRONG = sorted(w for w, (_, tier) in K.lures.items() if tier == "strong" and len(w) >= 5)


@settings(max_examples=300, deadline=None)
@given(glued(STRONG, LETTERS + "-0"))
def test_misspelled_is_the_full_scan(label: str) -> None:
    assert misspelled(label, K) == _misspelled_reference(label, K)


def test_misspelled_finds_one_edit() -> None:
    assert "update" in STRONG
    assert misspelled("updete-now", K) == {"update"}
    assert misspelled("update-now", K) == set()


def _lure_words_reference(label: str) -> list[str]:
    """What ``lure_signals`` reads of the respelled label, computed the plain way."""
    return [w for w in words(_respelled(label, K)) if len(w) >= 4 and w in K.lures]


@settings(max_examples=300, deadline=None)
@given(glued(LURE_WORDS + PLAIN_WORDS[:200], LETTERS + "0123456789-"))
def test_respelled_words_hold_the_same_lure_words(label: str) -> None:
    """The shortcuts of ``lure_signals``' second split find the same lure words."""
    found = _respelled_words(label, K.words(label), K)
    assert [w for w in found if len(w) >= 4 and w in K.lures] == _lure_words_reference(label)


@pytest.mark.parametrize(
    "label", ["wifi-news", "covid", "w1fi", "update", "upd4te", "rybhpk", "0nczsl", "r5pikz"]
)
def test_respelled_words_on_vocabulary_runs(label: str) -> None:
    found = _respelled_words(label, K.words(label), K)
    assert [w for w in found if len(w) >= 4 and w in K.lures] == _lure_words_reference(label)


@given(
    st.lists(
        st.builds(Signal, st.sampled_from("abc"), st.floats(-1, 1), st.sampled_from("xyzw")),
        max_size=5,
    ),
    st.integers(0, 6),
)
def test_reasons_is_the_sorted_reference(signals: list[Signal], limit: int) -> None:
    seen: dict[str, float] = {}
    for sig in signals:
        seen[sig.reason] = max(seen.get(sig.reason, 0.0), sig.weight)
    ordered = sorted(seen.items(), key=lambda kv: (-kv[1], kv[0]))
    assert reasons(signals, limit) == tuple(text for text, _ in ordered[:limit])
