"""The state store: migrations, schema, append-only audit table, settings."""

from __future__ import annotations

from datetime import datetime
from importlib.resources import files
from pathlib import Path

import pytest
import setuptools
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text

from mercwatch.errors import ConfigError, StateError
from mercwatch.model.records import Infrastructure, Operation, Phase
from mercwatch.store.migrations import VERSION_TABLE, current_revision, head_revision, upgrade
from mercwatch.store.state import (
    StateStore,
    audit_lock,
    audit_log,
    insert_ignore,
    metadata,
    operations,
)
from mercwatch.store.state_url import resolve_state_url

REPO = Path(__file__).resolve().parents[2]
TABLES = {
    "operations",
    "actions",
    "review_queue",
    "audit_log",
    "audit_lock",
    "notification_outbox",
    "notification_contacts",
    "enforcement_delivery",
    VERSION_TABLE,
}


def _op(op_id: str, confidence: float) -> Operation:
    return Operation(
        op_id,
        confidence,
        (Phase.RECONNAISSANCE,),
        ("a1",),
        ("t1",),
        Infrastructure(),
        datetime(2021, 5, 1),
        datetime(2021, 6, 1),
    )


def test_open_migrates_to_head(store: StateStore) -> None:
    assert set(inspect(store.engine).get_table_names()) >= TABLES
    assert "audit_head" not in inspect(store.engine).get_table_names()
    assert current_revision(store.engine) == head_revision()
    with store.engine.connect() as conn:
        assert conn.execute(select(audit_lock)).all() == [(1, None)]
        assert conn.execute(select(audit_log)).all() == []


def test_upgrade_again_changes_nothing(store: StateStore, state_url: str) -> None:
    assert upgrade(state_url) == head_revision()
    with store.engine.connect() as conn:
        assert conn.execute(select(audit_lock)).all() == [(1, None)]


def test_declared_tables_match_the_migrations(store: StateStore) -> None:
    def ours(obj, name, type_, reflected, compare_to):  # noqa: ANN001
        return not (type_ == "table" and name == VERSION_TABLE)

    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_object": ours})
        assert compare_metadata(ctx, metadata) == []


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_log SET reason = 'x'", "DELETE FROM audit_log"]
)
def test_audit_log_refuses_update_and_delete(store: StateStore, statement: str) -> None:
    with store.transaction() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_log (id, ts, actor, action, subject, operation_id, reason, "
                "evidence, policy_version, prev_hash, hash) VALUES (1, '2021-01-01 00:00:00', 'a', "
                "'b', 'c', 'd', 'e', '[]', 'v', 'p', 'h')"
            )
        )
    with pytest.raises(StateError, match="append-only"), store.transaction() as conn:
        conn.execute(text(statement))


def test_record_operations_inserts_then_updates(store: StateStore) -> None:
    assert store.record_operations([_op("op1", 0.5), _op("op2", 0.6)], datetime(2021, 7, 1)) == 2
    assert store.record_operations([_op("op1", 0.9)], datetime(2021, 7, 2)) == 0
    with store.engine.connect() as conn:
        row = conn.execute(select(operations).where(operations.c.operation_id == "op1")).one()
    assert row.confidence == 0.9
    assert row.first_recorded_at == datetime(2021, 7, 1)
    assert row.last_recorded_at == datetime(2021, 7, 2)
    assert row.payload["operation_id"] == "op1"


def test_resolve_state_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MERCWATCH_STATE_URL", raising=False)
    assert resolve_state_url(None, tmp_path) == f"sqlite:///{tmp_path / 'state.db'}"
    assert resolve_state_url("postgresql+psycopg://h/db") == "postgresql+psycopg://h/db"
    with pytest.raises(ConfigError, match="MERCWATCH_STATE_URL"):
        resolve_state_url(None)
    monkeypatch.setenv("MERCWATCH_STATE_URL", "sqlite:///from-env.db")
    assert resolve_state_url(None, tmp_path) == "sqlite:///from-env.db"


def test_bad_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="state store URL"):
        StateStore.open("nosuchdialect://x/y")


def test_insert_ignore_refuses_other_dialects() -> None:
    with pytest.raises(StateError, match="mysql"):
        insert_ignore("mysql", operations, ["operation_id"])


def test_migrations_ship_inside_the_package() -> None:
    """upgrade() must work from an installed wheel: scripts are package files."""
    root = files("mercwatch.store.migrations")
    assert root.joinpath("env.py").is_file()
    assert root.joinpath("versions").joinpath("0001_initial.py").is_file()
    packages = setuptools.find_packages(str(REPO / "src"))
    assert {"mercwatch.store.migrations", "mercwatch.store.migrations.versions"} <= set(packages)


def test_a_store_from_a_newer_mercwatch_is_refused_by_name(
    store: StateStore, state_url: str
) -> None:
    with store.transaction() as conn:
        conn.execute(text(f"UPDATE {VERSION_TABLE} SET version_num = '0999_future'"))
    with pytest.raises(StateError, match="schema 0999_future.*newer mercwatch"):
        StateStore.open(state_url)


def test_state_verbs_on_sqlite_say_it_has_no_roles(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from mercwatch.cli import app

    url = f"sqlite:///{tmp_path / 'state.db'}"
    runner = CliRunner()
    migrated = runner.invoke(app, ["state", "migrate", "--owner-url", url])
    assert (migrated.exit_code, migrated.output.strip()) == (
        0,
        f"state store at schema {head_revision()}",
    )
    checked = runner.invoke(app, ["state", "check", "--state", url])
    assert checked.exit_code == 1
    assert "sqlite has no database roles" in checked.output
    granted = runner.invoke(app, ["state", "grant", "--owner-url", url, "--app-role", "app"])
    assert granted.exit_code == 2
    assert "only on PostgreSQL" in granted.output
