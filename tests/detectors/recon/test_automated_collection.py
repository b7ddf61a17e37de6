"""Automated collection: scrapers flagged; crawlers, NAT offices and audiences not."""

import _helpers.recon_world as rw
import numpy as np
import pandas as pd
import pytest
from _helpers.detector_output import flagged

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
    assert "ids ascending in 149 of 149 distinct steps" in detail
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


def _by_hand(w, actor, targets, ip):
    """``actor`` views ``targets`` at a person's pace: a few a day, at any hour, shuffled."""
    w.account(actor, "Sam Reed")
    for k, target in enumerate(w.rng.sample(targets, len(targets))):
        at = (1 + k // 3) * rw.DAY + w.rng.randrange(8 * 3600, 22 * 3600)
        w.view(at, target, actor=actor, ip=ip, asn=64510, device=f"d-{actor}")


def _wide_circles(w, people):
    """Forty more friends around j1 and j2, so a circle outgrows the breadth yardstick."""
    for k, u in enumerate(people[40:80]):
        w.friends(("j1", "j2")[k % 2], u)


def test_broad_unfocused_browsing_by_a_busy_person_is_not_flagged(tmp_path):
    def build(w, people):
        _wide_circles(w, people)
        _by_hand(w, "m1", w.rng.sample(people, 45), "10.200.0.1")

    scored = AutomatedCollection().scored(_small(tmp_path, build)).to_pyarrow().to_pylist()
    busy = next(r for r in scored if r["subject"] == "m1")
    assert busy["e_breadth"] == 1.0, "beyond the population's breadth"
    assert busy["score"] < AutomatedCollection.defaults["min_score"], "but unfocused"


def test_breadth_focused_on_circles_is_flagged_at_a_persons_pace(tmp_path):
    def build(w, people):
        _wide_circles(w, people)
        circle = rw.circles(w, ("j1", "j2"))
        _by_hand(w, "c1", w.rng.sample(circle, 45), "10.200.0.2")

    found = flagged(AutomatedCollection().detect(_small(tmp_path, build)))
    assert found[("account", "c1")][0] > 0.5
    assert "45 of the people on at-risk users or close contacts" in found[("account", "c1")][1]


def test_a_fixed_round_of_a_few_bookmarks_is_not_list_collection(tmp_path):
    def build(w, _):
        w.account("b1", "Ana Lopez")
        for day in range(1, 29):
            at = day * rw.DAY + w.rng.randrange(9 * 3600, 20 * 3600)
            for j in ("j1", "j2", "j3", "j4", "u1", "u2"):
                at += w.rng.expovariate(1 / 60) + 5
                w.view(at, j, actor="b1", ip="10.200.0.3", asn=64510)

    found = flagged(AutomatedCollection().detect(_small(tmp_path, build)))
    assert ("account", "b1") not in found


def test_tunables_come_from_the_run_config(busy_con):
    strict = DetectionContext(busy_con, params={AutomatedCollection.id: {"min_score": 0.99}})
    assert flagged(AutomatedCollection().detect(strict)) == {}


def test_yardsticks_are_population_quantiles_over_every_viewing_account(tmp_path):
    """Only busy accounts are timed, but the quantile is read over all of them by rank."""

    def build(w, people):
        for k in range(1, 41):  # v_k views k people within one hour: distinct values
            w.account(f"v{k}", "Viewer")
            for i, target in enumerate(people[:k]):
                w.view(2 * rw.DAY + k * 3600 + i, target, actor=f"v{k}", ip="10.200.0.9")

    tunables = {"min_targets_floor": 1, "min_peak_floor": 1, "person_quantile": 0.9}
    con = _small(tmp_path, build).con
    ctx = DetectionContext(con, params={AutomatedCollection.id: tunables})
    ref = AutomatedCollection().scored(ctx).to_pandas().iloc[0]
    ev = con.table("events").to_pandas()
    seen = ev[(ev.type == "view_profile") & ev.actor_id.notna() & (ev.actor_id != ev.target_id)]
    targets = seen.groupby("actor_id").target_id.nunique().to_numpy()
    hour = seen.assign(h=pd.to_datetime(seen.ts).dt.floor("h"))
    peaks = hour.groupby(["actor_id", "h"]).size().groupby("actor_id").max().to_numpy()
    assert ref["ref_targets"] == np.quantile(targets, 0.9, method="inverted_cdf")
    assert ref["ref_peak"] == np.quantile(peaks, 0.9, method="inverted_cdf")
    assert ref["ref_targets"] > 5, "read among the busy viewers, not at the floor"
