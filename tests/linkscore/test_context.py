"""The suffix read together with the label's tricks (context.py).

Hosts are invented for the tests (none comes from an indicator feed or the benign
lists). Rules only, so a refit of the learned model cannot move these cases.
"""

from __future__ import annotations

import pytest

from mercwatch.linkscore import LinkScorer, load
from mercwatch.linkscore.parse import parse_target
from mercwatch.linkscore.suffix import ESTABLISHED, OTHER, THROWAWAY, suffix_kind


@pytest.fixture(scope="module")
def rules() -> LinkScorer:
    return LinkScorer(knowledge=load(learned=False))


def _names(scorer: LinkScorer, value: str) -> dict[str, float]:
    return {s.name: s.weight for s in scorer.signals(parse_target(value))}


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("example.com", ESTABLISHED),
        ("example.org", ESTABLISHED),
        ("beispiel.de", ESTABLISHED),
        ("example.co.uk", ESTABLISHED),
        ("example.xyz", THROWAWAY),
        ("example.online", THROWAWAY),
        ("example.tk", THROWAWAY),
        ("name.gr.com", THROWAWAY),
        ("someone.github.io", THROWAWAY),
        ("example.travel", OTHER),
    ],
)
def test_suffix_kind(value: str, kind: str):
    assert suffix_kind(parse_target(value), load(learned=False)) == kind


def test_brand_side_domain_shape_is_discounted_on_an_established_suffix(rules):
    k = rules.knowledge
    on_com = _names(rules, "paypal-labs.com")
    assert on_com["brand_combo"] == pytest.approx(
        k.weight("brand_combo") * k.weight("established_side_domain_factor")
    )
    on_xyz = _names(rules, "paypal-labs.xyz")
    assert on_xyz["brand_combo"] == k.weight("brand_combo")
    assert on_xyz["brand_on_throwaway"] == k.weight("brand_on_throwaway")
    assert rules.score("paypal-labs.xyz").verdict == "malicious"
    assert rules.score("paypal-labs.com").score < 0.8


def test_sign_in_words_keep_the_full_weight(rules):
    found = _names(rules, "paypal-login.com")
    assert found["brand_combo"] == rules.knowledge.weight("brand_combo")
    assert rules.score("paypal-login-secure.com").verdict == "malicious"


def test_typo_depends_on_the_suffix(rules):
    # one letter off a brand on .com is one kind of evidence (``twitchy.com`` is a real
    # site): its score still ranks it, its verdict is not a flag (corroboration.py)
    assert rules.score("instagran.com").score >= 0.5
    assert rules.score("instagran.com").verdict == "benign"
    assert "brand_on_throwaway" in _names(rules, "instagran.top")
    assert rules.score("instagran.top").verdict == "malicious"


def test_strong_lure_on_a_throwaway_suffix(rules):
    assert "lure_on_throwaway" in _names(rules, "speedtest-connectivity.top")
    assert "lure_on_throwaway" not in _names(rules, "speedtest-connectivity.com")
    assert (
        rules.score("speedtest-connectivity.top").score
        > rules.score("speedtest-connectivity.com").score
    )
    # a lure word only in a subdomain is weaker evidence: no conjunction
    assert "lure_on_throwaway" not in _names(rules, "update.kestrelmoor.xyz")


def test_domain_hack_split_is_discounted_on_a_country_tld(rules):
    k = rules.knowledge
    hack = _names(rules, "linked.in")  # the country TLD spells the name's end
    assert hack["brand_split_domain_hack"] == pytest.approx(
        k.weight("brand_split_domain_hack") * k.weight("established_side_domain_factor")
    )
    dots = _names(rules, "whats.app.social")
    assert dots["brand_split_across_labels"] == k.weight("brand_split_across_labels")


def test_lure_phrase_with_the_suffix(rules):
    # a weak lure word alone on a cheap TLD is common; with a lure-word TLD or a
    # country-looking reseller suffix the whole name is the lure
    assert "lure_on_throwaway" in _names(rules, "video-share.live")
    assert "lure_on_throwaway" in _names(rules, "daily-photo.gr.com")
    assert "lure_on_throwaway" not in _names(rules, "kestrel-video.xyz")
    assert "lure_on_throwaway" not in _names(rules, "video-share.de")


def test_a_brand_name_is_not_random_looking(rules):
    typo = _names(rules, "instagrsm.com")
    assert "brand_typo" in typo and "random_label" not in typo
    assert "random_label" in _names(rules, "xqvtrblmw.com")


def test_reseller_suffix_alone_is_ranked_but_not_flagged(rules):
    # a suffix is context, not a trick: alone it is never corroborated
    result = rules.score("somebrand.us.com")
    assert (result.verdict, result.reasons[-1]) == (
        "benign",
        "one kind of evidence only (throwaway ground): not corroborated",
    )
    assert result.score > rules.score("somebrand.com").score


def test_model_and_suffix_alone_never_reach_malicious():
    shipped = LinkScorer()
    k = shipped.knowledge
    assert k.model is not None
    for plain in ("my-company.online", "kestrelmoor.xyz", "bakery-lotte.tk", "somebrand.us.com"):
        found = shipped.signals(parse_target(plain))
        learned = [s for s in found if s.name == "learned_lexical"]
        assert all(s.weight <= k.weight("learned_label_free_cap") for s in learned)
        assert shipped.score(plain).verdict != "malicious", plain
    # a lure in the name is label evidence: the model may then count in full
    assert shipped.score("weather-today.live").verdict == "malicious"


def test_the_model_abstains_on_random_tokens():
    shipped = LinkScorer()
    assert shipped.knowledge.weight("learned_token_cap") == 0.0
    for token in ("x7kq2p.top", "qzxkvbn.top", "b8wq3z.xyz"):
        names = {s.name for s in shipped.signals(parse_target(token))}
        assert "learned_lexical" not in names, token
        # a random token on a cheap TLD imitates nothing and lures no one: scored high
        # (spam, disposable hosts), never flagged on its name alone (corroboration.py)
        assert shipped.score(token).score >= 0.5, token
        assert shipped.score(token).verdict == "benign", token
    assert shipped.score("3f9a1c0b7e2d4f6a8b9c.xyz").score >= 0.8


def test_sign_in_words_do_not_split_lure_families(rules):
    # "security" stays an update/system word: two weak words of one family make a name
    # made only of lure words; the sign-in list only guards brand side-domain discounts
    assert "lure_only_name" in _names(rules, "android-security.io")
    assert "security" in rules.knowledge.sign_in and "security" in rules.knowledge.lures


def test_a_chance_acronym_in_a_token_is_not_a_brand_on_a_throwaway_suffix(rules):
    assert "brand_on_throwaway" not in _names(rules, "q47bbc.top")
    assert rules.score("q47bbc.top").verdict == "suspicious"
    assert "brand_on_throwaway" in _names(rules, "bbc-arabic.xyz")
