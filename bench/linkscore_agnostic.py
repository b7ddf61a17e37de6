"""Family-agnostic features and a gradient-boosted model (issue 11, fourth round, item 3).

A bench-only attempt, measured leave-one-family-out by ``bench_linkscore_lofo.py``
(methods "agnostic GBM" and "engine + agnostic GBM"): can features that describe a
name's *shape* rather than its words (which a held-out family does not share) find
unseen families better than the engine's word/suffix model?

Features of the registrable label and suffix: length, word count and the share of
letters covered by dictionary words, whether the label is exactly two or three
dictionary words (``weather4free``, ``smartmobilebox``), the words' rarity (rank in
wordninja's English list), character entropy, vowel share, longest consonant and digit
runs, digits and hyphens, subdomain depth, the suffix kind (throwaway / established /
other) and a TLD prior: the smoothed share of positives among *training* domains with
that TLD (fitted inside :meth:`AgnosticModel.fit`, so a held-out family's TLDs never
inform it), plus the rule engine's score and evidence-kind count. Hosted sites
(``*.github.io``) get the rules' score only, as in the engine ("engine + agnostic
GBM": the mean of the engine's score and the model's probability; hosted sites get
the engine's score).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from mercwatch.linkscore import LinkScorer
from mercwatch.linkscore import knowledge as kn
from mercwatch.linkscore.context import hosted
from mercwatch.linkscore.corroboration import evidence_kinds
from mercwatch.linkscore.parse import InvalidTarget, Target, parse_target
from mercwatch.linkscore.signals import combine
from mercwatch.linkscore.suffix import ESTABLISHED, THROWAWAY, suffix_kind
from mercwatch.linkscore.train import parse_all

VOWELS = frozenset("aeiouy")
#: Smoothing of the TLD prior (pseudo-counts at the training base rate), a priori.
PRIOR_STRENGTH = 20.0


def _run(label: str, digits: bool) -> int:
    """Longest run of digits (or of consonants)."""
    best = cur = 0
    for ch in label:
        hit = ch.isdigit() if digits else ch.isalpha() and ch not in VOWELS
        cur = cur + 1 if hit else 0
        best = max(best, cur)
    return best


def _entropy(text: str) -> float:
    counts = Counter(text)
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values()) if n else 0.0


def shape(target: Target, k: kn.Knowledge) -> list[float]:
    """The family-agnostic shape features of one parsed name (no TLD prior)."""
    label = target.label_unicode
    letters = "".join(ch for ch in label if ch.isalpha())
    words = [w for w in k.words(label) if len(w) >= 3]
    covered = sum(len(w) for w in words)
    ranks = [kn.word_rank(w) or 500_000 for w in words]
    kind = suffix_kind(target, k)
    return [
        len(label),
        len(words),
        covered / max(len(letters), 1),
        float(len(words) in (2, 3) and covered == len(letters)),
        float(np.log1p(max(ranks))) if ranks else 14.0,
        float(np.log1p(min(ranks))) if ranks else 14.0,
        _entropy(label),
        sum(ch in VOWELS for ch in letters) / max(len(letters), 1),
        _run(label, digits=False),
        _run(label, digits=True),
        sum(ch.isdigit() for ch in label),
        label.count("-"),
        len(target.subdomains),
        float(kind == THROWAWAY),
        float(kind == ESTABLISHED),
    ]


class AgnosticModel:
    """Gradient-boosted trees over shape features, a TLD prior and the rules' output."""

    def __init__(self, rules: kn.Knowledge, fallback: LinkScorer | None = None) -> None:
        self.k = rules
        self.rules = LinkScorer(knowledge=rules)
        #: scores the hosted sites and IPs (the rules alone unless given)
        self.fallback = fallback or self.rules
        self.prior: dict[str, float] = {}
        self.base = 0.5
        self.clf: object = None

    def _row(self, target: Target) -> list[float]:
        found = self.rules.signals(target)
        tld = target.suffix.rsplit(".", 1)[-1]
        return [
            *shape(target, self.k),
            self.prior.get(tld, self.base),
            combine(found),
            float(len(evidence_kinds(found, self.k))),
        ]

    def fit(self, pos: Sequence[str], neg: Sequence[str]) -> AgnosticModel:
        from sklearn.ensemble import HistGradientBoostingClassifier

        targets, labels = [], []
        for values, y in ((pos, 1), (neg, 0)):
            for t in parse_all(values):
                targets.append(t)
                labels.append(y)
        y_arr = np.array(labels)
        # TLD prior from the training domains only (a held-out family's are not here);
        # balanced like the classifier: positives and negatives weigh the same in total.
        w_pos, w_neg = 0.5 / max(y_arr.sum(), 1), 0.5 / max((1 - y_arr).sum(), 1)
        tot: dict[str, float] = {}
        hit: dict[str, float] = {}
        for t, y in zip(targets, labels, strict=True):
            tld = t.suffix.rsplit(".", 1)[-1]
            tot[tld] = tot.get(tld, 0.0) + (w_pos if y else w_neg)
            hit[tld] = hit.get(tld, 0.0) + (w_pos if y else 0.0)
        scale = PRIOR_STRENGTH * min(w_pos, w_neg)
        self.prior = {t: (hit[t] + self.base * scale) / (tot[t] + scale) for t in tot}
        x = np.array([self._row(t) for t in targets])
        self.clf = HistGradientBoostingClassifier(
            max_iter=200,
            learning_rate=0.05,
            max_leaf_nodes=15,
            class_weight="balanced",
            random_state=0,
        ).fit(x, y_arr)
        return self

    def scores(self, values: Sequence[str]) -> np.ndarray:
        out = np.full(len(values), -1.0)
        rows, where, hosted_at = [], [], []
        for i, value in enumerate(values):
            try:
                t = parse_target(value)
            except InvalidTarget:
                continue
            if t.is_ip or hosted(t, self.k):
                hosted_at.append((i, self.fallback.score(value).score))
                continue
            rows.append(self._row(t))
            where.append(i)
        if rows:
            out[where] = self.clf.predict_proba(np.array(rows))[:, 1]  # type: ignore[attr-defined]
        for i, s in hosted_at:
            out[i] = s
        return out
