"""Two writers at once never fork the chain: both take ``audit_lock`` before reading the head."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from mercwatch.enforce import Enforcer, load_policy, read_audit, verify_audit
from mercwatch.model.records import Action, ActionKind, ActionStatus
from mercwatch.store.state import StateStore


def _batch(writer: str) -> list[Action]:
    return [
        Action(ActionKind.DISABLE_ACCOUNT, f"{writer}-{i}", "op-1", ActionStatus.APPLIED, "sure")
        for i in range(25)
    ]


def test_concurrent_writers_interleave_whole_transactions(store: StateStore) -> None:
    def write(writer: str) -> None:
        enforcer = Enforcer(store, load_policy())
        for start in range(0, 25, 5):
            enforcer.apply(_batch(writer)[start : start + 5], {}, who=writer)

    with ThreadPoolExecutor(max_workers=2) as pool:
        for done in [pool.submit(write, "a"), pool.submit(write, "b")]:
            done.result()
    assert verify_audit(store) == 50
    actors = [entry.actor for entry in read_audit(store)]
    # each transaction's five entries stay together: no writer slipped into another's
    assert all(len(set(actors[i : i + 5])) == 1 for i in range(0, 50, 5))
