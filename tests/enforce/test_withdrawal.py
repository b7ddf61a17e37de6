"""A run's earlier decisions that a later, complete run no longer makes: an applied one is
held for a reviewer (``evidence_withdrawn``), a queued one leaves the queue
(``superseded``); both come back when the evidence does; people's own decisions stay."""

from __future__ import annotations

import pytest

from mercwatch.enforce import Enforcer, load_policy, read_audit, verify_audit
from mercwatch.enforce.delivery import EnforcementQueue
from mercwatch.enforce.proposals import propose
from mercwatch.enforce.withdrawal import reconcile
from mercwatch.model.records import Action, ActionKind, ActionStatus
from mercwatch.store.state import StateStore

APPLIED, PENDING = ActionStatus.APPLIED, ActionStatus.PENDING_REVIEW
DAY1 = [
    Action(ActionKind.DISABLE_ACCOUNT, "acct-1", "op-1", APPLIED, "operation-accounts"),
    Action(ActionKind.DISABLE_ACCOUNT, "acct-2", "op-1", APPLIED, "operation-accounts"),
    Action(ActionKind.BLOCK_DOMAIN, "login-verify.example", "op-1", PENDING, "below auto-apply"),
]


@pytest.fixture
def enforcer(store: StateStore, clock) -> Enforcer:  # noqa: ANN001
    return Enforcer(store, load_policy(), clock)


def _status(enforcer: Enforcer) -> dict[str, str]:
    return {s.action.subject: s.action.status.value for s in enforcer.list_actions()}


def test_what_a_later_run_no_longer_supports_is_held_not_undone(enforcer: Enforcer, store):
    enforcer.apply(DAY1, {})
    # Day 2: the operation shrank to acct-1; acct-2 and the domain are no longer supported.
    day2 = DAY1[:1]
    enforcer.apply(day2, {})
    moved = reconcile(enforcer, day2)
    assert len(moved.withdrawn) == 1 and len(moved.superseded) == 1
    assert _status(enforcer) == {
        "acct-1": "applied",
        "acct-2": "evidence_withdrawn",  # still disabled on the platform until reviewed
        "login-verify.example": "superseded",  # out of the queue: nothing was done
    }
    assert enforcer.pending_reviews() == []
    verbs = [e.action for e in read_audit(store)][-2:]
    assert verbs == ["withdraw:disable_account", "supersede:block_domain"]
    assert verify_audit(store) == len(read_audit(store))

    # A rerun on the same evidence moves nothing again.
    assert reconcile(enforcer, day2).to_dict() == {
        "withdrawn": [],
        "superseded": [],
        "restored": [],
        "reopened": [],
    }

    # Day 3: the evidence is back: both return to where they were.
    enforcer.apply(DAY1, {})
    back = reconcile(enforcer, DAY1)
    assert len(back.restored) == 1 and len(back.reopened) == 1
    assert _status(enforcer)["acct-2"] == "applied"
    assert [a.action.subject for a in enforcer.pending_reviews()] == ["login-verify.example"]
    assert verify_audit(store) == len(read_audit(store))


def test_a_withdrawn_decision_can_be_reversed_on_review(enforcer: Enforcer):
    enforcer.apply(DAY1, {})
    reconcile(enforcer, DAY1[:1])
    held = next(s for s in enforcer.list_actions() if s.action.subject == "acct-2")
    reversed_ = enforcer.reverse(held.id, "reviewer:rita", "evidence withdrawn, not a persona")
    assert reversed_.action.status is ActionStatus.REVERSED
    # ... and stays reversed when a later run sees the operation again.
    enforcer.apply(DAY1, {})
    reconcile(enforcer, DAY1)
    assert _status(enforcer)["acct-2"] == "reversed"


def test_a_withdrawn_decision_not_yet_sent_never_reaches_the_platform(enforcer: Enforcer, store):
    enforcer.apply(DAY1, {})
    reconcile(enforcer, DAY1[:1])
    queue = EnforcementQueue(store)
    queue.sync()
    assert queue.status()["pending"] == 1  # acct-1's disable; acct-2's is held


def test_a_persons_proposal_is_not_reconsidered_by_runs(enforcer: Enforcer):
    propose(
        enforcer, ActionKind.BLOCK_DOMAIN, "evil.example", "op-9", "seen in a report", "api:ana"
    )
    enforcer.apply(DAY1, {})
    reconcile(enforcer, DAY1)
    assert _status(enforcer)["evil.example"] == "pending_review"
