"""Parser: what counts as a URL or domain, and that it never raises on any text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mercwatch.linkscore import LinkScorer
from mercwatch.linkscore.parse import InvalidTarget, parse_target

VALID = [
    # (input, host, registrable, suffix, private suffix)
    ("mail.google.com", "mail.google.com", "google.com", "com", False),
    ("WWW.BBC.CO.UK.", "www.bbc.co.uk", "bbc.co.uk", "co.uk", False),
    ("https://user@evil.example.com:8443/a?b#c", "evil.example.com", "example.com", "com", False),
    ("hxxp://bad[.]example[.]xyz/x", "bad.example.xyz", "example.xyz", "xyz", False),
    ("name.gr.com", "name.gr.com", "name.gr.com", "gr.com", True),
    ("sh.ort.gr.com", "sh.ort.gr.com", "ort.gr.com", "gr.com", True),
    ("someone.github.io", "someone.github.io", "someone.github.io", "github.io", True),
    ("пример.рф", "xn--e1afmkfd.xn--p1ai", "xn--e1afmkfd.xn--p1ai", "xn--p1ai", False),
    ("example.com/path/only", "example.com", "example.com", "com", False),
]

INVALID = [
    ("", "empty line"),
    ("   ", "empty line"),
    ("two words.com", "contains whitespace"),
    ("fbc8213450838f7ae251d4", "single label"),
    ("name.notarealtld", "unknown top-level domain"),
    ("co.uk", "public suffix alone"),
    ("javascript:alert(1)", "not a URL"),
    ("mailto:someone@example.com", "not a URL"),
    ("ftp2://example.com", "unsupported URL scheme"),
    ("ex..com", "empty label"),
    ("-bad.com", "invalid characters"),
    ("http://example.com:99999/", "malformed URL"),
    ("a" * 64 + ".com", "invalid characters"),
]


@pytest.mark.parametrize(("text", "host", "registrable", "suffix", "private"), VALID)
def test_valid_inputs_parse(text: str, host: str, registrable: str, suffix: str, private: bool):
    target = parse_target(text)
    assert (target.host, target.registrable, target.suffix) == (host, registrable, suffix)
    assert target.private_suffix is private


def test_userinfo_and_ip_are_recorded():
    assert parse_target("http://paypal.com@evil.example.net/").userinfo is True
    ip = parse_target("http://192.0.2.7/login")
    assert ip.is_ip and ip.domain == "192.0.2.7" and ip.path == "/login"
    assert parse_target("http://[2001:db8::1]/").host == "2001:db8::1"


def test_unicode_label_is_decoded():
    target = parse_target("xn--80ak6aa92e.com")
    assert target.label_unicode == "аррӏе"


@pytest.mark.parametrize(("text", "reason"), INVALID)
def test_invalid_inputs_say_why(text: str, reason: str):
    with pytest.raises(InvalidTarget) as info:
        parse_target(text)
    assert reason in info.value.reason


@pytest.mark.parametrize(("text", "reason"), INVALID)
def test_invalid_inputs_score_invalid(text: str, reason: str):
    result = LinkScorer().score(text)
    assert result.verdict == "invalid" and result.score == 0.0 and result.domain is None
    assert any(reason in r for r in result.reasons)


_SCORER = LinkScorer(cache_size=0)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_parser_never_raises_anything_else(text: str):
    try:
        parse_target(text)
    except InvalidTarget as exc:
        assert exc.reason


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=60),
        st.from_regex(
            r"(https?://)?[a-z0-9çаеορ-]{1,12}(\.[a-z0-9-]{1,8}){1,3}(/[ -~]{0,10})?",
            fullmatch=True,
        ),
    )
)
def test_scorer_never_raises_and_stays_in_range(text: str):
    result = _SCORER.score(text)
    assert 0.0 <= result.score <= 1.0
    assert result.verdict in ("malicious", "suspicious", "benign", "invalid")
    assert result.reasons or result.verdict == "benign"
    if result.verdict == "invalid":
        assert result.domain is None and result.reasons
