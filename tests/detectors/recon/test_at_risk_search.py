"""Searches for at-risk people by full name, distinctive name part or handle."""

import _recon_world as rw
import pytest
from conftest import flagged

from mercwatch.detectors.base import DetectionContext
from mercwatch.detectors.recon.at_risk_search import AtRiskSearch

# (searcher, queries, should_flag, why)
CASES = [
    ("q1", ["Lena Kovac", "omar haddad"], True, "two full names"),
    ("q2", ["haddad, omar", "KOVAC lena reuters"], True, "reordered, punctuated, extra words"),
    ("q3", ["lindqvist", "ferreira"], True, "distinctive surnames alone"),
    ("q4", ["omar_haddad", "j3"], True, "a handle-like query and an account id"),
    ("q5", ["lena kovac", "lena kovac", "lena"], False, "one person, searched again"),
    ("q6", ["lena", "omar"], False, "first names that others share"),
    ("q7", ["tomas ferreira"], False, "one person only, partial full name"),
    ("q8", ["weather tomorrow", "football scores"], False, "unrelated searches"),
]


@pytest.fixture(scope="module")
def found(tmp_path_factory):
    w = rw.World()
    rw.population(w, 60)
    w.account("x1", "Lena Marsh")  # first names shared with the journalists
    w.account("x2", "Omar Said")
    for k, (searcher, queries, _, _) in enumerate(CASES):
        w.account(searcher, f"Searcher {k}")
        for i, q in enumerate(queries):
            w.event("search", rw.DAY * (k + 1) + i * 30, actor_id=searcher, text=q)
    for i, q in enumerate(["Rosa Lindqvist", "tomas ferreira-gil"]):  # logged out
        w.event("search", 20 * rw.DAY + i, ip="203.0.113.77", text=q)
    return flagged(AtRiskSearch().detect(DetectionContext(w.load(tmp_path_factory.mktemp("s")))))


@pytest.mark.parametrize(("searcher", "queries", "should_flag", "why"), CASES)
def test_searchers(found, searcher, queries, should_flag, why):
    assert (("account", searcher) in found) is should_flag, why


def test_logged_out_address_is_a_subject(found):
    score, detail = found[("ip", "203.0.113.77")]
    assert "2 different at-risk users" in detail


def test_detail_counts_partial_matches(found):
    _, detail = found[("account", "q3")]
    assert "2 searches, 2 by a distinctive part of the name or handle" in detail
