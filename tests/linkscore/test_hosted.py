"""Names under hosting platforms (``anna.github.io``) and the platforms' own domains.

Real platforms carry links to project pages and blogs on GitHub Pages, Netlify,
Blogspot and the like all day. The label there is free for anyone, so a brand or a
lure in it is as hostile as on a cheap TLD, but a plain name is ordinary. The
project pages below are real, well-known ones; the hostile names are invented.
"""

from __future__ import annotations

import pytest

from mercwatch.linkscore import LinkScorer
from mercwatch.linkscore.parse import parse_target
from mercwatch.linkscore.scorer import ORG_PAGE_REASON, PLATFORM_REASON


@pytest.fixture(scope="module")
def scorer() -> LinkScorer:
    return LinkScorer()  # shipped rules and learned model, as users run it


@pytest.mark.parametrize("value", ["netlify.app", "vercel.app", "herokuapp.com", "readthedocs.io"])
def test_a_platforms_own_domain_is_benign(scorer: LinkScorer, value: str) -> None:
    result = scorer.score(value)
    assert (result.score, result.verdict) == (0.0, "benign")
    assert result.reasons == (PLATFORM_REASON,)


@pytest.mark.parametrize(
    "value",
    [
        "scikit-learn.github.io",
        "pandas-dev.github.io",
        "rust-lang.github.io",
        "requests.readthedocs.io",
        "cooking-with-anna.blogspot.com",
        "jane-doe-portfolio.vercel.app",
        "my-wedding.netlify.app",
        "nice-cafe.pages.dev",
        "studentproject.herokuapp.com",
    ],
)
def test_plain_names_on_hosting_platforms_are_benign(scorer: LinkScorer, value: str) -> None:
    assert scorer.score(value).verdict == "benign"


@pytest.mark.parametrize(
    "value",
    [
        "whatsapp-verify.netlify.app",
        "secure-login-facebook.web.app",
        "paypal-account-update.firebaseapp.com",
        "instagram-security.github.io",
        "google-drive-share.herokuapp.com",
    ],
)
def test_brands_on_hosting_platforms_stay_malicious(scorer: LinkScorer, value: str) -> None:
    result = scorer.score(value)
    assert result.verdict == "malicious", result
    assert any("throwaway suffix" in r for r in result.reasons)


def test_neither_the_platforms_tld_nor_the_learned_model_reads_a_hosted_label(
    scorer: LinkScorer,
) -> None:
    names = {s.name for s in scorer.signals(parse_target("my-wedding.netlify.app"))}
    assert not names & {"tld_risk", "lure_tld", "learned_lexical"}
    # The same label bought on the TLD itself is the owner's choice and is read.
    bought = {s.name for s in scorer.signals(parse_target("my-wedding.app"))}
    assert {"tld_risk", "lure_tld"} <= bought


def test_a_resellers_suffix_is_still_throwaway_ground(scorer: LinkScorer) -> None:
    """``name.gr.com`` passes for a country domain: that is the trick, not hosting."""
    assert scorer.score("daily-news-update.gr.com").verdict != "benign"


def test_hyphens_alone_do_not_lift_the_learned_cap(scorer: LinkScorer) -> None:
    """The model alone stays below "malicious": shape hints are no named trick."""
    result = scorer.score("jane-doe-portfolio.app")
    assert result.score < 0.8, result


@pytest.mark.parametrize(
    ("value", "brand"),
    [
        ("cisco.github.io", "Cisco"),
        ("paypal.github.io", "PayPal"),
        ("netflix.gitlab.io", "Netflix"),
    ],
)
def test_a_brands_own_organisation_page_is_owned(
    scorer: LinkScorer, value: str, brand: str
) -> None:
    """Issue 11: ``cisco.github.io`` came out malicious; it is Cisco's own account."""
    result = scorer.score(value)
    assert (result.score, result.verdict) == (0.0, "benign")
    assert result.reasons == (ORG_PAGE_REASON.format(brand),)


@pytest.mark.parametrize(
    "value", ["cisco-login.github.io", "cisco-support.github.io", "paypal-account.netlify.app"]
)
def test_only_the_exact_account_name_is_owned(scorer: LinkScorer, value: str) -> None:
    assert scorer.score(value).verdict != "benign"


@pytest.mark.parametrize(
    "value", ["photoview.github.io", "deadlines.vercel.app", "koillection.github.io"]
)
def test_project_names_made_of_ordinary_words_are_not_lures_on_a_platform(
    scorer: LinkScorer, value: str
) -> None:
    """Real project sites (tests/data/intel/benign_hosted) the rules flagged before."""
    result = scorer.score(value)
    assert not any("lure words on a throwaway suffix" in r for r in result.reasons), result
