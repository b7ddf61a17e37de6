"""The learned lexical model: shipped weights, calibration, and how it joins the rules."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from mercwatch.errors import ConfigError
from mercwatch.linkscore import MALICIOUS_THRESHOLD, LinkScorer, load
from mercwatch.linkscore.learned import (
    FEATURE_KINDS,
    MODEL_FILE,
    LexicalModel,
    features,
    from_json,
    load_bundled,
)
from mercwatch.linkscore.parse import parse_target


@pytest.fixture(scope="module")
def model() -> LexicalModel:
    found = load_bundled()
    assert found is not None
    return found


def test_shipped_model_states_its_training_data(model):
    for source in ("Amnesty", "MVT", "Meta", "OpenDNS", "leave-one-family-out"):
        assert source in model.provenance
    assert "No simulator domain" in model.provenance  # keeps simulator benchmarks honest
    assert model.cap < MALICIOUS_THRESHOLD  # alone it never makes a domain malicious
    assert 1000 < len(model.weights) < 60000 and model.benign_count > 10000


def test_shipped_file_holds_weights_not_domains():
    text = resources.files("mercwatch.linkscore.data").joinpath(MODEL_FILE).read_text()
    data = json.loads(text)
    for key in data["weights"]:
        kind, _, value = key.partition(":")
        assert kind in FEATURE_KINDS
        assert kind in {"sfx", "tld"} or "." not in value


def test_features_cover_words_context_and_shape():
    k = load(learned=False)
    feats = features(parse_target("https://a.secure-update4.co.uk/x"), k)
    assert "w:secure" in feats and "w:update" in feats and "kw:established:update" in feats
    assert "lf:update" in feats and "klf:established:update" in feats
    assert "kind:established" in feats and "sfx:co.uk" in feats and "tld:uk" in feats
    assert "hyp:1" in feats and "dig:1" in feats
    assert feats == features(parse_target("secure-update4.co.uk"), k)  # host-independent
    cheap = features(parse_target("update-news.xyz"), k)
    assert "klf:throwaway:news" in cheap and "kind:throwaway" in cheap
    assert not any(f.startswith("g:") for f in feats)  # no character n-grams (schema 2)


def test_benign_tail_calibration_is_monotone(model):
    lo, hi = model.benign_logits[0], model.benign_logits[-1]
    assert model.benign_tail(lo - 1) == 1.0
    assert model.benign_tail(hi + 1) == 0.0
    assert model.benign_tail(lo) >= model.benign_tail(hi)
    assert 0.0 < model.benign_tail(hi) <= 1 / model.benign_count + 1e-12


def test_learned_signal_is_one_reason_among_the_rules():
    target = parse_target("update-connectivity-check7.xyz")
    with_model = LinkScorer(knowledge=load())
    rules = LinkScorer(knowledge=load(learned=False))
    assert with_model.score(target.host).score >= rules.score(target.host).score
    names = {s.name for s in with_model.signals(target)}
    assert "learned_lexical" in names and "lure_strong" in names


def test_owned_domains_stay_zero_with_the_model():
    assert LinkScorer().score("https://www.facebook.com/login").score == 0.0


def test_model_json_round_trip_and_errors(model):
    again = from_json(model.to_json())
    target, k = parse_target("accountnotify-secure.net"), load()
    assert again.logit(target, k) == pytest.approx(model.logit(target, k), abs=0.05)
    with pytest.raises(ConfigError):
        from_json('{"schema_version": 99}')
    with pytest.raises(ConfigError):
        from_json("not json")
