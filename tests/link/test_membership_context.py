"""A true operation must not absorb benign accounts that share only everyday context.

Found on altsim ``all`` tuning seed 74102 (10k users, issue 11, fifth round): a persona
crew's operation took in eleven office colleagues, two carrier-NAT neighbours, a fan
and a viral-link sharer, tied to it by co-targeting, one address or one link; two of
them were disabled. Each scenario below is one such class next to a small operation
(personas on one phone that watch and approach at-risk people): the office team on
an address one persona also uses, neighbours behind a carrier NAT, fans of the
celebrity the operation also watches, readers sharing the viral article the personas
also share. The colleagues, neighbours, fans and readers have friends from before the
window and a signal of their own (they looked the same people up), never a tie of
control, so they are context, not members (:mod:`mercwatch.link.membership`).
"""

from __future__ import annotations

import pytest

from mercwatch.enforce.policy import decide, load_policy
from mercwatch.link import build_operations
from mercwatch.link.candidates import Candidate
from mercwatch.link.config import LinkConfig
from mercwatch.link.graph import TieGraph
from mercwatch.link.membership import judge_members
from mercwatch.model import ActionKind, ActionStatus

VIRAL = "https://news.example.org/2021/11/leak-story"
OFFICE = "203.0.113.9"
NAT = "100.64.0.1"


def _operation(platform, targets: list[str], ip: str | None = None) -> list[str]:
    """Four personas on one phone: each watches and messages every target, the first
    searches them too (reconnaissance and engagement: a corroborated operation)."""
    personas = []
    for i in range(4):
        a = platform.account(f"persona{i}")
        platform.signal(a, 0.9 if i == 0 else 0.6, detector="fake_persona")
        if i == 0:
            platform.signal(a, 0.9, detector="at_risk_search", phase="reconnaissance")
        platform.event("login", a, device_id="op-phone", ip=ip if i == 0 else f"198.51.100.{i}")
        for t in targets:
            platform.event("view_profile", a, t, device_id="op-phone")
            platform.event("message", a, t, device_id="op-phone", text=f"hello {t}")
        personas.append(a)
    return personas


def _people(platform, prefix: str, size: int) -> list[str]:
    """Accounts with a life before the window: friends of each other and of others."""
    people = [platform.account(f"{prefix}{i}") for i in range(size)]
    for i, a in enumerate(people):
        for b in people[i + 1 :]:
            platform.friends(a, b)
        for friend in platform.benign(f"{prefix}friend{i}_", 3):
            platform.friends(a, friend)
    return people


def _pairs_of(targets: list[str], i: int) -> list[str]:
    """Two of the operation's targets per bystander, a different pair each: every
    bystander co-targets the personas (who watch them all), no two bystanders share
    enough to be tied to each other, so nothing pulls them away from the operation."""
    return [targets[(2 * i) % len(targets)], targets[(2 * i + 1) % len(targets)]]


def _crowd(platform, prefix: str, address: str, size: int) -> None:
    """Other users of a shared address, with no signal: what makes it popular."""
    for i in range(size):
        other = platform.account(f"{prefix}{i}")
        platform.event("login", other, ip=address, device_id=f"{prefix}-phone{i}")


def _bystanders(
    platform, prefix: str, targets: list[str], detector: str, event: str = "view_profile", **where
) -> list[str]:
    """Four people, each with a reconnaissance signal of its own, acting (``event``)
    on two of the operation's targets from ``where`` (an address, a link)."""
    people = _people(platform, prefix, 4)
    for i, a in enumerate(people):
        platform.signal(a, 0.9, detector=detector, phase="reconnaissance")
        for t in _pairs_of(targets, i):
            platform.event(event, a, t, device_id=f"{prefix}-phone{i}", **where)
    return people


def _office(platform, targets: list[str]) -> list[str]:
    """Newsroom staff researching at-risk people from the office address, which one
    persona also used (a co-working space)."""
    staff = _bystanders(platform, "staff", targets, "at_risk_search", ip=OFFICE)
    _crowd(platform, "colleague", OFFICE, 12)
    return staff


def _carrier_nat(platform, targets: list[str]) -> list[str]:
    """Neighbours behind one carrier NAT address (shared with a persona's login) who
    looked up the same public people."""
    neighbours = _bystanders(platform, "nat", targets, "at_risk_search", ip=NAT)
    _crowd(platform, "natuser", NAT, 30)
    return neighbours


def _fans(platform, targets: list[str]) -> list[str]:
    """Fans who keep looking at the celebrities the operation also watches."""
    return _bystanders(platform, "fan", targets, "targeted_watching")


