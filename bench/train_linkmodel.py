"""Fit the link engine's learned lexical model and write ``data/lexmodel.json``.

Training data (all licences allow it; attribution in the model's provenance):
positives = Meta's Cytrox domains (MIT) + Amnesty's Pegasus domains (CC-BY, Amnesty
International Security Lab); negatives = the OpenDNS top and random lists (public
domain). Simulator domains (``mercwatch.sim.domains``) serve only the held-out
protocols, never the shipped model, so simulator-based benchmarks stay unflattered.

The shipped model has seen both real families, so no figure is ever reported from
it: ``bench/bench_linkscore.py`` refits per protocol with the evaluated family (and
the evaluated benign half or list) held out, using :func:`protocol_data` below.

Run: python bench/train_linkmodel.py   (needs the ``train`` extra: scikit-learn)
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np

from mercwatch.linkscore.learned import MODEL_FILE
from mercwatch.linkscore.train import fit
from mercwatch.sim.domains import DomainForge
from mercwatch.sim.vocab import load_vocab

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_linkscore import load_sets  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
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


def simulated_positives() -> list[str]:
    """Operation domains from the simulator (fixed seed), in its mercenary styles."""
    return DomainForge(np.random.default_rng(SIM_SEED), load_vocab()).make(SIM_STYLES, SIM_COUNT)


def benign_half(domain: str) -> int:
    """Stable 0/1 split of the benign domains (sha1 parity, independent of order)."""
    return int(hashlib.sha1(domain.encode()).hexdigest(), 16) % 2


def main() -> int:
    sets = load_sets()
    # No simulator domains here: the pipeline benchmarks score the simulator's own
    # output, and a shipped model fitted on it would flatter them.
    pos = sets["meta_cytrox"] + sets["amnesty_pegasus"]
    provenance = (
        "logistic regression (scikit-learn, C=0.5, balanced) over the registrable "
        "label's words and lure families, alone and paired with the suffix kind, the "
        "TLD and shape buckets (schema 2, no character n-grams), fitted on positives: "
        f"Meta Cytrox domains ({len(sets['meta_cytrox'])}, facebook/threat-research, MIT), "
        f"Amnesty Pegasus domains.txt ({len(sets['amnesty_pegasus'])}, "
        "AmnestyTech/investigations, CC-BY, Amnesty International Security Lab); negatives: "
        f"OpenDNS top+random ({len(sets['benign'])}, opendns/public-domain-lists, public "
        "domain). Figures per family come from refits with that family held out "
        "(docs/benchmarks.md, Link engine)."
    )
    model = fit(pos, sets["benign"], provenance=provenance)
    OUT.write_text(model.to_json() + "\n", encoding="utf-8")
    print(f"wrote {OUT.name}: {len(model.weights)} weights, {OUT.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
