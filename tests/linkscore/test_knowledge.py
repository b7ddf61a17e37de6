"""The knowledge files: they load, and they hold no indicator from the evaluation data."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest

from mercwatch.errors import ConfigError
from mercwatch.linkscore import load
from mercwatch.linkscore.knowledge import load as load_knowledge

INTEL = Path(__file__).resolve().parent.parent / "data" / "intel"


def _intel_domains() -> set[str]:
    files = [*INTEL.glob("amnesty_pegasus/*domains.txt"), *INTEL.glob("meta_threat_research/*.csv")]
    found: set[str] = set()
    for path in files:
        found |= set(re.findall(r"[a-z0-9][a-z0-9.-]*\.[a-z]{2,}", path.read_text().lower()))
    return {d for d in found if not d.endswith(".csv")}


def test_engine_data_has_no_evaluation_indicator():
    intel = _intel_domains()
    assert len(intel) > 1500
    data = resources.files("mercwatch.linkscore.data")
    for name in ("brands.yaml", "brands_regional.yaml", "lures.yaml", "tlds.yaml", "glyphs.yaml"):
        words = set(
            re.findall(r"[a-z0-9][a-z0-9.-]*[a-z0-9]", data.joinpath(name).read_text().lower())
        )
        assert not words & intel, (name, sorted(words & intel)[:5])


def test_knowledge_indexes_brands_and_lures():
    k = load()
    assert len(k.brands) > 400 and "whatsapp" in k.tokens and "news" in k.lures
    assert k.tokens["whatsapp"].ambiguous is False
    assert k.tokens["orange"].ambiguous is True  # an ordinary word too
    assert load(regional=False).brands != k.brands
    assert set(k.weights) >= {"brand_typo", "lure_strong", "indicator_match"}


def test_extra_brand_file(tmp_path: Path):
    extra = tmp_path / "mine.yaml"
    extra.write_text("- {n: Acme Bank, c: bank, d: [acmebank-example.com]}\n")
    k = load_knowledge(extra_brand_files=(str(extra),))
    assert "acmebankexample" in k.tokens or "acmebank-example" in k.legit
    bad = tmp_path / "bad.yaml"
    bad.write_text("- {n: Nameless}\n")
    with pytest.raises(ConfigError):
        load_knowledge(extra_brand_files=(str(bad),))
