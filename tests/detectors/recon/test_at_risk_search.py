"""Searches for at-risk people by full name, distinctive name part or handle.

The world has an ordinary search population around the cases: every account searches
two topics, fifty readers also look up one of three well-known journalists (Lena
Kovac, Omar Haddad, Rosa Lindqvist), while Tomas Ferreira-Gil, Ines Moreau and Karim
Bensaid are at-risk people hardly anyone searches for. Each case is judged against
that population, as on a real platform.
"""

import random

import _helpers.recon_world as rw
import pytest
from _helpers.detector_output import flagged

from mercwatch.detectors.base import DetectionContext
from mercwatch.detectors.recon.at_risk_search import AtRiskSearch

FAMOUS = ["Lena Kovac", "Omar Haddad", "Rosa Lindqvist"]
RARE = ["tomas ferreira-gil", "ines moreau", "Karim Bensaid"]
TOPICS = ["weather tomorrow", "football scores", "cheap flights", "pasta recipe", "news"]

# (searcher, queries searched within minutes of each other, should_flag, why)
SITTING = [
    ("q1", ["Lena Kovac", "omar haddad"], True, "two full names in one sitting"),
    ("q2", ["haddad, omar", "KOVAC lena reuters"], True, "reordered, punctuated, extra words"),
    ("q3", ["lindqvist", "ferreira"], True, "distinctive surnames alone"),
    ("q4", ["omar_haddad", "j3"], True, "a handle-like query and an account id"),
    ("q5", ["lena kovac", "lena kovac", "lena"], False, "one person, searched again"),
    ("q6", ["lena", "omar"], False, "first names that others share"),
    ("q7", ["tomas ferreira"], False, "one person only, partial full name"),
    ("q8", ["weather tomorrow", "football scores"], False, "unrelated searches"),
]
# (searcher, queries searched a week apart each, should_flag, why)
SPREAD = [
    ("r1", FAMOUS, False, "a reader: three names that many others search, weeks apart"),
    ("r2", RARE, True, "three people hardly anyone else searches, weeks apart"),
    (
        "b1",
        RARE + [f"{t} {n}" for n in range(4) for t in TOPICS],
        False,
        "the same three among twenty unrelated searches",
    ),
]
NAT = "198.51.100.7"
LONE_IP = "203.0.113.77"


def _population(w: rw.World) -> None:
    """Everyone searches two topics; fifty readers also look up a well-known journalist."""
    rng = random.Random(11)
    people = rw.population(w, 200)
    w.account("j5", "Ines Moreau", ("journalist",))
    w.account("j6", "Karim Bensaid", ("journalist",))
    w.account("x1", "Lena Marsh")  # first names shared with the journalists
    w.account("x2", "Omar Said")
    for i, u in enumerate(people):
        for topic in rng.sample(TOPICS, 2):
            w.event("search", rng.randrange(30 * rw.DAY), actor_id=u, text=topic)
        if i < 50:
            w.event("search", rng.randrange(30 * rw.DAY), actor_id=u, text=FAMOUS[i % 3])


def _office(w: rw.World) -> None:
    """Colleagues behind one NAT, each searching logged out from their own browser."""
    for i in range(30):
        u = w.account(f"o{i}", f"Colleague {i}")
        w.event("login", i * 3600, actor_id=u, ip=NAT, device_id=f"d-o{i}")
        query = (FAMOUS + RARE)[i] if i < 3 else TOPICS[i % 5]
        w.event("search", 25 * rw.DAY + i * 60, ip=NAT, device_id=f"d-o{i}", text=query)


@pytest.fixture(scope="module")
def found(tmp_path_factory):
    w = rw.World()
    _population(w)
    for k, (searcher, queries, _, _) in enumerate(SITTING):
        w.account(searcher, f"Searcher {k}")
        for i, q in enumerate(queries):
            w.event("search", rw.DAY * (k + 1) + i * 30, actor_id=searcher, text=q)
    for k, (searcher, queries, _, _) in enumerate(SPREAD):
        w.account(searcher, f"Reader {k}")
        for i, q in enumerate(queries):
            w.event("search", 7 * rw.DAY * i + k * 3600, actor_id=searcher, text=q)
    for i, q in enumerate(["Rosa Lindqvist", "tomas ferreira-gil"]):  # logged out
        w.event("search", 20 * rw.DAY + i, ip=LONE_IP, text=q)
    _office(w)
    return flagged(AtRiskSearch().detect(DetectionContext(w.load(tmp_path_factory.mktemp("s")))))


@pytest.mark.parametrize(("searcher", "queries", "should_flag", "why"), SITTING + SPREAD)
def test_searchers(found, searcher, queries, should_flag, why):
    assert (("account", searcher) in found) is should_flag, why


def test_no_ordinary_reader_is_flagged(found):
    readers = {f"u{i}" for i in range(1, 201)}
    assert not [s for (_, s) in found if s in readers]


def test_logged_out_address_is_a_subject(found):
    score, detail = found[("ip", LONE_IP)]
    assert "2 different at-risk users" in detail
    assert "1 account(s) behind it" in detail


def test_office_nat_is_judged_per_person(found):
    """Three colleagues each looking up one person is not one searcher's list."""
    assert ("ip", NAT) not in found


def test_rare_people_outscore_famous_ones(found):
    score, detail = found[("account", "r2")]
    assert 0.0 < score <= 1.0
    assert "3 different at-risk users" in detail and "rarity-weighted" in detail


def test_detail_counts_partial_matches(found):
    _, detail = found[("account", "q3")]
    assert "2 searches, 2 by a distinctive part of the name or handle" in detail
    assert "up to 2.0 in one sitting" in detail


def test_scores_are_in_unit_interval(found):
    assert all(0.0 < score <= 1.0 for score, _ in found.values())