def _viral(platform, targets: list[str]) -> list[str]:
    """Readers sending a viral article to people the personas also write to."""
    readers = _bystanders(
        platform, "reader", targets, "at_risk_search", "message", url=VIRAL, text="read this"
    )
    for i in range(20):  # it is viral: many others share it too
        other = platform.account(f"sharer{i}")
        platform.event("post", other, None, url=VIRAL, device_id=f"sphone{i}")
    return readers


def _operation_shares_viral(platform, personas: list[str], targets: list[str]) -> None:
    for a in personas:
        platform.event("message", a, targets[0], url=VIRAL, device_id="op-phone", text="seen?")


CLASSES = {
    "office_team": (_office, OFFICE),
    "carrier_nat": (_carrier_nat, NAT),
    "celebrity_fans": (_fans, None),
    "viral_link": (_viral, None),
}


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_a_true_operation_does_not_absorb_context(platform, name):
    build, address = CLASSES[name]
    targets = platform.benign("t", 8, tags=["journalist"])
    personas = _operation(platform, targets, ip=address)
    bystanders = build(platform, targets)
    if name == "viral_link":
        _operation_shares_viral(platform, personas, targets)
    ops = build_operations(platform.connect(), platform.signal_table())
    accused = {a for op in ops for a in op.accounts}
    assert set(personas) <= accused  # the operation is still found, whole
    assert not accused & set(bystanders), f"{name} absorbed: {sorted(accused & set(bystanders))}"


def _candidate(account: str, rooted: bool, families: dict[str, float]) -> Candidate:
    return Candidate(
        account_id=account,
        own_score=max(families.values(), default=0.0),
        infra_score=0.0,
        reasons=("signals",),
        families=tuple(families.items()),
        established=rooted,
        rooted=rooted,
    )


def test_membership_rules_by_kind_of_tie():
    """Founders by own evidence; reach only through control ties; context leaves."""
    config = LinkConfig()
    both = {"reconnaissance": 0.9, "engagement": 0.9}
    cands = {
        "p0": _candidate("p0", False, both),  # founder: two families, a persona
        "p1": _candidate("p1", False, {"engagement": 0.5}),  # same phone as p0
        "p2": _candidate("p2", False, {"engagement": 0.5}),  # only co-targets p0
        "colleague": _candidate("colleague", True, both),  # two families, rooted
        "hijacked": _candidate("hijacked", True, {"engagement": 0.4}),  # p0's phone
    }
    ties = {
        ("p0", "p1"): {"device": 1.0},
        ("p0", "p2"): {"cotarget": 0.8},
        ("colleague", "p0"): {"ip": 0.5, "cotarget": 0.8},
        ("hijacked", "p0"): {"device": 1.0},
    }
    graph = TieGraph(accounts=tuple(sorted(cands)), ties=ties)
    judged = judge_members([tuple(sorted(cands))], cands, graph, config)
    assert judged.groups == [("hijacked", "p0", "p1", "p2")]
    assert judged.dropped == {"colleague"}
    assert judged.uncorroborated == {"p2"}


def test_an_uncorroborated_member_is_never_disabled_without_review(platform):
    """Enforcement: the operation's confidence says the operation is real, not that a
    context-only member belongs to it."""
    targets = platform.benign("t", 8, tags=["journalist"])
    personas = _operation(platform, targets)
    # a fresh account (no friends) that only co-targets: kept, uncorroborated
    loner = platform.account("loner")
    platform.signal(loner, 0.9, detector="at_risk_search", phase="reconnaissance")
    for t in targets:
        platform.event("view_profile", loner, t, device_id="loner-phone")
    ops = build_operations(platform.connect(), platform.signal_table())
    (op,) = [op for op in ops if set(personas) <= set(op.accounts)]
    assert "loner" in op.uncorroborated_accounts
    sure = op.__class__(**{**_fields(op), "confidence": 0.99})
    actions = decide([sure], {}, load_policy(None))
    on_loner = [a for a in actions if a.subject == "loner"]
    assert on_loner and all(a.status is ActionStatus.PENDING_REVIEW for a in on_loner)
    assert all("not corroborated" in a.reason for a in on_loner)
    applied = {
        a.subject
        for a in actions
        if a.status is ActionStatus.APPLIED and a.action is ActionKind.CHECKPOINT_ACCOUNT
    }
    assert set(personas) <= applied  # the personas themselves still acted on


def _fields(op) -> dict:
    return {name: getattr(op, name) for name in op.__dataclass_fields__}
