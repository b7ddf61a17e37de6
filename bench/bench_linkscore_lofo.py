"""Leave-one-family-out evaluation of the link engine (issue 11, items 7 and 8).

For every published family (``tests/data/intel/families/families.yaml``, with
Amnesty's Pegasus list in ``nso_pegasus`` and Meta's Cytrox list in ``predator``) and
each of two sha1 halves of the OpenDNS benign domains:

- the word and brand lists are rebuilt without every token found in the held-out
  family's domains and in no training family's (``leakage.held_out_tokens``);
- the learned model is fitted on the other families (positives) and the *other* benign
  half (negatives); any domain of the held-out family is removed from training;
- the held-out family, the benign half not trained on (popular = OpenDNS top, random
  = OpenDNS random) and the hosted project/personal sites (never trained on) are
  scored by: the engine (rules + learned), the rules alone, and a plain character
  2-5-gram logistic regression fitted on the same data (the baseline).

Recall at FPR f is read per model, at the lowest threshold whose false-positive rate
is <= f on *every* benign kind at once (the issue's target); "pooled" counts every
held-out domain once, "macro" averages the families. Benign flag rates are verdicts
(suspicious or malicious) of the engine, each benign domain scored by a model that did
not train on it.

Run: python bench/bench_linkscore_lofo.py [--folds 1] [--only FAMILY ...]
(needs the ``train`` extra, scikit-learn; about ten minutes on one core with 2 folds)
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from mercwatch.linkscore import MALICIOUS, SUSPICIOUS, LinkScorer
from mercwatch.linkscore import knowledge as kn
from mercwatch.linkscore import leakage as lk
from mercwatch.linkscore.train import fit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_linkscore import benign_half, load_benign, score_engine  # noqa: E402
from linkscore_agnostic import AgnosticModel  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
INTEL = ROOT / "tests" / "data" / "intel"
FPRS = (0.001, 0.005, 0.01)
BENIGN_KINDS = ("popular", "random", "hosted")
ALL_METHODS = (
    "engine",
    "engine + n-grams",
    "rules only",
    "char 2-5-gram LR",
    "agnostic GBM",
    "engine + agnostic GBM",
)
METHODS = list(ALL_METHODS)


class CharNgram:
    """The baseline: binary character 2-5-grams of the whole host, logistic regression."""

    def __init__(self, pos: Sequence[str], neg: Sequence[str]) -> None:
        from sklearn.feature_extraction.text import CountVectorizer
        from sklearn.linear_model import LogisticRegression

        self.vec = CountVectorizer(analyzer="char", ngram_range=(2, 5), binary=True, min_df=2)
        x = self.vec.fit_transform([f"^{d}$" for d in [*pos, *neg]])
        y = np.array([1] * len(pos) + [0] * len(neg))
        self.clf = LogisticRegression(
            C=1.0, class_weight="balanced", max_iter=5000, solver="liblinear"
        ).fit(x, y)

    def scores(self, values: Sequence[str]) -> np.ndarray:
        return self.clf.decision_function(self.vec.transform([f"^{d}$" for d in values]))


@dataclass
class Fold:
    """Scores of one (held-out family, benign half) run, by method and set."""

    family: np.ndarray
    benign: dict[str, np.ndarray]


class EngineScores:
    """The engine as a scoring function, plus its verdicts (flagged = not benign).

    Flags are the engine's verdicts, not ``score >= 0.5``: a name with one kind of
    evidence keeps its score but is not flagged (``linkscore/corroboration.py``).
    """

    def __init__(self, scorer: LinkScorer) -> None:
        self.scorer = scorer

    def __call__(self, values: list[str]) -> np.ndarray:
        return score_engine(self.scorer, values)

    def flags(self, values: list[str]) -> np.ndarray:
        found = self.scorer.score_many(values)
        return np.array([r.verdict in (MALICIOUS, SUSPICIOUS) for r in found])


@dataclass
class Result:
    folds: dict[str, list[Fold]] = field(default_factory=dict)  # method -> folds
    flags: list[tuple[np.ndarray, dict[str, np.ndarray]]] = field(default_factory=list)


def threshold(benign: dict[str, np.ndarray], fpr: float) -> float:
    """Lowest threshold t with FPR(score > t) <= fpr on every benign kind."""
    out = -np.inf
    for scores in benign.values():
        allowed = int(math.floor(fpr * len(scores)))
        ranked = np.sort(scores)[::-1]
        out = max(out, ranked[allowed] if allowed < len(ranked) else -np.inf)
    return float(out)


def hits(fold: Fold, fpr: float) -> tuple[int, int]:
    """(held-out domains above the threshold, held-out domains)."""
    return int((fold.family > threshold(fold.benign, fpr)).sum()), len(fold.family)


def _scorer(
    method: str, k_rules: kn.Knowledge, pos: list[str], neg: list[str]
) -> Callable[[list[str]], np.ndarray]:
    """A scoring function for one method, fitted on (pos, neg) where it learns."""
    if method == "char 2-5-gram LR":
        return CharNgram(pos, neg).scores
    if method == "agnostic GBM":
        return AgnosticModel(k_rules).fit(pos, neg).scores
    if method == "engine + agnostic GBM":
        engine = LinkScorer(knowledge=replace(k_rules, model=fit(pos, neg, knowledge=k_rules)))
        agnostic = AgnosticModel(k_rules, fallback=engine).fit(pos, neg)
        return lambda values: (score_engine(engine, values) + agnostic.scores(values)) / 2
    k = k_rules
    if method.startswith("engine"):
        model = fit(pos, neg, knowledge=k_rules, ngrams=method.endswith("n-grams"))
        k = replace(k_rules, model=model)
    return EngineScores(LinkScorer(knowledge=k))


def run_family(
    name: str,
    families: dict[str, list[str]],
    benign: dict[str, list[str]],
    folds: int,
    base: tuple[dict, list],
) -> Result:
    held = families[name]
    held_set = set(held)
    train_pos = [d for f, ds in families.items() if f != name for d in ds if d not in held_set]
    lure_data, brands = base
    tokens = lk.lure_words(lure_data) | {
        t for b, extra in brands for t in lk.brand_tokens(b, extra)
    }
    drop = lk.held_out_tokens(tokens, held, train_pos)
    k_rules = kn.from_data(*lk.without_tokens(lure_data, brands, drop), model=None)
    res = Result(folds={m: [] for m in METHODS})
    flag_method = "engine + n-grams" if "engine + n-grams" in METHODS else "engine"
    opendns = benign["popular"] + benign["random"]
    for half in range(folds):
        train_neg = [d for d in opendns if benign_half(d) != half]
        test = {
            "popular": [d for d in benign["popular"] if benign_half(d) == half],
            "random": [d for d in benign["random"] if benign_half(d) == half],
            "hosted": benign["hosted"],
        }
        for method in METHODS:
            score = _scorer(method, k_rules, train_pos, train_neg)
            fold = Fold(score(held), {k: score(v) for k, v in test.items()})
            res.folds[method].append(fold)
            if method == flag_method and isinstance(score, EngineScores):
                flags = (score.flags(held), {k: score.flags(v) for k, v in test.items()})
                res.flags.append(flags)
    return res


def _pct(num: int, den: int) -> str:
    return f"{100 * num / den:.1f}" if den else "n/a"


def report(results: dict[str, Result], families: dict[str, list[str]], kinds: dict) -> list[str]:
    lines = [
        "Recall (%) of each held-out family at FPR <= 0.1 / 0.5 / 1 % on every benign kind "
        "at once (engine | rules only | char 2-5-gram LR):",
        "",
        "| family (kind, n) | "
        + " | ".join(f"{m} R@{f * 100:g}%" for m in METHODS for f in FPRS)
        + " |",
        "|---|" + "---|" * (len(METHODS) * len(FPRS)),
    ]
    lines += _family_rows(results, families, kinds)
    lines += _kind_rows(results)
    lines += _flag_rows(results)
    return lines


def _family_rows(
    results: dict[str, Result], families: dict[str, list[str]], kinds: dict
) -> list[str]:
    lines = []
    pooled = {(m, f): [0, 0] for m in METHODS for f in FPRS}
    macro: dict[tuple[str, float], list[float]] = {(m, f): [] for m in METHODS for f in FPRS}
    for name, res in results.items():
        cells = []
        for m in METHODS:
            for f in FPRS:
                h = [hits(fold, f) for fold in res.folds[m]]
                num, den = sum(x for x, _ in h), sum(y for _, y in h)
                pooled[m, f][0] += num
                pooled[m, f][1] += den
                macro[m, f].append(num / den)
                cells.append(_pct(num, den))
        label = f"{name} ({kinds.get(name, '?')}, {len(families[name])})"
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append(
        "| **pooled** | "
        + " | ".join(f"**{_pct(*pooled[m, f])}**" for m in METHODS for f in FPRS)
        + " |"
    )
    lines.append(
        "| **macro (mean of families)** | "
        + " | ".join(f"**{100 * np.mean(macro[m, f]):.1f}**" for m in METHODS for f in FPRS)
        + " |"
    )
    return lines


def _kind_rows(results: dict[str, Result]) -> list[str]:
    lines = [
        "",
        "Recall (%) per benign kind alone (threshold from that kind only), pooled over families:",
        "",
        "| method | benign kind | R@0.1% | R@0.5% | R@1% |",
        "|---|---|---|---|---|",
    ]
    for m in METHODS:
        for kind in BENIGN_KINDS:
            cells = []
            for f in FPRS:
                num = den = 0
                for res in results.values():
                    for fold in res.folds[m]:
                        only = Fold(fold.family, {kind: fold.benign[kind]})
                        a, b = hits(only, f)
                        num, den = num + a, den + b
                cells.append(_pct(num, den))
            lines.append(f"| {m} | {kind} | " + " | ".join(cells) + " |")
    return lines


def _pct2(num: int, den: int) -> str:
    return f"{100 * num / den:.2f}" if den else "n/a"


def _flag_rows(results: dict[str, Result]) -> list[str]:
    lines = [
        "",
        "Engine verdicts (flagged = verdict suspicious or malicious); each benign "
        "domain scored by models that never trained on it (one per held-out family; the "
        "rate is the mean over those models):",
        "",
        "| set | n | flagged % |",
        "|---|---|---|",
    ]
    fam_flag = [0, 0]
    per_family = []
    for name, res in results.items():
        num = sum(int(fam.sum()) for fam, _ in res.flags)
        den = sum(len(fam) for fam, _ in res.flags)
        per_family.append(f"| held out: {name} | {den} | {_pct(num, den)} |")
        fam_flag[0] += num
        fam_flag[1] += den
    lines += per_family
    lines.append(f"| held-out families (pooled) | {fam_flag[1]} | {_pct(*fam_flag)} |")
    for kind in BENIGN_KINDS:
        num = den = 0
        for res in results.values():
            for _, ben in res.flags:
                num += int(ben[kind].sum())
                den += len(ben[kind])
        lines.append(f"| benign {kind} | {den} | {_pct2(num, den)} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, choices=(1, 2), default=2)
    parser.add_argument("--only", nargs="*", help="held-out families to run (default: all)")
    parser.add_argument("--methods", nargs="*", choices=ALL_METHODS, help="default: all")
    args = parser.parse_args(argv)
    if args.methods:
        METHODS[:] = args.methods
    families = lk.evaluation_families(INTEL)
    kinds = lk.family_kinds(INTEL)
    benign = load_benign()
    base = kn.bundled_data()
    results = {}
    start = time.perf_counter()
    for name in args.only or list(families):
        results[name] = run_family(name, families, benign, args.folds, base)
        print(f"{name}: {time.perf_counter() - start:.0f}s", file=sys.stderr)
    print("\n".join(report(results, families, kinds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
