"""Property: any single edit to any column of any decision row is caught by ``verify_audit``.

The hand-picked cases in test_audit_tamper.py show the messages; this one shows the
class is closed: whatever history of decisions, reviews and reversals hypothesis builds,
changing one value in ``actions`` or ``review_queue`` makes verification fail.
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, DateTime, select, update

from mercwatch.enforce import Enforcer, load_policy, verify_audit
from mercwatch.errors import AuditChainBroken
from mercwatch.model.records import Action, ActionKind, ActionStatus
from mercwatch.store.state import StateStore, actions, review_queue

KINDS = [ActionKind.DISABLE_ACCOUNT, ActionKind.BLOCK_DOMAIN]
TABLES = {"actions": actions, "review_queue": review_queue}


def _changed(column: Column, value: object) -> object:
    """A different value the column accepts, so the edit is a real one."""
    if isinstance(column.type, DateTime):
        return datetime(2000, 1, 1) if value is None else value.replace(year=value.year - 1)
    if isinstance(value, int):
        return value + 1000
    return "someone" if value is None else f"{value}x"


decisions = st.lists(
    st.tuples(st.sampled_from(KINDS), st.booleans(), st.sampled_from(["approve", "reject", "-"])),
    min_size=1,
    max_size=6,
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=decisions, pick=st.data())
def test_any_single_edit_of_a_decision_row_is_caught(history, pick) -> None:  # noqa: ANN001
    with tempfile.TemporaryDirectory() as folder:
        store = StateStore.open(f"sqlite:///{Path(folder) / 'state.db'}")
        try:
            _decide(store, history)
            table = TABLES[pick.draw(st.sampled_from(sorted(TABLES)))]
            with store.engine.connect() as conn:
                rows = conn.execute(select(table)).all()
            if not rows:
                return
            row = pick.draw(st.sampled_from(rows))
            column = pick.draw(st.sampled_from([c for c in table.columns if c.name != "id"]))
            with store.engine.begin() as conn:
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # an intruder's first step
                conn.execute(
                    update(table)
                    .where(table.c.id == row.id)
                    .values({column.name: _changed(column, getattr(row, column.name))})
                )
            with pytest.raises(AuditChainBroken):
                verify_audit(store)
        finally:
            store.dispose()


def _decide(store: StateStore, history: list[tuple[ActionKind, bool, str]]) -> None:
    enforcer = Enforcer(store, load_policy())
    batch = [
        Action(
            kind,
            f"subject-{i}",
            "op-1",
            ActionStatus.PENDING_REVIEW if queued else ActionStatus.APPLIED,
            "r",
        )
        for i, (kind, queued, _) in enumerate(history)
    ]
    enforcer.apply(batch, {})
    for action_id, (_, queued, decision) in enumerate(history, start=1):
        if queued and decision == "approve":
            enforcer.approve(action_id, "ana")
        elif queued and decision == "reject":
            enforcer.reject(action_id, "ana", "no")
        elif not queued and decision == "reject":
            enforcer.reverse(action_id, "appeals", "appeal upheld")
    assert verify_audit(store) >= len(history)
