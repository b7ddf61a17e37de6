"""Load the bundled knowledge (brands, lures, TLD risk, glyphs, weights) once.

Everything the engine knows about the world is in ``data/*.yaml``; this module turns
those files into lookup tables and never holds knowledge of its own. A deployment can
pass extra brand files (its regional banks, ministries, outlets) to :func:`load`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import wordninja
import yaml

from mercwatch.errors import ConfigError
from mercwatch.iocs import extractor
from mercwatch.linkscore.glyphs import Skeletonizer
from mercwatch.linkscore.learned import LexicalModel, load_bundled
from mercwatch.linkscore.parse import words

DATA_PACKAGE = "mercwatch.linkscore.data"
BRAND_FILES = ("brands.yaml", "brands_regional.yaml")
#: Words more frequent than this rank in English Wikipedia are "ordinary words".
COMMON_WORD_RANK = 1200
#: Tokens shorter than this only serve the exact legit-domain check.
MIN_TOKEN = 3


@dataclass(frozen=True, slots=True)
class Brand:
    """A protected brand: its name, category and the domains it really owns."""

    name: str
    category: str
    domains: tuple[str, ...]
    cc: bool = False


@dataclass(frozen=True, slots=True)
class Token:
    """A brand name token (``whatsapp``, ``bbc``) and whether it is distinctive."""

    text: str
    brand: Brand
    ambiguous: bool
    hyphenated: bool = False


@dataclass(frozen=True, eq=False)  # identity hash: used as a cache key
class Knowledge:
    """Lookup tables built from the data files. Build with :func:`load`."""

    brands: tuple[Brand, ...]
    legit: dict[str, Brand]
    tokens: dict[str, Token]
    skeletons: dict[str, Token]
    typo_tokens: tuple[str, ...]
    lures: dict[str, tuple[str, str]]
    fillers: frozenset[str]
    tld_risk: dict[str, float]
    lure_tlds: frozenset[str]
    resellers: frozenset[str]
    respellings: dict[str, str]
    weights: dict[str, float]
    skeletonizer: Skeletonizer = field(repr=False)
    model: LexicalModel | None = field(default=None, repr=False)
    sign_in: frozenset[str] = frozenset()
    #: Lure words of 4+ letters, kept whole when a run of letters is exactly one
    #: (``parse.words``). Not the 3-letter ones: ``cdn``, ``sms``, ``apk`` are also
    #: ordinary infrastructure abbreviations (``gannett-cdn.com``) and chance hits in
    #: random tokens (``lu4cdn``): measured, they raised 20 benign domains and 16
    #: random spam hosts.
    vocabulary: frozenset[str] = frozenset()

    def words(self, label: str) -> tuple[str, ...]:
        """``parse.words`` with this knowledge's lure vocabulary kept whole."""
        return words(label, self.vocabulary)

    def weight(self, signal: str) -> float:
        """Weight of a named signal (KeyError means a code/data mismatch)."""
        return self.weights[signal]


_WORD_COST = wordninja.DEFAULT_LANGUAGE_MODEL._wordcost
_LOG_WORDS = math.log(len(_WORD_COST))
#: Every word's rank, computed once (~50 ms): the engine asks for ranks of several
#: words and substrings per host, and the ``exp`` per ask was ~5 % of its time.
#: cost = log((rank + 1) * log(N)), see wordninja.
WORD_RANKS: dict[str, int] = {
    word: max(0, round(math.exp(cost) / _LOG_WORDS) - 1) for word, cost in _WORD_COST.items()
}


def word_rank(word: str) -> int | None:
    """Frequency rank of ``word`` in wordninja's English Wikipedia list, or None."""
    return WORD_RANKS.get(word)


def is_common_word(word: str, max_rank: int = COMMON_WORD_RANK) -> bool:
    """True when ``word`` is an ordinary English word (frequent in Wikipedia)."""
    rank = word_rank(word)
    return rank is not None and rank < max_rank


def _read_yaml(name: str, extra_dir: Path | None = None) -> Any:
    try:
        if extra_dir is not None:
            return yaml.safe_load((extra_dir / name).read_text(encoding="utf-8"))
        text = resources.files(DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")
        return yaml.safe_load(text)
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"link knowledge file {name}: {exc}") from exc


def _brands(entries: Iterable[dict[str, Any]], source: str) -> list[tuple[Brand, list[str]]]:
    out = []
    for i, entry in enumerate(entries):
        try:
            brand = Brand(
                name=str(entry["n"]),
                category=str(entry["c"]),
                domains=tuple(str(d).lower() for d in entry["d"]),
                cc=bool(entry.get("cc", False)),
            )
        except (KeyError, TypeError) as exc:
            raise ConfigError(f"{source} entry {i}: needs n, c and d ({exc})") from exc
        extra = [str(t).lower() for t in entry.get("t", [])]
        out.append((brand, extra + (["__s__"] if entry.get("s") else [])))
    return out


