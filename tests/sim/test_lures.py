"""Lure reuse across personas (sim.lures) and the viral-news crowd (sim.crowds.viral_news).

Operations now send one lure URL, or pages of one domain, from several personas in a
wave; breaking news is shared once each by many unrelated people. Both are what a
co-sharing detector must tell apart, so both must really be in the export.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import numpy as np

from mercwatch.sim import SimResult
from mercwatch.sim.lures import LurePlan, LureReuse, draw_plan
from mercwatch.sim.vocab import load_vocab

from .contract import load_export

NEWS = {outlet["domain"] for outlet in load_vocab().list("news_outlets")}


def _host(url: str) -> str:
    return url.split("://", 1)[1].split("/", 1)[0].split("?", 1)[0]


def _page(url: str) -> str:
    return url.split("?", 1)[0]


def test_same_url_plan_sends_one_page_per_domain_personalised_in_one_wave() -> None:
    plan = LurePlan("same_url", personalised=True, wave_starts=(1000,), wave_s=600)
    reuse = LureReuse(plan, np.random.default_rng(1))
    drawn = [(f"https://d{i % 2}.site/login?session={i}", f"d{i % 2}.site") for i in range(6)]
    sent = [reuse.deliver(url, domain, 5) for url, domain in drawn]
    pages = {url.split("&r=")[0] for url, _ in sent}
    # every domain the operation made stays in use, each with one page
    assert pages == {"https://d0.site/login?session=0", "https://d1.site/login?session=1"}
    assert len({url for url, _ in sent}) == 6  # each target its own token
    assert all(1000 <= ts <= 1600 for _, ts in sent)


def test_same_domain_plan_keeps_pages_and_own_plan_changes_nothing() -> None:
    plan = LurePlan("same_domain", personalised=False, wave_starts=(0, 9000), wave_s=60)
    reuse = LureReuse(plan, np.random.default_rng(2))
    sent = [reuse.deliver(f"https://d.site/p{i}", "d.site", 5) for i in range(3)]
    assert [url for url, _ in sent] == [f"https://d.site/p{i}" for i in range(3)]
    assert all(ts <= 60 or 9000 <= ts <= 9060 for _, ts in sent)
    own = LureReuse(LurePlan("own", True, (0,), 60), np.random.default_rng(3))
    assert own.deliver("https://x.site/a?b=1", "x.site", 77) == ("https://x.site/a?b=1", 77)


def test_plans_vary_with_the_seed() -> None:
    plans = [draw_plan(np.random.default_rng(s), 3.0, 30, 2) for s in range(40)]
    assert {p.mode for p in plans} == {"own", "same_url", "same_domain"}
    assert {p.personalised for p in plans} == {True, False}
    assert all(p.wave_s <= 8 * 3600 for p in plans)


def _lure_sharing(results: list[SimResult]) -> tuple[int, int]:
    """Operations whose personas (2+) sent one page, and others whose personas sent pages
    of one domain."""
    same_page = same_domain = 0
    for result in results:
        truth, _, events = load_export(result.out)
        for op in truth["operations"]:
            mine, domains = set(op["accounts"]), set(op["domains"])
            senders: dict[str, set[str]] = defaultdict(set)
            for e in events:
                url = e.get("url")
                if url and e.get("actor_id") in mine and _host(url) in domains:
                    senders[_page(url)].add(e["actor_id"])
            if any(len(who) >= 2 for who in senders.values()):
                same_page += 1
            elif any(
                len({a for page, who in senders.items() if _host(page) == d for a in who}) >= 2
                for d in domains
            ):
                same_domain += 1
    return same_page, same_domain


def test_operations_reuse_lures_across_personas(
    seeds_exports: list[SimResult], parquet_export: SimResult
) -> None:
    same_page, same_domain = _lure_sharing([*seeds_exports, parquet_export])
    assert same_page >= 1 and same_domain >= 1, (same_page, same_domain)


def test_viral_news_is_many_people_once_each_within_hours(parquet_export: SimResult) -> None:
    truth, _, events = load_export(parquet_export.out)
    crowd = {a for h in truth["hard_negatives"] if h["kind"] == "viral_news" for a in h["accounts"]}
    assert len(crowd) >= 40
    by_page: dict[str, list[tuple[str, datetime]]] = defaultdict(list)
    for e in events:
        url = e.get("url") or ""
        # The crowd's own shares carry their apps' tracking tag; members also live
        # ordinary lives, whose links are not part of the story.
        if e.get("actor_id") in crowd and "utm_source=" in url:
            assert _host(url).removeprefix("www.") in NEWS, url
            by_page[_page(e["url"])].append((e["actor_id"], e["ts"]))
    assert len(by_page) >= 2
    shared_by: dict[str, int] = defaultdict(int)
    for page, shares in by_page.items():
        assert len(shares) >= 20, page
        assert len({who for who, _ in shares}) == len(shares), "someone shared a story twice"
        for who, _ in shares:
            shared_by[who] += 1
    assert set(shared_by) == crowd and set(shared_by.values()) == {1}
