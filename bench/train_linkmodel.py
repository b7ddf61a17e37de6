"""Fit the link engine's learned lexical model and write ``data/lexmodel.json``.

Training data (all licences allow it; attribution in the model's provenance):
positives = every published family in ``tests/data/intel`` (``leakage.evaluation_families``:
Amnesty Tech investigations, CC-BY; MVT indicators, MIT; Meta's Cytrox list, MIT);
negatives = the OpenDNS top and random lists (public domain). Citizen Lab's families
(CC BY-NC-SA 4.0) are evaluation-only and never train the shipped model
(``NOT_SHIPPABLE``): a non-commercial licence does not fit an Apache-2.0 artefact.

The shipped model has seen every family, so no figure is ever reported from it: the
figures come from ``bench/bench_linkscore_lofo.py``, which refits without the family
it scores (docs/benchmarks.md, "Link scoring: leave-one-family-out").

Simulator domains (``mercwatch.sim.domains``) never train the shipped model (the
simulator-based pipeline benchmarks score the simulator's own output). Where a
benchmark does train on them (``bench_linkscore_heldout.py``),
``eval_linkscore.simulated_positives``
drops every simulated domain that is a real published one: the simulator's shortener
style writes ``bit-ly.org``, which is also a real Cytrox domain in Meta's list.

Run: python bench/train_linkmodel.py   (needs the ``train`` extra: scikit-learn)
"""

from __future__ import annotations

import sys

from eval_linkscore import INTEL, ROOT, read_lines

from mercwatch.linkscore import leakage as lk
from mercwatch.linkscore.learned import MODEL_FILE
from mercwatch.linkscore.train import fit

OUT = ROOT / "src" / "mercwatch" / "linkscore" / "data" / MODEL_FILE
#: The shipped model reads no character n-grams: measured leave-one-family-out (the
#: "engine + n-grams" rows, docs/benchmarks.md) they did not improve the engine.
NGRAMS = False
#: Licences (``families.yaml``) whose data may be evaluated on but not shipped.
NOT_SHIPPABLE = ("CC-BY-NC-SA-4.0",)


def main() -> int:
    families = lk.evaluation_families(INTEL, exclude_licences=NOT_SHIPPABLE)
    pos = list(dict.fromkeys(d for hosts in families.values() for d in hosts))
    folder = INTEL / "benign_domains"
    neg = list(
        dict.fromkeys(
            read_lines(folder / "opendns-top-domains.txt")
            + read_lines(folder / "opendns-random-domains.txt")
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
