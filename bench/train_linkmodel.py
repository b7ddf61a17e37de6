"""Fit the link engine's learned lexical model and write ``data/lexmodel.json``.

Training data (all licences allow it; attribution in the model's provenance):
positives = every published family in ``tests/data/intel`` (``leakage.evaluation_families``:
Amnesty Tech investigations, CC-BY; MVT indicators, MIT; Meta's Cytrox list, MIT);
negatives = the OpenDNS top and random lists (public domain).

The shipped model has seen every family, so no figure is ever reported from it: the
figures come from ``bench/bench_linkscore_lofo.py``, which refits without the family
it scores (docs/benchmarks.md, "Link scoring: leave-one-family-out").

Simulator domains (``mercwatch.sim.domains``) never train the shipped model (the
simulator-based pipeline benchmarks score the simulator's own output). Where a
benchmark does train on them (``bench_linkscore_heldout.py``), :func:`simulated_positives`
drops every simulated domain that is a real published one: the simulator's shortener
style writes ``bit-ly.org``, which is also a real Cytrox domain in Meta's list.

Run: python bench/train_linkmodel.py   (needs the ``train`` extra: scikit-learn)
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np

from mercwatch.linkscore import leakage as lk
from mercwatch.linkscore.learned import MODEL_FILE
from mercwatch.linkscore.train import fit
from mercwatch.sim.domains import DomainForge
from mercwatch.sim.vocab import load_vocab

ROOT = Path(__file__).resolve().parent.parent
INTEL = ROOT / "tests" / "data" / "intel"
OUT = ROOT / "src" / "mercwatch" / "linkscore" / "data" / MODEL_FILE
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
#: The shipped model reads no character n-grams: measured leave-one-family-out (the
#: "engine + n-grams" rows, docs/benchmarks.md) they did not improve the engine.
NGRAMS = False


def simulated_positives() -> list[str]:
    """Simulator operation domains (fixed seed), minus any real published domain."""
    real = {d for hosts in lk.evaluation_families(INTEL).values() for d in hosts}
    made = DomainForge(np.random.default_rng(SIM_SEED), load_vocab()).make(SIM_STYLES, SIM_COUNT)
    return [d for d in made if d.lower() not in real]


def benign_half(domain: str) -> int:
    """Stable 0/1 split of the benign domains (sha1 parity, independent of order)."""
    return int(hashlib.sha1(domain.encode()).hexdigest(), 16) % 2


def _lines(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [ln.strip().lower() for ln in text.splitlines() if ln.strip()]


def main() -> int:
    families = lk.evaluation_families(INTEL)
    pos = list(dict.fromkeys(d for hosts in families.values() for d in hosts))
    folder = INTEL / "benign_domains"
    neg = list(
        dict.fromkeys(
            _lines(folder / "opendns-top-domains.txt")
            + _lines(folder / "opendns-random-domains.txt")
        )
    )
    provenance = (
        "logistic regression (scikit-learn, C=0.5, balanced) over the registrable "
        "label's words and lure families, alone and paired with the suffix kind, the "
        "TLD, shape buckets"
        + (" and character 2-5-grams of the registrable name" if NGRAMS else "")
        + f", fitted on positives: {len(pos)} domains of {len(families)} published "
        "families of surveillance-for-hire and civil-society phishing infrastructure "
        "(Amnesty Tech investigations, CC-BY, Amnesty International Security Lab; MVT "
        "indicators, MIT; Meta threat research, MIT, (c) Meta Platforms, Inc.); "
        f"negatives: OpenDNS top+random ({len(neg)}, opendns/public-domain-lists, public "
        "domain). No simulator domain. Figures come from leave-one-family-out refits "
        "(docs/benchmarks.md, Link scoring: leave-one-family-out)."
    )
    model = fit(pos, neg, provenance=provenance, ngrams=NGRAMS)
    OUT.write_text(model.to_json() + "\n", encoding="utf-8")
    print(f"wrote {OUT.name}: {len(model.weights)} weights, {OUT.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
