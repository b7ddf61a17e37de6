"""Normalization, defanging and the choice of what of an operation may be shared."""

from __future__ import annotations

import pytest
from _helpers.intel_samples import TARGET_IDS, TARGET_NAMES
from hypothesis import given
from hypothesis import strategies as st

from mercwatch.errors import IntelFormatError
from mercwatch.intel.indicators import (
    classify,
    defang,
    leaked_term,
    normalize,
    refang,
    select_indicators,
)
from mercwatch.iocs import extractor
from mercwatch.model import IndicatorType as T
from mercwatch.model import Phase

CASES = [
    # (raw, type, normalized)
    ("Evil.COM.", T.DOMAIN, "evil.com"),
    ("evil[.]com", T.DOMAIN, "evil.com"),
    ("evil(.)co[dot]uk", T.DOMAIN, "evil.co.uk"),
    ("bücher.de", T.DOMAIN, "xn--bcher-kva.de"),
    ("a_b.example.com", T.DOMAIN, "a_b.example.com"),
    ("hxxps[:]//Login.Evil[.]com/A?x=1", T.URL, "https://login.evil.com/A?x=1"),
    ("hXXp://evil.com", T.URL, "http://evil.com/"),
    ("https[:]//evil.com/p", T.URL, "https://evil.com/p"),
    (
        "https://play.google[.]com/store/apps/details?id=com.securesafe",
        T.URL,
        "https://play.google.com/store/apps/details?id=com.securesafe",
    ),
    ("evil.com/login", T.URL, "http://evil.com/login"),
    ("http://[2001:DB8::1]:8080/x", T.URL, "http://[2001:db8::1]:8080/x"),
    ("1.2.3[.]4", T.IPV4, "1.2.3.4"),
    ("2001:DB8:0:0::1", T.IPV6, "2001:db8::1"),
    ("Spy[@]Evil[.]com", T.EMAIL, "spy@evil.com"),
    (
        "E63F7718C84C3B325C7DA61A58DEA7F8CB5B4EAA27B78EB7D78B4771400D3BC5",
        T.SHA256,
        "e63f7718c84c3b325c7da61a58dea7f8cb5b4eaa27b78eb7d78b4771400d3bc5",
    ),
]


@pytest.mark.parametrize(("raw", "kind", "expected"), CASES)
def test_classify_and_normalize(raw: str, kind: T, expected: str) -> None:
    assert classify(raw) is kind
    assert normalize(kind, raw) == expected


@pytest.mark.parametrize(
    ("kind", "raw", "reason"),
    [
        (T.DOMAIN, "fbc8213450838f7ae251d4", "no public suffix"),
        (T.DOMAIN, "amazing.lab", "no public suffix"),
        (T.DOMAIN, "co.uk", "is a public suffix itself, not a domain"),
        (T.DOMAIN, "evil.com/path", "not a domain name"),
        (T.DOMAIN, "-bad-.com", "not a valid domain name"),
        (T.IPV4, "2001:db8::1", "not an ipv4 address"),
        (T.IPV4, "300.1.1.1", "not an IP address"),
        (T.EMAIL, "nobody", "not an e-mail address"),
        (T.SHA256, "abc", "not a sha256 digest"),
        (
            T.MD5,
            "e63f7718c84c3b325c7da61a58dea7f8cb5b4eaa27b78eb7d78b4771400d3bc5",
            "not a md5 digest",
        ),
    ],
)
def test_invalid_values_say_why(kind: T, raw: str, reason: str) -> None:
    with pytest.raises(IntelFormatError) as info:
        normalize(kind, raw)
    assert info.value.reason == reason


def test_classify_rejects_prose_and_bare_labels() -> None:
    assert classify("Posing as recruiters at tech companies") is None
    assert classify("ABSCarryLog") is None


def test_refang_undoes_defang_in_url_paths_too() -> None:
    # one behaviour (ioc-fanger): its defang writes path dots as [.], so refang must undo them
    assert refang("hxxp[:]//a[.]com/x[.]y") == "http://a.com/x.y"
    assert refang(defang("https://a.com/x.y", T.URL)) == "https://a.com/x.y"


@pytest.mark.parametrize(
    ("value", "kind", "defanged"),
    [
        ("example.xyz", T.DOMAIN, "example[.]xyz"),
        ("https://a.b.com/p.html", T.URL, "hXXps://a[.]b[.]com/p[.]html"),
        ("1.2.3.4", T.IPV4, "1[.]2[.]3[.]4"),
        ("spy@evil.com", T.EMAIL, "spy(at)evil[.]com"),
    ],
)
def test_defang_is_the_one_ioc_fanger_style(value: str, kind: T, defanged: str) -> None:
    assert defang(value, kind) == defanged
    assert normalize(kind, defanged) == value


# --- property tests: defang/refang round trips on valid values ---------------------

