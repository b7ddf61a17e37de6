"""Targeted watching: unanswered attention on at-risk people and their circles."""

import _helpers.recon_world as rw
import pytest
from _helpers.detector_output import flagged

from mercwatch.detectors.base import DetectionContext
from mercwatch.detectors.recon.targeted_watching import TargetedWatching

CASES = [
    ("account", "o1", True, "persona watching two journalists and their friends"),
    ("account", "o2", True, "second persona of the same operation"),
    ("account", "o3", True, "third persona"),
    ("ip", "203.0.113.5", True, "logged-out address collecting two circles"),
    ("account", "f1", False, "a fan revisiting public figures only"),
    ("ip", "198.51.100.7", False, "office NAT, judged per person behind it"),
    ("ip", "66.249.66.1", False, "crawler viewing everyone evenly"),
    ("account", "s1", False, "scraper of everyone: no focus on protected people"),
    ("account", "j2", False, "a journalist"),
    ("account", "u1", False, "a journalist's friend (mutual)"),
]


@pytest.mark.parametrize(("kind", "subject", "should_flag", "why"), CASES)
def test_busy_platform(busy_found, kind, subject, should_flag, why):
    assert ((kind, subject) in busy_found(TargetedWatching)) is should_flag, why


def test_only_the_watchers_are_flagged(busy_found):
    found = busy_found(TargetedWatching)
    assert set(found) == {
        ("account", "o1"),
        ("account", "o2"),
        ("account", "o3"),
        ("ip", "203.0.113.5"),
    }


def test_no_audience_member_is_flagged(busy_found):
    found = busy_found(TargetedWatching)
    assert not [s for (k, s) in found if k == "account" and s.startswith("u")]


def test_detail_gives_the_numbers(busy_found):
    score, detail = busy_found(TargetedWatching)[("account", "o1")]
    assert detail.startswith("watched 12 at-risk users or close contacts")
    assert "100% of its views on protected people" in detail
    assert 0.3 < score <= 1.0


def test_answered_attention_is_not_watching(tmp_path):
    """The same persona, but the people it looks at write back: no signal."""
    w = rw.World()
    rw.population(w, 160)
    rw.watchers(w, ("o1",))
    for k, person in enumerate(rw.circles(w, ("j3", "j4"))):
        w.event("message", 2 * rw.DAY + k * 60, actor_id=person, target_id="o1", text="hi")
    found = flagged(TargetedWatching().detect(DetectionContext(w.load(tmp_path))))
    assert ("account", "o1") not in found


def test_lone_watcher_is_still_flagged(tmp_path):
    w = rw.World()
    rw.population(w, 160)
    rw.watchers(w, ("o9",))
    found = flagged(TargetedWatching().detect(DetectionContext(w.load(tmp_path))))
    assert ("account", "o9") in found
