"""Regression floors on the real indicator data (tests/data/intel).

Floors sit well below the values measured by bench/bench_linkscore.py (recorded in
docs/benchmarks.md) so that only a real regression trips them. Uses every second
benign domain to keep the test quick. Recall floors use the rules alone: the shipped
learned model was fitted on these very lists, so its recall here would be in-sample.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from mercwatch.linkscore import LinkScorer, load

INTEL = Path(__file__).resolve().parent.parent / "data" / "intel"


def _lines(rel: str) -> list[str]:
    return [x.strip().lower() for x in (INTEL / rel).read_text().splitlines() if x.strip()]


@pytest.fixture(scope="module")
def results() -> dict[str, list[str]]:
    with (
        INTEL / "meta_threat_research/2021_12_taking_action_against_surveillance_for_hire.csv"
    ).open() as fh:
        meta = [row["indicator_value"].strip().lower() for row in csv.DictReader(fh)]
    i = meta.index("fbc8213450838f7ae251d4")  # rows 85-86 split one domain
    meta[i : i + 2] = [meta[i] + meta[i + 1]]
    benign = _lines("benign_domains/opendns-top-domains.txt")[::2]
    benign += _lines("benign_domains/opendns-random-domains.txt")[::2]
    rules = LinkScorer(knowledge=load(learned=False))
    sets = {"meta": meta, "pegasus": _lines("amnesty_pegasus/domains.txt")[::2], "benign": benign}
    out = {name: [r.verdict for r in rules.score_many(vals)] for name, vals in sets.items()}
    out["benign_shipped"] = [r.verdict for r in LinkScorer().score_many(benign)]
    return out


def _rate(verdicts: list[str], wanted: tuple[str, ...]) -> float:
    return sum(v in wanted for v in verdicts) / len(verdicts)


def test_meta_cytrox_recall_floors(results):
    assert _rate(results["meta"], ("malicious",)) >= 0.08
    # 0.41 -> 0.24 since a flag needs two kinds of evidence (corroboration.py)
    assert _rate(results["meta"], ("malicious", "suspicious")) >= 0.20


def test_pegasus_recall_floor(results):
    assert _rate(results["pegasus"], ("malicious", "suspicious")) >= 0.02


def test_benign_false_positive_ceilings(results):
    assert _rate(results["benign"], ("malicious",)) <= 0.004
    # 0.019 -> 0.0017 since a flag needs two kinds of evidence (corroboration.py)
    assert _rate(results["benign"], ("malicious", "suspicious")) <= 0.005
    assert _rate(results["benign"], ("invalid",)) <= 0.01


def test_shipped_model_keeps_benign_verdicts_rare(results):
    # In-sample for the model (it saw these benign lists): a guard, not an estimate.
    assert _rate(results["benign_shipped"], ("malicious",)) <= 0.004
    assert _rate(results["benign_shipped"], ("malicious", "suspicious")) <= 0.005
