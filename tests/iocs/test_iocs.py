"""One module for indicators and hosts: every stage spells them the same way.

Before ``mercwatch.iocs`` there were three refang/defang copies, three tldextract
set-ups (one with private suffixes off), two engine regexes for a link's host and two
webmail lists, and they disagreed (issue 12): ``evil(dot)com`` was refanged by intel
but rejected by linkscore; ``https://evil.com/x`` defanged two ways; ``data:`` URLs
gave the host ``data`` (issue 10). These tests ask each caller, not the module.
"""

from __future__ import annotations

import functools

import ibis
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mercwatch import iocs
from mercwatch.detectors.exploitation import _links
from mercwatch.intel import indicators
from mercwatch.intel.report import safety
from mercwatch.link import hosts
from mercwatch.link.config import LinkConfig
from mercwatch.linkscore.parse import parse_target
from mercwatch.model import IndicatorType as T

DEFANGED = ["evil(dot)com", "evil[.]com", "evil{.}com", "evil[dot]com", "evil\\.com"]


@pytest.mark.parametrize("value", DEFANGED)
def test_every_caller_refangs_the_same(value: str) -> None:
    assert iocs.refang(value) == "evil.com"
    assert indicators.normalize(T.DOMAIN, value) == "evil.com"
    assert parse_target(value).registrable == "evil.com"  # linkscore rejected (dot) before


@pytest.mark.parametrize(
    "url",
    [
        "hxxps[:]//evil[.]com/x",
        "hXXps://evil[.]com/x",
        "HXXPS://evil[.]com/x",
        "h**ps://evil.com/x",
        "h__ps://evil(.)com/x",
        "hxxps[://]evil[.]com/x",
    ],
)
def test_defanged_urls_read_alike(url: str) -> None:
    assert indicators.normalize(T.URL, url) == "https://evil.com/x"
    assert parse_target(url).host == "evil.com"


def test_one_defang_style_everywhere() -> None:
    want = "hXXps://evil[.]com/x"
    assert iocs.defang("https://evil.com/x") == want
    assert indicators.defang("https://evil.com/x", T.URL) == want
    assert safety.defang("https://evil.com/x") == want
    assert safety.IndicatorDefanger(()).text("see https://evil.com/x") == f"see {want}"


def test_one_registrable_domain_rule() -> None:
    # private suffixes on everywhere: a user's site under github.io is its own domain
    for host in ("alice.github.io", "a.b.alice.github.io"):
        assert iocs.registrable_domain(host) == "alice.github.io"
        assert parse_target(host).registrable == "alice.github.io"
    with pytest.raises(Exception, match="public suffix itself"):
        indicators.normalize(T.DOMAIN, "github.io")  # a platform, never an indicator


def test_one_webmail_list_the_union_of_the_old_two() -> None:
    mail = iocs.webmail_domains()
    assert {"att.net", "duck.com", "hey.com", "gmail.com"} <= mail  # was in one list each
    assert LinkConfig().ignored_email_domains == mail


@pytest.mark.parametrize(
    "url",
    [
        "data:text/html,<b>hi</b>",
        "data:text/html;base64,PGI+aGk8L2I+",
        "javascript:alert(1)",
        "JavaScript:void(0)",
        "mailto:someone@evil.com",
        "tel:+15551234567",
        "file:///etc/passwd",
        "blob:https://evil.com/uuid",
        "about:blank",
        "chrome-extension://abcdef/page.html",
    ],
)
def test_non_network_schemes_are_never_a_domain(url: str) -> None:
    assert iocs.url_host(url) == ""
    assert iocs.split_url(url) is None
    assert iocs.shareable_url(url) is None
    with pytest.raises(Exception):  # noqa: B017 - IntelFormatError or an unparsable value
        indicators.normalize(T.URL, url)
    assert _engine_hosts([url]) == [""]


@functools.cache
def _duckdb() -> ibis.BaseBackend:
    return ibis.duckdb.connect()


def _engine_hosts(urls: list[str]) -> list[str]:
    """The host the link stage's and the link detector's engine expressions give."""
    table = ibis.memtable(pa.table({"url": pa.array(urls, pa.string())}))
    con = _duckdb()
    link = con.execute(table.select(h=hosts.url_host(table.url)))["h"].tolist()
    detector = table.url.re_extract(_links.HOST_PATTERN, 1).lower().re_replace(r"\.+$", "")
    found = con.execute(table.select(h=detector))["h"].tolist()
    assert link == found
    return [h or "" for h in link]


_HOSTS = st.from_regex(
    r"[a-z0-9-]{1,12}(\.[a-z0-9-]{1,12}){0,2}\.(com|net|example)", fullmatch=True
)
_URLS = st.one_of(
    st.builds(
        lambda scheme, user, host, port, rest: f"{scheme}{user}{host}{port}{rest}",
        st.sampled_from(["", "http://", "https://", "HTTPS://", "ftp://", "wss://"]),
        st.sampled_from(["", "user@", "a:b@"]),
        _HOSTS,
        st.sampled_from(["", ":8080", ":443"]),
        st.sampled_from(["", "/", "/a/b?c=d#e", "?q=1", "#frag", "/x:y"]),
    ),
    st.builds(
        lambda scheme, body: f"{scheme}:{body}",
        st.sampled_from(["data", "javascript", "mailto", "tel", "sms", "intent", "blob"]),
        st.text(alphabet="abc/@.:=,;x0", max_size=20),
    ),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_URLS, min_size=1, max_size=8))
def test_engine_and_python_agree_on_hosts(urls: list[str]) -> None:
    python = [iocs.url_host(u) for u in urls]
    assert _engine_hosts(urls) == python
    for url, host in zip(urls, python, strict=True):
        parts = iocs.split_url(url)
        assert (parts.host.lower() if parts else "") == host
