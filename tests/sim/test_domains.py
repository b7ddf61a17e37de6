"""Generated operation domains: valid hostnames, in style, never benign, never repeated."""

from __future__ import annotations

import idna
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mercwatch.sim.domains import PATHS, DomainForge
from mercwatch.sim.vocab import load_vocab

STYLES = tuple(PATHS)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    styles=st.lists(st.sampled_from(STYLES), min_size=1, max_size=4, unique=True),
)
def test_domains_are_valid_fresh_hostnames(seed: int, styles: list[str]) -> None:
    vocab = load_vocab()
    forge = DomainForge(np.random.default_rng(seed), vocab)
    made = forge.make(tuple(styles), 12)
    benign = {r[0] for r in vocab.list("benign_domains")}
    assert len(made) == len(set(made)) == 12
    for domain in made:
        assert domain not in benign
        assert domain == domain.lower() and "." in domain
        assert all(0 < len(label) <= 63 for label in domain.split("."))
        idna.decode(domain)  # punycode labels decode; raises if invalid


def test_each_style_imitates_its_model() -> None:
    vocab = load_vocab()
    forge = DomainForge(np.random.default_rng(1), vocab)
    outlets = [o["domain"].split(".")[0] for o in vocab.list("news_outlets")]
    combo = forge.make(("news_combo",), 10)
    assert all(any(o in d for o in outlets) for d in combo)
    sub = forge.make(("brand_subdomain",), 10)
    assert all(d.split(".")[0] in vocab.list("brands") for d in sub)
    homo = forge.make(("news_homoglyph",), 30)
    assert any(d.startswith("xn--") or ".xn--" in d for d in homo)
    spoof = forge.make(("shortener_spoof",), 10)
    shorteners = {s.split(".")[0] for s in vocab.list("shorteners")}
    assert all(any(s in d for s in shorteners) for d in spoof)
