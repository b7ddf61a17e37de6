"""A learned lexical score: logistic regression over words, suffix and shape.

The rule signals name tricks; many mercenary domains use none a rule can name
(``accountnotify.com``, ``adeal4u.co``) yet still *read* differently from ordinary
sites: lure-ish word pairs, cheap TLDs, digit and hyphen habits. A linear model over
the registrable label's words, the words and lure families read *with the kind of
suffix* they sit on (throwaway, established, other: ``suffix.suffix_kind``), the TLD
and a few shape buckets captures that texture. Only the weights are shipped
(``data/lexmodel.json``, with the provenance of the data they were fitted on);
scoring is a dictionary sum, so the runtime needs no machine-learning library.
Training lives in ``bench/train_linkmodel.py`` (scikit-learn).

Why no character n-grams (schema 1 had 2-5-grams): fitted on one family and the
simulator, n-grams learn that family's spelling and then fire on ordinary names;
held out, the word/suffix model ranked the *other* family better in both directions
(docs/benchmarks.md, Link engine).

The model's logit is turned into a :class:`~mercwatch.linkscore.signals.Signal`
through its *benign tail*: the share of the training benign domains scoring at least
as high. A domain above all but a few per mille of ordinary domains gets a weight
near ``cap``; one in the bulk of the benign distribution gets almost nothing. The cap
stays below the malicious threshold, so the model alone never makes a domain
"malicious": a named trick must agree.
"""

from __future__ import annotations

import bisect
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

from mercwatch.errors import ConfigError
from mercwatch.linkscore.parse import Target
from mercwatch.linkscore.signals import Signal
from mercwatch.linkscore.suffix import suffix_kind

if TYPE_CHECKING:
    from mercwatch.linkscore.knowledge import Knowledge

MODEL_FILE = "lexmodel.json"
SCHEMA_VERSION = 2
#: Feature kinds (the part before ``:``), for checks on what a model file holds.
FEATURE_KINDS = frozenset(
    {"w", "kw", "lf", "klf", "kind", "sfx", "tld", "len", "dig", "hyp", "nw", "idn", "cg"}
)
#: Character n-gram sizes of the ``cg`` features (registrable label and suffix).
NGRAM_SIZES = (2, 3, 4, 5)
#: Weights smaller than this are not shipped (their sum moves a logit very little).
MIN_WEIGHT = 0.05
#: Share of the benign logits kept for calibration: below it the weight is < cap / 25.
KEEP_TAIL = 0.05


def _bucket(value: int, edges: Iterable[int]) -> int:
    """Index of the first edge ``value`` is below (len(edges) when above all)."""
    for i, edge in enumerate(edges):
        if value < edge:
            return i
    return len(tuple(edges))


def char_ngrams(target: Target) -> list[str]:
    """``cg`` features: character 2-5-grams of ``^label.suffix$`` (no subdomains)."""
    text = f"^{target.label}.{target.suffix}$"
    return [f"cg:{text[i : i + n]}" for n in NGRAM_SIZES for i in range(len(text) - n + 1)]


def features(target: Target, k: Knowledge, ngrams: bool = False) -> list[str]:
    """Feature names of a parsed, non-IP target (binary presence features).

    Args:
        target: the parsed URL or domain.
        k: the knowledge (lure vocabulary and TLD lists for the suffix kind).

    Returns:
        The registrable label's words (3+ letters), alone and paired with the suffix
        kind; the lure families of those words, alone and paired with the kind; the
        kind; the public suffix and its last label; shape buckets (length, digits,
        hyphens, words, IDN); with ``ngrams``, the character 2-5-grams of the
        registrable name (:func:`char_ngrams`). Nothing of the subdomains: the
        ordinary domains it is fitted on are registrable names, so any subdomain
        would look hostile to it (subdomain tricks are the rules' job).
    """
    label = target.label
    kind = suffix_kind(target, k)
    label_words = k.words(target.label_unicode)
    long_words = [w for w in label_words if len(w) >= 3]
    families = sorted({k.lures[w][0] for w in long_words if w in k.lures})
    out = [f"w:{w}" for w in long_words] + [f"kw:{kind}:{w}" for w in long_words]
    out += [f"lf:{f}" for f in families] + [f"klf:{kind}:{f}" for f in families]
    out += [f"kind:{kind}", f"sfx:{target.suffix}", f"tld:{target.suffix.rsplit('.', 1)[-1]}"]
    digits = sum(ch.isdigit() for ch in label)
    out += [
        f"len:{_bucket(len(label), (4, 6, 8, 10, 13, 16, 20, 25))}",
        f"dig:{_bucket(digits, (1, 2, 4, 8))}",
        f"hyp:{_bucket(label.count('-'), (1, 2, 3))}",
        f"nw:{_bucket(len(label_words), (2, 3, 4, 5))}",
        f"idn:{int(not target.label_unicode.isascii())}",
    ]
    return out + char_ngrams(target) if ngrams else out


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z > -500 else 0.0