_LABEL = st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True)
_TLD = st.sampled_from(["com", "net", "xyz", "co.uk", "news", "gr", "io", "de"])
DOMAINS = st.builds(
    lambda labels, tld: ".".join([*labels, tld]), st.lists(_LABEL, min_size=1, max_size=3), _TLD
).filter(lambda d: bool(extractor()(d).domain))  # not a (private) public suffix: x0.com
# No brackets or parentheses in paths: ioc-fanger (the one refang) reads "[.]" or "(dot)"
# anywhere in a URL as defanging, so a literal one in a path cannot round-trip.
_PATH = st.text(alphabet="abcXYZ019-._~/%!$&'*+,;=:@", max_size=30)
URLS = st.builds(
    lambda scheme, host, path, query: f"{scheme}://{host}/{path}" + (f"?{query}" if query else ""),
    st.sampled_from(["http", "https"]),
    DOMAINS,
    _PATH,
    st.text(alphabet="abc012=&%.", max_size=15),
)
EMAILS = st.builds(
    lambda local, domain: f"{local}@{domain}",
    st.from_regex(r"[a-z0-9._+-]{1,20}", fullmatch=True),
    DOMAINS,
)


@given(DOMAINS)
def test_domain_defang_round_trip(domain: str) -> None:
    assert refang(defang(domain, T.DOMAIN)) == domain
    assert "." not in defang(domain, T.DOMAIN).replace("[.]", "")


@given(URLS)
def test_url_defang_round_trip(url: str) -> None:
    value = normalize(T.URL, url)
    fanged = defang(value, T.URL)
    assert not fanged.startswith("http")
    assert refang(fanged) == value
    assert normalize(T.URL, fanged) == value


@given(st.ip_addresses())
def test_ip_defang_round_trip(address) -> None:  # type: ignore[no-untyped-def]
    kind = T.IPV4 if address.version == 4 else T.IPV6
    value = normalize(kind, str(address))
    assert refang(defang(value, kind)) == value
    assert classify(defang(value, kind)) is kind


@given(EMAILS)
def test_email_defang_round_trip(email: str) -> None:
    value = normalize(T.EMAIL, email)
    assert normalize(T.EMAIL, defang(value, T.EMAIL)) == value


@given(DOMAINS)
def test_normalize_is_idempotent(domain: str) -> None:
    once = normalize(T.DOMAIN, domain.upper() + ".")
    assert normalize(T.DOMAIN, once) == once == domain


# --- what of an operation is shared ---------------------------------------------------


def test_selection_keeps_only_operation_infrastructure(operations) -> None:  # type: ignore[no-untyped-def]
    chosen = select_indicators(operations[0], sensitive=TARGET_NAMES)
    values = {(i.type, i.value) for i in chosen.indicators}
    assert (T.DOMAIN, "evil-news.xyz") in values
    assert (T.DOMAIN, "login.evil-news.xyz") in values
    assert (T.DOMAIN, "evil-hr-recruit.com") in values  # the operation's own mail domain
    assert (T.DOMAIN, "gmail.com") not in values  # webmail is nobody's infrastructure
    assert (T.IPV6, "2001:db8::7") in values
    assert (T.URL, "http://track.evil-news.xyz/a'p\\c") in values
    # the phishing link loses its per-target query string, then still passes the check
    assert (T.URL, "https://login.evil-news.xyz/verify") in values
    # personalised paths are shared as a shape, the target replaced by a placeholder
    assert (T.URL, "https://evil-news.xyz/p/:target/doc") in values
    assert (T.URL, "https://evil-news.xyz/:name/:target") in values  # "hello": not generic
    reasons = {o.reason for o in chosen.withheld}
    assert reasons == {
        "not a domain name",
        "webmail provider, not the operation's own",
        "contains a target identifier",
    }
    assert sum(o.reason == "contains a target identifier" for o in chosen.withheld) == 1
    assert all(i.actor == "Cytrox" for i in chosen.indicators)


def test_selection_never_carries_photo_hashes_or_devices(operations) -> None:  # type: ignore[no-untyped-def]
    values = {i.value for i in select_indicators(operations[0]).indicators}
    assert "f0e1d2c3b4a59687" not in values and "device-abc" not in values


def test_selection_phases_follow_the_infrastructure(operations) -> None:  # type: ignore[no-untyped-def]
    chosen = {i.value: i for i in select_indicators(operations[0]).indicators}
    assert chosen["evil-news.xyz"].phases == (Phase.ENGAGEMENT, Phase.EXPLOITATION)
    assert chosen["203.0.113.7"].phases == operations[0].phases
    recon_only = select_indicators(operations[1]).indicators
    assert all(i.phases == (Phase.RECONNAISSANCE,) for i in recon_only)


@pytest.mark.parametrize(
    ("value", "terms", "found"),
    [
        ("https://x.com/?u=tgt-qx7-journalist-4411", TARGET_IDS, TARGET_IDS[0].lower()),
        ("https://x.com/Ottoline%20Marchbanks", ("ottoline marchbanks",), "ottoline marchbanks"),
        ("10.42.0.1", ("42",), "42"),
        ("10.142.0.1", ("42",), None),
        ("evil.com", TARGET_IDS, None),
    ],
)
def test_leaked_term(value: str, terms: tuple[str, ...], found: str | None) -> None:
    assert leaked_term(value, [t.lower() for t in terms]) == found
