"""Automated collection: scrapers flagged; crawlers, NAT offices and audiences not."""

import _recon_world as rw
import pytest
from conftest import flagged

from mercwatch.detectors.base import DetectionContext
from mercwatch.detectors.recon.automated_collection import AutomatedCollection

CASES = [
    # (subject_type, subject, should_flag, why)
    ("account", "s1", True, "logged-in scraper walking ids in order on a clock"),
    ("ip", "203.0.113.5", True, "logged-out scraper of two journalists' circles"),
    ("ip", "66.249.66.1", False, "declared Googlebot from Google's ASN, viewing evenly"),
    ("network", "AS15169", False, "the crawler's network"),
    ("ip", "198.51.100.7", False, "office NAT: sixty colleagues browsing logged out"),
    ("network", "AS64520", False, "the office's network"),
    ("account", "o1", False, "a watcher viewing by hand (targeted watching, not automation)"),
    ("account", "f1", False, "a fan revisiting journalists"),
    ("account", "j1", False, "the busy journalist"),
    ("account", "u17", False, "an ordinary person"),
]


@pytest.mark.parametrize(("kind", "subject", "should_flag", "why"), CASES)
def test_busy_platform(busy_found, kind, subject, should_flag, why):
    found = busy_found(AutomatedCollection)
    assert ((kind, subject) in found) is should_flag, why


def test_no_ordinary_account_is_flagged(busy_found):
    found = busy_found(AutomatedCollection)
    assert {s for (k, s) in found if k == "account"} == {"s1"}


def test_focused_collection_outranks_unfocused(busy_found):
    found = busy_found(AutomatedCollection)
    assert found[("ip", "203.0.113.5")][0] > found[("account", "s1")][0]
    assert all(0.0 < score <= 1.0 for score, _ in found.values())


def test_detail_gives_the_numbers(busy_found):
    score, detail = busy_found(AutomatedCollection)[("account", "s1")]
    assert "150 profile views of 150 people" in detail
    assert "ids ascending in 149 of 149 steps" in detail
    assert "gap CV 0." in detail


def _small(tmp_path, build):
    w = rw.World()
    people = rw.population(w, 160)
    build(w, people)
    return DetectionContext(w.load(tmp_path))


def test_spoofed_crawler_user_agent_from_hosting_is_not_excused(tmp_path):
    ctx = _small(tmp_path, lambda w, _: rw.crawler(w, ip="203.0.113.9", asn=64500))
    found = flagged(AutomatedCollection().detect(ctx))
    assert ("ip", "203.0.113.9") in found


def test_declared_crawler_that_concentrates_on_circles_is_flagged(tmp_path):
    def build(w, _):
        rw.focused_scraper(w, ip="66.249.66.2", asn=15169, ua=rw.GOOGLEBOT)

    found = flagged(AutomatedCollection().detect(_small(tmp_path, build)))
    assert ("ip", "66.249.66.2") in found


def test_rotating_addresses_in_one_network_flag_the_network(tmp_path):
    def build(w, people):
        at = 6 * rw.DAY
        for k, target in enumerate(rw.users(120)):
            at += 8 + w.rng.uniform(-1, 1)
            w.view(at, target, ip=f"203.0.113.{10 + k % 30}", asn=64500, ua="curl/8.0")

    found = flagged(AutomatedCollection().detect(_small(tmp_path, build)))
    assert ("network", "203.0.113.0/24") in found
    assert ("network", "AS64500") in found
    assert not [s for (k, s) in found if k == "ip"]


def test_tunables_come_from_the_run_config(busy_con):
    strict = DetectionContext(busy_con, params={AutomatedCollection.id: {"min_score": 0.99}})
    assert flagged(AutomatedCollection().detect(strict)) == {}
