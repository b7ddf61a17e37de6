"""Two PostgreSQL roles on a real server: the runtime role cannot rewrite the audit log.

Before, mercwatch migrated and ran as one role that owned ``audit_log``: it could
disable the trigger, delete the tail and fix the head, and ``audit verify`` passed.
Now an owner role migrates and grants; the runtime role is refused every statement
that would rewrite history, while mercwatch itself still works as that role.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from mercwatch.cli import app
from mercwatch.enforce import Enforcer, load_policy, verify_audit
from mercwatch.errors import StateError
from mercwatch.model.records import Action, ActionKind, ActionStatus
from mercwatch.pipeline import RunConfig, run_pipeline
from mercwatch.sim import SimConfig, simulate
from mercwatch.store.migrations import upgrade
from mercwatch.store.state import StateStore

pytestmark = pytest.mark.postgres
POSTGRES_ENV = "MERCWATCH_TEST_POSTGRES_URL"
runner = CliRunner()


@dataclass(frozen=True)
class Roles:
    owner_url: str
    app_url: str
    app_role: str
    owner_role: str


@pytest.fixture
def roles() -> Iterator[Roles]:
    """A fresh database owned by a fresh owner role, and a fresh runtime role."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    tag = uuid.uuid4().hex[:10]
    owner, runtime, database = f"mw_owner_{tag}", f"mw_app_{tag}", f"mw_roles_{tag}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{owner}" LOGIN'))
        conn.execute(text(f'CREATE ROLE "{runtime}" LOGIN'))
        conn.execute(text(f'CREATE DATABASE "{database}" OWNER "{owner}"'))
    url = make_url(base).set(database=database)
    try:
        yield Roles(
            url.set(username=owner).render_as_string(hide_password=False),
            url.set(username=runtime).render_as_string(hide_password=False),
            runtime,
            owner,
        )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{runtime}"'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{owner}"'))
        admin.dispose()


def _cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


@pytest.fixture
def deployed(roles: Roles) -> Iterator[StateStore]:
    """Migrated by the owner, then used by the runtime role to decide and review."""
    code, output = _cli(
        "state", "migrate", "--owner-url", roles.owner_url, "--app-role", roles.app_role
    )
    assert code == 0, output
    assert f"GRANT SELECT, INSERT ON public.audit_log TO {roles.app_role}" in output
    store = StateStore.open(roles.app_url)
    enforcer = Enforcer(store, load_policy())
    enforcer.apply(
        [
            Action(ActionKind.DISABLE_ACCOUNT, "acct-1", "op-1", ActionStatus.APPLIED, "sure"),
            Action(ActionKind.BLOCK_DOMAIN, "x.example", "op-1", ActionStatus.PENDING_REVIEW, "?"),
        ],
        {},
    )
    enforcer.approve(2, "ana")
    enforcer.reverse(1, "appeals", "proved identity")
    assert verify_audit(store) == 4
    try:
        yield store
    finally:
        store.dispose()


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM audit_log WHERE id = 4",
        "UPDATE audit_log SET reason = 'nothing to see'",
        "TRUNCATE audit_log",
        "ALTER TABLE audit_log DISABLE TRIGGER USER",
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
        "DROP TRIGGER audit_log_append_only ON audit_log",
        "DROP TABLE audit_log CASCADE",
        "DELETE FROM actions WHERE id = 1",
        "DELETE FROM review_queue",
        "UPDATE schema_version SET version_num = '0001_initial'",
        "CREATE TABLE audit_log_copy (id integer)",
    ],
)
def test_the_runtime_role_cannot_rewrite_history(deployed: StateStore, statement: str) -> None:
    refused = pytest.raises(DBAPIError, match="permission denied|must be owner")
    with refused, deployed.engine.begin() as conn:
        conn.execute(text(statement))
    assert verify_audit(deployed) == 4


def test_an_edit_the_runtime_role_may_make_is_still_caught(deployed: StateStore) -> None:
    """UPDATE on actions is needed for reviews; done behind mercwatch's back, verify fails."""
    with deployed.engine.begin() as conn:
        conn.execute(text("UPDATE actions SET status = 'applied' WHERE id = 1"))
    code, output = _cli(
        "audit", "verify", "--state", str(deployed.engine.url.render_as_string(False))
    )
    assert code == 1
    assert "actions row 1 no longer matches" in output


def test_state_check_tells_the_runtime_role_from_the_owner(
    roles: Roles, deployed: StateStore
) -> None:
    code, output = _cli("state", "check", "--state", roles.app_url)
    assert (code, output.strip()) == (0, "audit tables: this role can only insert and read them")
    code, output = _cli("state", "check", "--state", roles.owner_url)
    assert code == 1
    assert "owns audit_log" in output


def test_grant_refuses_a_role_that_could_still_tamper(roles: Roles) -> None:
    assert _cli("state", "migrate", "--owner-url", roles.owner_url)[0] == 0
    for role, why in [
        (roles.owner_role, "owner of audit_log"),
        ("postgres", "superuser"),
        ("mw_no_such_role", "does not exist"),
    ]:
        code, output = _cli("state", "grant", "--owner-url", roles.owner_url, "--app-role", role)
        assert code == 2, output
        assert why in output


def test_a_store_behind_the_code_tells_the_runtime_role_who_must_migrate(roles: Roles) -> None:
    upgrade(roles.owner_url, "0001_initial")
    assert (
        _cli("state", "grant", "--owner-url", roles.owner_url, "--app-role", roles.app_role)[0] == 0
    )
    with pytest.raises(StateError, match="state migrate --owner-url"):
        StateStore.open(roles.app_url)


@pytest.mark.slow
def test_a_whole_run_works_as_the_runtime_role(roles: Roles, tmp_path: Path) -> None:
    """Every table `run` writes (cases, actions, audit, outbox) works with the grants."""
    assert (
        _cli("state", "migrate", "--owner-url", roles.owner_url, "--app-role", roles.app_role)[0]
        == 0
    )
    export, out = tmp_path / "export", tmp_path / "out"
    simulate(SimConfig(users=800, seed=1), export)
    run_pipeline(RunConfig(export=export, out=out, state_url=roles.app_url))
    decided = (out / "enforcement.jsonl").read_text().splitlines()
    assert decided
    code, output = _cli("audit", "verify", "--state", roles.app_url)
    assert code == 0, output
    assert f"verified: {len(decided)} entries" in output
    assert _cli("state", "check", "--state", roles.app_url)[0] == 0
