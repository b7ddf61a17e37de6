"""Fit the learned lexical model (scikit-learn, the optional ``train`` extra).

Used by ``bench/train_linkmodel.py`` to build the shipped ``data/lexmodel.json`` and by
``bench/bench_linkscore.py`` to fit one model per held-out protocol, so the figures
reported for a family always come from a model that never saw it. Deployments can
refit on their own labelled domains the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from mercwatch.errors import ConfigError
from mercwatch.linkscore.knowledge import Knowledge, load
from mercwatch.linkscore.learned import KEEP_TAIL, MIN_WEIGHT, LexicalModel, features
from mercwatch.linkscore.parse import InvalidTarget, Target, parse_target

#: Inverse regularization strength, set a priori (not searched on any evaluation list).
C = 0.5
#: A feature must occur in this many training domains to get a weight.
MIN_DF = 3
#: Folds for the out-of-fold benign logits that calibrate the signal weight.
CALIBRATION_FOLDS = 5


def parse_all(values: Sequence[str]) -> list[Target]:
    """Parsed, non-IP targets of ``values`` (unparsable ones are skipped)."""
    out = []
    for value in values:
        try:
            target = parse_target(value)
        except InvalidTarget:
            continue
        if not target.is_ip:
            out.append(target)
    return out


def _vocabulary(rows: list[list[str]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        for feat in set(row):
            counts[feat] = counts.get(feat, 0) + 1
    kept = sorted(f for f, c in counts.items() if c >= MIN_DF)
    return {f: i for i, f in enumerate(kept)}


def _matrix(rows: list[list[str]], vocab: dict[str, int]) -> Any:  # scipy: untyped
    from scipy.sparse import csr_matrix

    indptr, indices = [0], []
    for row in rows:
        cols = sorted({vocab[f] for f in row if f in vocab})
        indices.extend(cols)
        indptr.append(len(indices))
    data = np.ones(len(indices))
    return csr_matrix((data, indices, indptr), shape=(len(rows), len(vocab)))


def _logreg() -> Any:  # scikit-learn: untyped
    try:
        from sklearn.linear_model import LogisticRegression
    except ImportError as exc:
        raise ConfigError("training the link model needs scikit-learn (extra 'train')") from exc
    return LogisticRegression(C=C, class_weight="balanced", max_iter=5000, solver="liblinear")


def fit(
    positives: Sequence[str],
    negatives: Sequence[str],
    provenance: str = "",
    knowledge: Knowledge | None = None,
    ngrams: bool = False,
) -> LexicalModel:
    """Fit the model on hostile (positive) and ordinary (negative) domains.

    Args:
        positives: domains or URLs of hostile infrastructure.
        negatives: ordinary domains.
        provenance: what the data is, stored with the weights.
        knowledge: lure vocabulary and TLD lists for the features (the bundled
            knowledge by default).
        ngrams: read character 2-5-grams of the registrable name too.

    Returns:
        The model, calibrated on out-of-fold logits of the negatives.

    Raises:
        ConfigError: when scikit-learn is missing or a class is empty.
    """
    pos, neg = parse_all(positives), parse_all(negatives)
    if not pos or not neg:
        raise ConfigError("the link model needs positive and negative domains")
    k = knowledge if knowledge is not None else load(learned=False)
    rows = [features(t, k, ngrams) for t in pos + neg]
    y = np.array([1] * len(pos) + [0] * len(neg))
    vocab = _vocabulary(rows)
    x = _matrix(rows, vocab)
    oof = np.empty(len(rows))
    folds = np.arange(len(rows)) % CALIBRATION_FOLDS
    for fold in range(CALIBRATION_FOLDS):
        test = folds == fold
        clf = _logreg().fit(x[~test], y[~test])
        oof[test] = clf.decision_function(x[test])
    clf = _logreg().fit(x, y)
    benign = sorted(float(v) for v in oof[len(pos) :])
    names = sorted(vocab, key=vocab.__getitem__)
    weights = {
        n: float(w) for n, w in zip(names, clf.coef_[0], strict=True) if abs(w) >= MIN_WEIGHT
    }
    return LexicalModel(
        weights=weights,
        intercept=float(clf.intercept_[0]),
        benign_logits=tuple(benign[-max(1, int(len(benign) * KEEP_TAIL)) :]),
        benign_count=len(benign),
        provenance=provenance,
        ngrams=ngrams,
    )