@dataclass(frozen=True, eq=False)
class LexicalModel:
    """Weights of the fitted model and the benign logits used to calibrate it.

    Attributes:
        weights: feature name -> coefficient.
        intercept: the model's bias.
        benign_logits: the highest out-of-fold logits of the training benign
            domains (sorted; the top ``KEEP_TAIL`` share), for the calibration.
        benign_count: how many training benign domains there were in all.
        cap: the largest signal weight the model can give.
        tail_scale: benign-tail share at which the weight is half the cap.
        provenance: what the weights were fitted on (shown, never used).
    """

    weights: Mapping[str, float]
    intercept: float
    benign_logits: tuple[float, ...]
    benign_count: int = 0
    cap: float = 0.75
    tail_scale: float = 0.002
    provenance: str = ""
    #: The model reads character n-grams too (``cg`` features).
    ngrams: bool = False

    def logit(self, target: Target, k: Knowledge) -> float:
        """Raw linear score of a parsed target."""
        w = self.weights
        # Sorted: a float sum in set order would differ in the last bits between
        # processes (string hashing is salted), and reruns must match byte for byte.
        return self.intercept + sum(
            w.get(f, 0.0) for f in sorted(set(features(target, k, self.ngrams)))
        )

    def probability(self, target: Target, k: Knowledge) -> float:
        """The model's own probability (meaningful only at its training prior)."""
        return _sigmoid(self.logit(target, k))

    def benign_tail(self, logit: float) -> float:
        """Share of the training benign domains with a logit at least this high."""
        ref = self.benign_logits
        if not ref or logit < ref[0]:
            return 1.0  # below the kept tail: ordinary, and the signal is negligible
        return (len(ref) - bisect.bisect_left(ref, logit)) / max(self.benign_count, len(ref))

    def weight(self, target: Target, k: Knowledge) -> float:
        """Signal weight in ``[0, cap]``: ``cap / (1 + tail / tail_scale)``."""
        return self._weight(self.benign_tail(self.logit(target, k)))

    def _weight(self, tail: float) -> float:
        return self.cap / (1.0 + tail / self.tail_scale)

    def signals(self, target: Target, k: Knowledge) -> list[Signal]:
        """The learned signal, when it carries a meaningful weight (>= 0.05)."""
        tail = self.benign_tail(self.logit(target, k))
        weight = self._weight(tail)
        if weight < 0.05:
            return []
        why = f"reads like hostile infrastructure (learned; top {max(tail, 0.0001):.2%} of benign)"
        return [Signal("learned_lexical", weight, why)]

    def to_json(self) -> str:
        """Serialize (weights below ``MIN_WEIGHT`` dropped, 3 decimals kept)."""
        return json.dumps(
            {
                "schema_version": SCHEMA_VERSION,
                "provenance": self.provenance,
                "intercept": round(self.intercept, 6),
                "cap": self.cap,
                "tail_scale": self.tail_scale,
                "benign_count": self.benign_count,
                "ngrams": self.ngrams,
                "benign_logits": [round(x, 3) for x in self.benign_logits],
                "weights": {
                    k: round(v, 3) for k, v in sorted(self.weights.items()) if abs(v) >= MIN_WEIGHT
                },
            },
            separators=(",", ":"),
            ensure_ascii=True,
        )


def from_json(text: str, source: str = MODEL_FILE) -> LexicalModel:
    """Build a model from its JSON form.

    Raises:
        ConfigError: when the text is not a model of a known schema version.
    """
    try:
        data = json.loads(text)
        if data["schema_version"] != SCHEMA_VERSION:
            raise ValueError(f"schema_version {data['schema_version']!r}")
        return LexicalModel(
            weights={str(k): float(v) for k, v in data["weights"].items()},
            intercept=float(data["intercept"]),
            benign_logits=tuple(sorted(float(x) for x in data["benign_logits"])),
            benign_count=int(data["benign_count"]),
            cap=float(data["cap"]),
            tail_scale=float(data["tail_scale"]),
            provenance=str(data.get("provenance", "")),
            ngrams=bool(data.get("ngrams", False)),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"link model {source}: {exc}") from exc


def load_bundled() -> LexicalModel | None:
    """The shipped model, or None when the package carries none."""
    path = resources.files("mercwatch.linkscore.data").joinpath(MODEL_FILE)
    if not path.is_file():
        return None
    return from_json(path.read_text(encoding="utf-8"))
