"""The owner of a photo a persona stole is not a corroborated member of its operation.

Found on sim baseline tuning seed 9763 (50k users, issue 11): a persona of an
operation wore a real user's picture (personas steal photos); the owner, a new account
with a weak signal of its own, was tied to the thief by that photo alone, reached as a
member through a "control" tie and disabled. A copied photo says "same hands" only as
an operation's stock set (three or more wearers) or beside another tie
(:func:`mercwatch.link.membership.is_control_tie`).
"""

from __future__ import annotations

from mercwatch.link.candidates import Candidate
from mercwatch.link.config import LinkConfig
from mercwatch.link.context import popularity_discount
from mercwatch.link.graph import TieGraph
from mercwatch.link.membership import judge_members

FOUNDER = {"reconnaissance": 0.9, "engagement": 0.9}


def _persona(account: str, families: dict[str, float]) -> Candidate:
    return Candidate(
        account_id=account,
        own_score=max(families.values(), default=0.0),
        infra_score=0.0,
        reasons=("signals",),
        families=tuple(families.items()),
        established=False,
        rooted=False,
    )


def _judge(cands: dict[str, Candidate], ties: dict[tuple[str, str], dict[str, float]]):
    graph = TieGraph(accounts=tuple(sorted(cands)), ties=ties)
    return judge_members([tuple(sorted(cands))], cands, graph, LinkConfig())


def test_the_owner_of_a_stolen_photo_is_not_corroborated():
    cands = {
        "thief": _persona("thief", FOUNDER),
        "owner": _persona("owner", {"engagement": 0.55}),
    }
    judged = _judge(cands, {("owner", "thief"): {"photo": 1.0}})
    assert "owner" in judged.uncorroborated  # never disabled without review
    assert "thief" not in judged.uncorroborated


def test_a_stock_photo_set_still_joins_its_wearers():
    cands = {
        "p0": _persona("p0", FOUNDER),
        "p1": _persona("p1", {"engagement": 0.5}),
        "p2": _persona("p2", {"engagement": 0.5}),
    }
    stock = {"photo": popularity_discount(3)}
    judged = _judge(cands, {("p0", "p1"): stock, ("p0", "p2"): stock, ("p1", "p2"): stock})
    assert judged.uncorroborated == frozenset()


def test_a_photo_beside_another_tie_still_joins():
    cands = {
        "p0": _persona("p0", FOUNDER),
        "p1": _persona("p1", {"engagement": 0.5}),
    }
    judged = _judge(cands, {("p0", "p1"): {"photo": 1.0, "email_domain": 0.6}})
    assert judged.uncorroborated == frozenset()


def _rooted(account: str) -> Candidate:
    return Candidate(
        account_id=account,
        own_score=0.0,
        infra_score=0.0,
        reasons=("signals",),
        families=(),
        established=True,
        rooted=True,
    )


def test_the_owners_colleagues_are_not_taken_in_through_the_owner():
    """The web fixture (sim 600 users, seed 3): a persona of op-003 wore the photo of
    a marketing-agency member; through that photo and the agency's shared laptops all
    seven agency accounts joined the operation (and their audience its targets)."""
    cands = {"thief": _persona("thief", FOUNDER)}
    cands |= {a: _rooted(a) for a in ("owner", "colleague1", "colleague2")}
    laptop = {"device": 1.0, "ip": 0.24}
    ties = {
        ("owner", "thief"): {"photo": 1.0},
        ("colleague1", "owner"): laptop,
        ("colleague2", "owner"): laptop,
        ("colleague1", "colleague2"): laptop,
    }
    judged = _judge(cands, ties)
    assert judged.groups == [("thief",)]
    assert judged.dropped == {"owner", "colleague1", "colleague2"}
