"""Lure vocabulary and structure: what a brand-less hostile domain looks like.

Most mercenary domains imitate no brand: they look like a news outlet, a URL
shortener, an app update, a connectivity or weather check, a health notice. We read
the label as words (wordninja, English Wikipedia unigrams) and look the words up in
the lure families of ``data/lures.yaml``, including deliberate misspellings
("newz", "updete"); then we add structural hints (cheap TLD, random-looking or
hex-looking labels, digits mixed into letters, hyphens, length, deep nesting).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import ahocorasick

from mercwatch.linkscore.context import hosted
from mercwatch.linkscore.knowledge import WORD_RANKS, Knowledge
from mercwatch.linkscore.misspell import misspelled as misspelled_lure_words
from mercwatch.linkscore.parse import Target, words
from mercwatch.linkscore.signals import Signal

_PARTS = re.compile(r"[^a-z]+")
_HEX = re.compile(r"^[0-9a-f]{16,}$")
_CONSONANTS = re.compile(r"[bcdfghjklmnpqrstvwxz]{5,}")
_DIGIT_RUN = re.compile(r"[0-9]{4,}")
_MIN_WORD = 3
_UNRANKED = 1 << 62  # rank of a word not in the list: above every threshold


def _families(tokens: Iterable[str], k: Knowledge) -> dict[str, str]:
    """Lure family -> "strong" or "weak" for the words present."""
    seen: dict[str, set[str]] = {}
    tiers: dict[str, str] = {}
    for word in tokens:
        hit = k.lures.get(word) if len(word) >= _MIN_WORD else None
        if hit is None:
            continue
        family, tier = hit
        seen.setdefault(family, set()).add(word)
        if tier == "strong" or len(seen[family]) >= 2:  # two weak words of one family
            tiers[family] = "strong"
        else:
            tiers.setdefault(family, "weak")
    return tiers


def _lure_only(label_words: Iterable[str], fams: dict[str, str], k: Knowledge) -> bool:
    """Two or more lure words, one strong, and nothing but fillers besides."""
    lure = [w for w in label_words if w in k.lures and len(w) >= _MIN_WORD]
    rest = [w for w in label_words if w not in k.lures and w not in k.fillers]
    return len(lure) >= 2 and "strong" in fams.values() and not rest


def _respelled(label: str, k: Knowledge) -> str:
    for old, new in k.respellings.items():
        label = label.replace(old, new)
    return label


def _respelled_words(label: str, label_words: tuple[str, ...], k: Knowledge) -> tuple[str, ...]:
    """The words of ``words(_respelled(label))`` that can be lure words of 4+ letters.

    Only those count (:func:`lure_signals` keeps words of 4+ letters and looks them
    up in the lure families), so two shortcuts skip the second split of the label
    (~6 % of the engine's time per host) without changing what is found:

    * Usually no respelling applies, and then the plain split of the label equals
      ``label_words`` (its split with the lure vocabulary kept whole) unless a run was
      kept whole; such a run is one of ``label_words`` and a vocabulary word, so when
      none of them is, the two splits are the same tuple.
    * A split word is a substring of the lower-cased text: when no lure word of 4+
      letters occurs in it at all, no split word is one, and the answer is empty.
    """
    respelled = _respelled(label, k)
    if respelled == label and not any(w in k.vocabulary for w in label_words):
        return label_words
    if next(_lure_finder(k).iter(respelled.lower()), None) is None:
        return ()
    return words(respelled)


@lru_cache(maxsize=8)
def _lure_finder(k: Knowledge) -> ahocorasick.Automaton:
    """Automaton of the lure words of 4+ letters (any occurrence, found in C)."""
    auto = ahocorasick.Automaton()
    for word in k.lures:
        if len(word) >= 4:
            auto.add_word(word, word)
    auto.add_word("\x00" * 4, "")  # never in a label: an automaton needs one word
    auto.make_automaton()
    return auto


def lure_signals(target: Target, k: Knowledge) -> list[Signal]:
    """Signals from lure words in the label, the subdomains and the TLD."""
    label_words = k.words(target.label_unicode)
    fams = _families(label_words, k)
    out = [
        Signal(f"lure_{tier}", k.weight(f"lure_{tier}"), f"lure words: {fam}")
        for fam, tier in sorted(fams.items())
    ]
    # A respelling makes three-letter lure words ("ssl", "vpn") out of random strings
    # ("0nczsl" -> "ncssl") by chance; only longer respelled words are evidence, and
    # a respelled run is never kept whole as vocabulary ("r5pikz" -> "rspics").
    respelled_words = [
        w for w in _respelled_words(target.label_unicode, label_words, k) if len(w) >= 4
    ]
    respelled = _families(respelled_words, k)
    misspelled = misspelled_lure_words(target.label_unicode, k)
    fixed = {f for f in respelled if f not in fams} | {k.lures[w][0] for w in misspelled}
    out += [
        Signal("lure_misspelled", k.weight("lure_misspelled"), f"misspelled lure word: {fam}")
        for fam in sorted(fixed - set(fams))
    ]
    factor = k.weight("lure_subdomain_factor")
    sub_words = [w for s in target.subdomains for w in k.words(s)]
    for fam, tier in sorted(_families(sub_words, k).items()):
        if fam not in fams:
            weight = k.weight(f"lure_{tier}") * factor
            out.append(Signal(f"lure_{tier}", weight, f"lure words in subdomain: {fam}"))
    if _lure_only(label_words, fams, k):
        out.append(
            Signal("lure_only_name", k.weight("lure_only_name"), "name made only of lure words")
        )
    tld = target.suffix.rsplit(".", 1)[-1]
    if tld in k.lure_tlds and not hosted(target, k):
        out.append(Signal("lure_tld", k.weight("lure_tld"), f"lure word as TLD: .{tld}"))
    return out


def _coverage(label: str, k: Knowledge) -> float:
    """Share of the label's letters that belong to real words (3+ letters)."""
    letters = "".join(_PARTS.split(label))
    if not letters:
        return 0.0
    covered = 0
    ranks = WORD_RANKS  # a dict lookup, not a call per word (the hottest loop here)
    for word in k.words(label):
        if len(word) >= _MIN_WORD and (
            word in k.lures or word in k.tokens or ranks.get(word, _UNRANKED) < 50000
        ):
            covered += len(word)
    return covered / len(letters)


def _tld_risk(target: Target, k: Knowledge) -> list[Signal]:
    if hosted(target, k):  # the platform chose that TLD, not the site's owner
        return []
    tld = target.suffix.rsplit(".", 1)[-1]
    risk = k.tld_risk.get(target.suffix, k.tld_risk.get(tld, 0.0))
    return [Signal("tld_risk", risk, f"often-abused TLD .{tld}")] if risk > 0 else []


def _randomness(label: str, letters: str, cheap_tld: bool, k: Knowledge) -> list[str]:
    """Names of the randomness signals of a label (hex, random, short meaningless)."""
    plain = label.replace("-", "")
    if _HEX.match(plain):
        return ["hex_label"]
    names = []
    if len(letters) >= 6 and _coverage(label, k) < 0.5:
        names.append("random_label")
    elif 3 <= len(letters) <= 5 and cheap_tld and _coverage(label, k) < 0.5:
        names.append("short_random_label")
    if letters and any(ch.isdigit() for ch in plain):
        names.append("digits_mixed")
    if _DIGIT_RUN.search(plain):
        names.append("long_digit_run")
    return names


def _shape(target: Target, label: str, letters: str) -> list[str]:
    """Names of the shape signals: hyphens, length, nesting, consonant runs."""
    hyphens = label.count("-")
    names = ["hyphens_3"] if hyphens >= 3 else ["hyphens_2"] if hyphens == 2 else []
    if len(label) >= 30:
        names.append("very_long_label")
    elif len(label) >= 20:
        names.append("long_label")
    if len(target.subdomains) >= 3:
        names.append("deep_subdomains")
    if _CONSONANTS.search(letters):
        names.append("consonant_run")
    return names


_REASONS = {
    "hex_label": "hex-looking label",
    "random_label": "random-looking label",
    "short_random_label": "short meaningless label on a cheap TLD",
    "digits_mixed": "digits mixed with letters",
    "long_digit_run": "long run of digits",
    "hyphens_3": "3 or more hyphens",
    "hyphens_2": "2 hyphens",
    "very_long_label": "very long label",
    "long_label": "long label",
    "deep_subdomains": "deeply nested subdomains",
    "consonant_run": "unpronounceable run of consonants",
}


def structure_signals(target: Target, k: Knowledge) -> list[Signal]:
    """Structural hints of throwaway infrastructure."""
    label = target.label_unicode  # punycode's own hyphens and digits are not the owner's
    letters = "".join(_PARTS.split(label))
    out = _tld_risk(target, k)
    cheap = bool(out) and out[0].weight >= 0.2
    names = _randomness(label, letters, cheap, k) + _shape(target, label, letters)
    return out + [Signal(n, k.weight(n), _REASONS[n]) for n in names]
