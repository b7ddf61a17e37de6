"""A learned lexical score: logistic regression over character n-grams and shape.

The rule signals name tricks; many mercenary domains use none a rule can name
(``accountnotify.com``, ``adeal4u.co``) yet still *read* differently from ordinary
sites: lure-ish word pairs, cheap TLDs, digit and hyphen habits. A linear model over
the registrable label's character 2-5-grams, its words, the TLD and a few shape
buckets captures that texture. Only the weights are shipped (``data/lexmodel.json``,
with the provenance of the data they were fitted on); scoring is a dictionary sum,
so the runtime needs no machine-learning library. Training lives in
``bench/train_linkmodel.py`` (scikit-learn).

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

from mercwatch.errors import ConfigError
from mercwatch.linkscore.parse import Target, words
from mercwatch.linkscore.signals import Signal

MODEL_FILE = "lexmodel.json"
SCHEMA_VERSION = 1
NGRAMS = (2, 3, 4, 5)
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


def features(target: Target) -> list[str]:
    """Feature names of a parsed, non-IP target (binary presence features).

    Args:
        target: the parsed URL or domain.

    Returns:
        Character n-grams of the registrable label (``^`` and ``$`` mark its edges),
        its words, the public suffix and its last label, and shape buckets (length,
        digits, hyphens, words, subdomain depth).
    """
    label = target.label
    marked = f"^{label}$"
    out = [f"g:{marked[i : i + n]}" for n in NGRAMS for i in range(len(marked) - n + 1)]
    label_words = words(target.label_unicode)
    out += [f"w:{w}" for w in label_words if len(w) >= 3]
    out += [f"sfx:{target.suffix}", f"tld:{target.suffix.rsplit('.', 1)[-1]}"]
    digits = sum(ch.isdigit() for ch in label)
    out += [
        f"len:{_bucket(len(label), (4, 6, 8, 10, 13, 16, 20, 25))}",
        f"dig:{_bucket(digits, (1, 2, 4, 8))}",
        f"hyp:{_bucket(label.count('-'), (1, 2, 3))}",
        f"nw:{_bucket(len(label_words), (2, 3, 4, 5))}",
        f"sub:{_bucket(len(target.subdomains), (1, 2, 3))}",
        f"idn:{int(not target.label_unicode.isascii())}",
    ]
    return out


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

    def logit(self, target: Target) -> float:
        """Raw linear score of a parsed target."""
        w = self.weights
        return self.intercept + sum(w.get(f, 0.0) for f in set(features(target)))

    def probability(self, target: Target) -> float:
        """The model's own probability (meaningful only at its training prior)."""
        return _sigmoid(self.logit(target))

    def benign_tail(self, logit: float) -> float:
        """Share of the training benign domains with a logit at least this high."""
        ref = self.benign_logits
        if not ref or logit < ref[0]:
            return 1.0  # below the kept tail: ordinary, and the signal is negligible
        return (len(ref) - bisect.bisect_left(ref, logit)) / max(self.benign_count, len(ref))

    def weight(self, target: Target) -> float:
        """Signal weight in ``[0, cap]``: ``cap / (1 + tail / tail_scale)``."""
        return self.cap / (1.0 + self.benign_tail(self.logit(target)) / self.tail_scale)

    def signals(self, target: Target) -> list[Signal]:
        """The learned signal, when it carries a meaningful weight (>= 0.05)."""
        weight = self.weight(target)
        if weight < 0.05:
            return []
        tail = self.benign_tail(self.logit(target))
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
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"link model {source}: {exc}") from exc


def load_bundled() -> LexicalModel | None:
    """The shipped model, or None when the package carries none."""
    path = resources.files("mercwatch.linkscore.data").joinpath(MODEL_FILE)
    if not path.is_file():
        return None
    return from_json(path.read_text(encoding="utf-8"))