def _token_for(text: str, brand: Brand, generic: bool, lures: dict[str, Any]) -> Token:
    plain = text.replace("-", "")
    ambiguous = (
        (generic and is_common_word(plain, 60000)) or plain in lures or is_common_word(plain)
    )
    return Token(plain, brand, ambiguous, hyphenated="-" in text)


def _index_brands(
    brands: list[tuple[Brand, list[str]]], lures: dict[str, Any]
) -> tuple[dict[str, Brand], dict[str, Token]]:
    legit: dict[str, Brand] = {}
    tokens: dict[str, Token] = {}
    for brand, extra in brands:
        # "s" marks the brand's own name (first domain's label) as an ordinary word.
        primary = extractor()(brand.domains[0]).domain if "__s__" in extra else None
        names = [t for t in extra if t != "__s__"]
        for dom in brand.domains:
            legit.setdefault(dom, brand)
        names.append(extractor()(brand.domains[0]).domain)  # the main domain names it
        for name in names:
            token = _token_for(name, brand, name == primary, lures)
            if len(token.text) >= MIN_TOKEN:
                known = tokens.get(token.text)
                if known is None or (known.ambiguous and not token.ambiguous):
                    tokens[token.text] = token
    return legit, tokens


def _lures(data: dict[str, Any]) -> dict[str, tuple[str, str]]:
    lures: dict[str, tuple[str, str]] = {}
    for family, tiers in data.items():
        if family in ("fillers", "sign_in"):
            continue
        for tier in ("strong", "weak"):
            for word in tiers.get(tier, []):
                lures.setdefault(str(word).lower(), (family, tier))
    return lures


def bundled_data(regional: bool = True) -> tuple[dict[str, Any], list[tuple[Brand, list[str]]]]:
    """The bundled lure data and brand entries, read but not indexed.

    Returns:
        ``lures.yaml`` as read, and each brand with its extra name tokens.
    """
    brand_entries: list[tuple[Brand, list[str]]] = []
    for name in BRAND_FILES if regional else BRAND_FILES[:1]:
        brand_entries += _brands(_read_yaml(name) or [], name)
    return _read_yaml("lures.yaml"), brand_entries


@lru_cache(maxsize=8)
def load(
    regional: bool = True, extra_brand_files: tuple[str, ...] = (), learned: bool = True
) -> Knowledge:
    """Load and index the bundled knowledge (cached: call freely).

    Args:
        regional: include ``brands_regional.yaml`` (national outlets, banks, operators).
        extra_brand_files: paths of further brand files in the same format.
        learned: include the shipped learned lexical model (``data/lexmodel.json``).

    Returns:
        The indexed knowledge.

    Raises:
        ConfigError: when a data file is missing or malformed.
    """
    lure_data, brand_entries = bundled_data(regional)
    for path in extra_brand_files:
        p = Path(path)
        brand_entries += _brands(_read_yaml(p.name, p.parent) or [], path)
    return from_data(lure_data, brand_entries, load_bundled() if learned else None)


def from_data(
    lure_data: dict[str, Any],
    brand_entries: list[tuple[Brand, list[str]]],
    model: LexicalModel | None,
) -> Knowledge:
    """Index already-read lure and brand data (the TLD, glyph and weight files bundled).

    :func:`load` reads the bundled files through it; the leave-one-family-out
    benchmark passes lists with a held-out family's tokens removed
    (``leakage.without_tokens``), so the rules it scores with never saw that family.
    """
    lures = _lures(lure_data)
    legit, tokens = _index_brands(brand_entries, lures)
    tlds = _read_yaml("tlds.yaml")
    glyphs = _read_yaml("glyphs.yaml")
    skel = Skeletonizer({str(k): str(v) for k, v in glyphs["ascii_lookalikes"].items()})
    skeletons: dict[str, Token] = {}
    for tok in sorted(tokens.values(), key=lambda t: t.ambiguous):  # distinctive first
        skeletons.setdefault(skel.skeleton(tok.text), tok)
    return Knowledge(
        brands=tuple(b for b, _ in brand_entries),
        legit=legit,
        tokens=tokens,
        skeletons=skeletons,
        typo_tokens=tuple(sorted(t for t, tok in tokens.items() if not tok.ambiguous)),
        lures=lures,
        fillers=frozenset(str(w) for w in lure_data.get("fillers", [])),
        tld_risk={str(k): float(v) for k, v in tlds["risk"].items()},
        lure_tlds=frozenset(str(t) for t in tlds["lure_tlds"]),
        resellers=frozenset(str(t) for t in tlds["resellers"]),
        respellings={str(k): str(v) for k, v in glyphs["respellings"].items()},
        weights={str(k): float(v) for k, v in _read_yaml("weights.yaml").items()},
        skeletonizer=skel,
        model=model,
        sign_in=frozenset(str(w) for w in lure_data.get("sign_in", [])),
        vocabulary=frozenset(w for w in lures if w.isalpha() and len(w) >= 4),
    )
