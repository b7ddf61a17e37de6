"""engagement.co_sharing: personas sharing one rare lure vs a viral link and lone sharers.

Three personas send the same rare lure URL (personalised per target in its query
string) within minutes; two more personas send different pages of one rare domain
hours apart. A crowd of thirty unrelated people share one viral article, once each,
within the hour; two people share the same popular site a day apart; two others
share one rare URL, but a week apart.
"""

from __future__ import annotations

import pytest
from _helpers.scenes import Scene, background

from mercwatch.detectors.base import DetectionContext
from mercwatch.detectors.engagement.co_sharing import CoSharing, shared_items
from mercwatch.detectors.runner import run_detectors
from mercwatch.iocs import shareable_text

LURE = "https://bbc-breaking.live/world/2021/abc123.html"


def _scene() -> Scene:
    s = Scene()
    users, risky, contacts = background(s)
    targets = risky + contacts
    for i in range(3):  # one lure, one wave, personalised per target
        s.account(f"p{i}", created_days=-20)
        url = f"{LURE}?u={targets[i]}" if i else LURE.replace("https://", "https://www.")
        s.event("message", f"p{i}", targets[i], days=5, minutes=10 * i, url=url, text=url)
    for i in range(2):  # one rare domain, different pages, hours apart
        s.account(f"q{i}", created_days=-20)
        url = f"https://login.secure-whatsapp.top/verify/{i}x{i}"
        s.event("share_link", f"q{i}", targets[3 + i], days=6, minutes=300 * i, url=url)
    for i in range(30):  # a viral article: many people, once each, within the hour
        s.account(f"v{i:02d}", created_days=-600)
        url = "https://smalltown-news.org/story/424242"
        s.event("message", f"v{i:02d}", users[i], days=7, minutes=2 * i, url=url, text=url)
    for i, day in ((0, 8.0), (1, 9.5)):  # a popular site, a day and a half apart
        s.account(f"y{i}", created_days=-600)
        s.event("post", f"y{i}", None, days=day, url=f"https://www.youtube.com/watch?v=a{i}")
    for i, day in ((0, 2.0), (1, 9.0)):  # one rare URL, a week apart
        s.account(f"w{i}", created_days=-600)
        s.event("post", f"w{i}", None, days=day, url="https://my-garden-blog.net/roses")
    return s


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> DetectionContext:
    return _scene().context(tmp_path_factory.mktemp("cosharing"))


@pytest.fixture(scope="module")
def signals(context: DetectionContext) -> dict[str, dict]:
    result = run_detectors(context, [CoSharing])
    assert not result.failed, result.failed
    return {r["subject"]: r for r in result.signals.to_pylist()}


@pytest.mark.parametrize(
    ("account", "should_flag"),
    [("p0", True), ("p1", True), ("p2", True), ("q0", True), ("q1", True)]
    + [(f"v{i:02d}", False) for i in (0, 1, 15, 29)]
    + [("y0", False), ("y1", False), ("w0", False), ("w1", False), ("u00", False)],
)
def test_personas_flagged_viral_crowd_not(
    signals: dict[str, dict], account: str, should_flag: bool
) -> None:
    assert (account in signals) == should_flag, signals.get(account)


def test_evidence_lists_the_shared_lure_and_its_times(signals: dict[str, dict]) -> None:
    detail = signals["p1"]["detail"]
    # The www. form and the per-target query strings are one page.
    assert "url https://bbc-breaking.live/world/2021/abc123.html (3 sharers;" in detail, detail
    assert "domain bbc-breaking.live (3 sharers;" in detail, detail
    assert "2021-10-06 09:00 and 2021-10-06 09:10 UTC" in detail, detail
    assert "shares rare links with 2 accounts" in detail, detail
    q = signals["q0"]["detail"]
    assert "domain secure-whatsapp.top (2 sharers; 2021-10-07 09:00 and 2021-10-07 14:00" in q
    assert "url " not in q  # different pages: only the domain is shared


def test_evidence_urls_pass_through_the_report_safety_rewrite(signals: dict[str, dict]) -> None:
    """The public report rewrites URLs in evidence text to their shareable shape; a URL
    written without a scheme would slip past it with a personalised path intact."""
    detail = signals["p1"]["detail"]
    safe = shareable_text(detail, ["abc123"])
    assert "abc123" not in safe and "https://bbc-breaking.live/" in safe, safe


def test_three_personas_outscore_a_domain_pair(signals: dict[str, dict]) -> None:
    assert signals["p0"]["score"] > signals["q0"]["score"] >= 0.1


def _pairs(context: DetectionContext, url_h: float, domain_h: float) -> set[tuple[str, str, str]]:
    t = shared_items(context, url_h * 3600, domain_h * 3600, None).to_pyarrow()
    return set(zip(t["a"].to_pylist(), t["b"].to_pylist(), t["kind"].to_pylist(), strict=True))


def test_window_boundaries_are_inclusive_and_per_kind(context: DetectionContext) -> None:
    # p0 and p2 are 20 minutes apart: inside a 20-minute window, outside a 19-minute one.
    assert ("p0", "p2", "url") in _pairs(context, 20 / 60, 0)
    assert ("p0", "p2", "url") not in _pairs(context, 19 / 60, 0)
    # q0 and q1 share a domain five hours apart; the URL window does not reach it.
    assert ("q0", "q1", "domain") in _pairs(context, 0, 5)
    assert ("q0", "q1", "domain") not in _pairs(context, 24, 4.99)
    # The rare blog shared a week apart joins only with a week-long window.
    assert ("w0", "w1", "url") not in _pairs(context, 24, 24)
    assert ("w0", "w1", "url") in _pairs(context, 7 * 24, 0)


def test_popular_items_weigh_nothing(context: DetectionContext) -> None:
    """Without the sharer cap the viral article pairs everyone; with it, no one."""
    t = shared_items(context, 3600, 86400, None).to_pyarrow()
    viral = [w for a, w in zip(t["a"].to_pylist(), t["w"].to_pylist(), strict=True) if a[0] == "v"]
    assert viral and max(viral) == pytest.approx(1 / 29)
    capped = shared_items(context, 3600, 86400, 20).to_pyarrow()
    assert not [a for a in capped["a"].to_pylist() if a.startswith("v")]
