"""Held-out evaluation of rules + learned model (the "Link engine" benchmark's second half).

Every figure comes from a model refit without the evaluated data:

- family held out, benign 2-fold: to score Meta Cytrox, fit on Pegasus + simulator
  positives and one sha1-half of the benign domains, evaluate on Cytrox and the
  other half; swap halves; report the mean of the two folds (and the reverse for
  Pegasus).
- simulator only: positives from the simulator alone (held out from both families).
- benign by list: fit with the benign *random* list, evaluate against the *top* list
  (and the reverse), positives as in the first protocol.

Rows "rules only" and "learned only" (the refit model's logit alone) use the same
negatives, so the gain is read within a row group.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
from eval_linkscore import FPR_GRID, benign_half, roc, roc_row, score_engine, simulated_positives

from mercwatch.linkscore import LinkScorer
from mercwatch.linkscore.knowledge import Knowledge
from mercwatch.linkscore.learned import LexicalModel
from mercwatch.linkscore.parse import InvalidTarget, parse_target
from mercwatch.linkscore.train import fit

FAMILIES = ("meta_cytrox", "amnesty_pegasus")
Split = tuple[list[str], list[str]]  # (train benign, test benign)


def _other(family: str) -> str:
    return FAMILIES[1 - FAMILIES.index(family)]


def _mean(results: list[tuple[float, dict[float, float]]]) -> tuple[float, dict[float, float]]:
    auc = float(np.mean([r[0] for r in results]))
    return auc, {f: float(np.mean([r[1][f] for r in results])) for f in FPR_GRID}


def _logits(model: LexicalModel, k: Knowledge, values: list[str]) -> np.ndarray:
    """The model's logit alone (unparsable and IP inputs lowest)."""
    out = []
    for value in values:
        try:
            target = parse_target(value)
        except InvalidTarget:
            out.append(-1e9)
            continue
        out.append(-1e9 if target.is_ip else model.logit(target, k))
    return np.array(out)


def _run(
    k: Knowledge, sets: dict[str, list[str]], family: str, pos: list[str], splits: list[Split]
) -> tuple[list, list, list, list]:
    """(rules + learned, rules, learned alone, verdict tallies) over the benign splits."""
    rules = LinkScorer(knowledge=k)
    learned, base, alone, tallies = [], [], [], []
    for train_neg, test_neg in splits:
        model = fit(pos, train_neg, knowledge=k)
        scorer = LinkScorer(knowledge=replace(k, model=model))
        p, n = score_engine(scorer, sets[family]), score_engine(scorer, test_neg)
        learned.append(roc(p, n))
        base.append(roc(score_engine(rules, sets[family]), score_engine(rules, test_neg)))
        alone.append(roc(_logits(model, k, sets[family]), _logits(model, k, test_neg)))
        tallies.append((p, n))
    return learned, base, alone, tallies


def _verdicts(name: str, tallies: list) -> list[str]:
    pos = np.concatenate([t[0] for t in tallies])
    neg = np.concatenate([t[1] for t in tallies])
    return [
        f"| {name} | {(pos >= 0.8).mean():.1%} | {(pos >= 0.5).mean():.1%} | "
        f"{(neg >= 0.8).mean():.2%} | {(neg >= 0.5).mean():.1%} |"
    ]


def heldout_section(sets: dict[str, list[str]], k: Knowledge) -> list[str]:
    """Markdown lines of the held-out protocols (fits 12 models: a few minutes)."""
    sim = simulated_positives()
    halves = [[d for d in sets["benign"] if benign_half(d) == i] for i in (0, 1)]
    two_fold: list[Split] = [(halves[1], halves[0]), (halves[0], halves[1])]
    by_list: dict[str, list[Split]] = {
        "train random, test top": [(sets["benign_random"], sets["benign_top"])],
        "train top, test random": [(sets["benign_top"], sets["benign_random"])],
    }
    protocols: list[tuple[str, Callable[[str], list[str]], list[Split]]] = [
        ("other family + sim, benign 2-fold", lambda f: sets[_other(f)] + sim, two_fold),
        ("sim only, benign 2-fold", lambda f: sim, two_fold),
    ] + [
        (f"other family + sim, {n}", lambda f: sets[_other(f)] + sim, s) for n, s in by_list.items()
    ]
    header = "| protocol | method | ROC-AUC | " + " | ".join(f"R@{f * 100:g}%" for f in FPR_GRID)
    lines: list[str] = []
    verdict_rows: list[str] = []
    for family in FAMILIES:
        lines += ["", f"Held out: {family} ({len(sets[family])}). Recall (%) at FPR:", ""]
        lines += [header + " |", "|---|---|---|" + "---|" * len(FPR_GRID)]
        for name, positives, splits in protocols:
            learned, base, alone, tallies = _run(k, sets, family, positives(family), splits)
            rows = [("rules + learned", learned), ("rules only", base), ("learned only", alone)]
            for label, res in rows:
                auc, curve = _mean(res)
                lines.append(roc_row(f"{name} | {label}", auc, curve))
            if name.endswith("2-fold") and name.startswith("other"):
                verdict_rows += _verdicts(family, tallies)
    lines += [
        "",
        "Verdicts, rules + learned, family held out, benign 2-fold (benign pooled over folds):",
        "",
        "| held-out family | family malicious | family suspicious+ | benign malicious "
        "| benign suspicious+ |",
        "|---|---|---|---|---|",
        *verdict_rows,
    ]
    return lines
