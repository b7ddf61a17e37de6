"""Helpers shared by the link-engine benchmarks (bench_linkscore*.py, train_linkmodel.py).

One module that the scripts import, instead of scripts importing each other
(``bench_linkscore`` and ``bench_linkscore_heldout`` used to import one another, and
the held-out and leave-one-family-out scripts took helpers from the training script).
Not a script: nothing here runs on import.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import numpy as np

from mercwatch.linkscore import LinkScorer
from mercwatch.linkscore import leakage as lk
from mercwatch.sim.domains import DomainForge
from mercwatch.sim.vocab import load_vocab

ROOT = Path(__file__).resolve().parent.parent
INTEL = ROOT / "tests" / "data" / "intel"
FPR_GRID = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1)
SIM_STYLES = (
    "news_typo",
    "news_combo",
    "news_homoglyph",
    "shortener_spoof",
    "brand_subdomain",
    "brand_combo",
    "update_service",
)
SIM_SEED, SIM_COUNT = 7, 3000


def read_lines(path: Path) -> list[str]:
    """The file's non-empty lines, stripped and lower-cased (domain lists)."""
    return [
        ln.strip().lower() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()
    ]


def _lines(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return list(dict.fromkeys(ln.strip().lower() for ln in text.splitlines() if ln.strip()))


def load_benign() -> dict[str, list[str]]:
    """The benign kinds: OpenDNS top (popular), OpenDNS random, hosted sites."""
    hosted = [ln.split("\t")[0] for ln in _lines(INTEL / "benign_hosted" / "hosts.tsv")]
    return {
        "popular": _lines(INTEL / "benign_domains" / "opendns-top-domains.txt"),
        "random": _lines(INTEL / "benign_domains" / "opendns-random-domains.txt"),
        "hosted": hosted,
    }


def simulated_positives() -> list[str]:
    """Simulator operation domains (fixed seed), minus any real published domain."""
    real = {d for hosts in lk.evaluation_families(INTEL).values() for d in hosts}
    made = DomainForge(np.random.default_rng(SIM_SEED), load_vocab()).make(SIM_STYLES, SIM_COUNT)
    return [d for d in made if d.lower() not in real]


def benign_half(domain: str) -> int:
    """Stable 0/1 split of the benign domains (sha1 parity, independent of order)."""
    return int(hashlib.sha1(domain.encode()).hexdigest(), 16) % 2


def roc(pos: np.ndarray, neg: np.ndarray) -> tuple[float, dict[float, float]]:
    """ROC-AUC (ties count half) and recall at each FPR of the grid.

    Recall at FPR f uses the lowest threshold whose FPR is <= f ("score > t" with t
    taken among the negative scores), so ties never let an FPR budget be exceeded.
    """
    both = np.concatenate([pos, neg])
    order = both.argsort(kind="mergesort")
    ranks = np.empty(len(both))
    sorted_vals = both[order]
    _, first, counts = np.unique(sorted_vals, return_index=True, return_counts=True)
    avg = first + (counts - 1) / 2.0 + 1
    ranks[order] = np.repeat(avg, counts)
    auc = (ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))
    neg_sorted = np.sort(neg)[::-1]
    out = {}
    for fpr in FPR_GRID:
        allowed = int(math.floor(fpr * len(neg)))
        thr = neg_sorted[allowed] if allowed < len(neg) else -np.inf
        out[fpr] = float((pos > thr).mean())
    return float(auc), out


def score_engine(scorer: LinkScorer, values: list[str]) -> np.ndarray:
    """Engine scores; invalid inputs score -1 (below every valid one)."""
    res = scorer.score_many(values)
    return np.array([-1.0 if r.verdict == "invalid" else r.score for r in res])


def roc_row(name: str, auc: float | None, curve: dict[float, float]) -> str:
    """One markdown row: name, ROC-AUC and recall at each FPR of the grid."""
    cells = " | ".join(f"{curve[f] * 100:.1f}" for f in FPR_GRID)
    return f"| {name} | {'' if auc is None else f'{auc:.3f}'} | {cells} |"
