"""Schema 0003 on a store that already holds decisions: they are adopted into the chain.

A store written by schema 0001 has entries without row images and a mutable head row.
The migration must keep those entries verifying, and append checkpoint entries imaging
every existing decision row, so an edit made after the upgrade is caught too.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text

from mercwatch.enforce import read_audit, verify_audit
from mercwatch.enforce.audit import entry_hash
from mercwatch.errors import AuditChainBroken, StateError
from mercwatch.store.migrations import alembic_config, upgrade
from mercwatch.store.state import GENESIS_HASH, StateStore

TS = datetime(2021, 12, 16, 9, 0, 0)


def _legacy_entry(conn, entry_id: int, prev: str, action: str, subject: str) -> str:  # noqa: ANN001
    fields = {
        "id": entry_id,
        "ts": "2021-12-16T09:00:00.000000Z",
        "actor": "mercwatch-run",
        "action": action,
        "subject": subject,
        "operation_id": "op-1",
        "reason": "legacy",
        "evidence": [],
        "policy_version": "v1",
    }
    digest = entry_hash(fields, prev)
    conn.execute(
        text(
            "INSERT INTO audit_log (id, ts, actor, action, subject, operation_id, reason, "
            "evidence, policy_version, prev_hash, hash) VALUES (:id, :ts, 'mercwatch-run', "
            ":action, :subject, 'op-1', 'legacy', '[]', 'v1', :prev, :hash)"
        ),
        {
            "id": entry_id,
            "ts": TS,
            "action": action,
            "subject": subject,
            "prev": prev,
            "hash": digest,
        },
    )
    return digest


@pytest.fixture
def legacy_url(state_url: str) -> str:
    """A schema-0001 store with two decisions (one queued for review) and their entries."""
    upgrade(state_url, "0001_initial")
    engine = create_engine(state_url)
    with engine.begin() as conn:
        for subject, status in [("acct-1", "applied"), ("x.example", "pending_review")]:
            conn.execute(
                text(
                    "INSERT INTO actions (action, subject, operation_id, status, reason, "
                    "policy_version, created_at, updated_at) VALUES ('disable_account', :s, "
                    "'op-1', :st, 'legacy', 'v1', :ts, :ts)"
                ),
                {"s": subject, "st": status, "ts": TS},
            )
        conn.execute(
            text("INSERT INTO review_queue (action_id, state, queued_at) VALUES (2, 'open', :ts)"),
            {"ts": TS},
        )
        first = _legacy_entry(conn, 1, GENESIS_HASH, "apply:disable_account", "acct-1")
        head = _legacy_entry(conn, 2, first, "queue_review:disable_account", "x.example")
        conn.execute(text("UPDATE audit_head SET entries = 2, head_hash = :h"), {"h": head})
    engine.dispose()
    return state_url


def test_upgrade_adopts_existing_decisions(legacy_url: str) -> None:
    store = StateStore.open(legacy_url)
    try:
        assert "audit_head" not in inspect(store.engine).get_table_names()
        entries = read_audit(store)
        checkpoint = entries[-1]
        assert [e.records for e in entries[:2]] == [(), ()]
        assert (checkpoint.id, checkpoint.action, checkpoint.actor) == (
            3,
            "checkpoint",
            "mercwatch-migrate",
        )
        assert f"legacy head {entries[1].hash}:2" in checkpoint.reason
        assert [(r["table"], r["key"]) for r in checkpoint.records] == [
            ("actions", 1),
            ("actions", 2),
            ("review_queue", 1),
        ]
        assert verify_audit(store) == 3
        with store.engine.begin() as conn:
            conn.execute(text("UPDATE review_queue SET state = 'approved'"))
        with pytest.raises(AuditChainBroken, match="review_queue row 1 no longer matches") as c:
            verify_audit(store)
        assert c.value.entry_id == 3
    finally:
        store.dispose()


def test_downgrade_is_refused_once_entries_carry_images(legacy_url: str) -> None:
    StateStore.open(legacy_url).dispose()
    engine = create_engine(legacy_url)
    cfg = alembic_config()
    try:
        with engine.begin() as conn, pytest.raises(RuntimeError, match="carry row images"):
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0002")
    finally:
        engine.dispose()


def test_downgrade_of_an_unimaged_store_restores_the_head(state_url: str) -> None:
    StateStore.open(state_url).dispose()
    engine = create_engine(state_url)
    cfg = alembic_config()
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0002")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT entries, head_hash FROM audit_head")).all() == [
                (0, GENESIS_HASH)
            ]
            assert "audit_lock" not in inspect(conn).get_table_names()
    finally:
        engine.dispose()


def test_truncate_is_refused_even_for_the_owner(store: StateStore) -> None:
    if store.dialect != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    with pytest.raises(StateError, match="append-only"), store.transaction() as conn:
        conn.execute(text("TRUNCATE audit_log"))
