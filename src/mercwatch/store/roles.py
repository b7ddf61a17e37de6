"""Two PostgreSQL roles: an owner that migrates, and a runtime role that cannot rewrite history.

The owner of a table can do anything to it: disable its triggers, delete from it,
truncate it. When mercwatch ran as the owner of ``audit_log``, anyone holding its
database password could cut the log and nothing inside the database would object. So
production uses two roles (docs/security/audit.md): the owner runs the migrations
(``mercwatch state migrate --owner-url``) and grants the runtime role exactly what it
needs (:data:`RUNTIME_GRANTS`): INSERT and SELECT on the audit log, no UPDATE, DELETE,
TRUNCATE, and no ownership, so it cannot ALTER or disable a trigger either.

SQLite has no roles: whoever can write the file can rewrite it. There the controls are
the chain, the decision-row images and a head anchored outside (``audit head``).
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, inspect, text

from mercwatch.errors import ConfigError
from mercwatch.store.state import AUDIT_TABLES

# Privileges of the runtime role per table; any table not named gets DEFAULT_GRANT.
# Decision tables may be updated (reviews, reversals) but never deleted from; every
# change is vouched for by an audit entry (enforce.audit_rows).
RUNTIME_GRANTS: dict[str, tuple[str, ...]] = {
    "audit_log": ("SELECT", "INSERT"),
    "audit_lock": ("SELECT", "UPDATE"),
    "schema_version": ("SELECT",),
    "actions": ("SELECT", "INSERT", "UPDATE"),
    "review_queue": ("SELECT", "INSERT", "UPDATE"),
}
DEFAULT_GRANT = ("SELECT", "INSERT", "UPDATE", "DELETE")
_TAMPERING = ("UPDATE", "DELETE", "TRUNCATE", "TRIGGER", "REFERENCES")


def _require_postgres(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        raise ConfigError(
            f"database roles exist only on PostgreSQL, not {engine.dialect.name}: "
            "a SQLite store is protected by its file permissions and by anchoring `audit head`"
        )


def _check_app_role(conn: Connection, role: str) -> None:
    """Refuse a runtime role that would still be able to rewrite the audit log."""
    found = conn.execute(
        text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = :r"), {"r": role}
    ).one_or_none()
    if found is None:
        raise ConfigError(f"role {role!r} does not exist: CREATE ROLE {role} LOGIN PASSWORD ...")
    if found.rolsuper:
        raise ConfigError(f"role {role!r} is a superuser: it could rewrite the audit log")
    for table in AUDIT_TABLES:
        owner = _table_owner(conn, table)
        if owner is None:
            raise ConfigError(f"table {table} is missing: run `mercwatch state migrate` first")
        member = conn.execute(
            text("SELECT pg_has_role(:r, :o, 'MEMBER')"), {"r": role, "o": owner}
        ).scalar_one()
        if member:
            raise ConfigError(
                f"role {role!r} is (or is a member of) {owner!r}, the owner of {table}: "
                "the runtime role must be a separate role"
            )


def grant_runtime_role(engine: Engine, role: str) -> list[str]:
    """Give ``role`` exactly :data:`RUNTIME_GRANTS` on every table; run as the owner.

    Idempotent: each table's privileges are revoked and granted again, so a rerun after
    a migration also removes anything granted by hand since.

    Returns:
        The GRANT statements executed, for the operator to read.

    Raises:
        ConfigError: not PostgreSQL, the role is missing, a superuser or the owner.
    """
    _require_postgres(engine)
    quote = engine.dialect.identifier_preparer.quote
    done: list[str] = []
    with engine.begin() as conn:
        _check_app_role(conn, role)
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
        statements = [f"GRANT USAGE ON SCHEMA {quote(schema)} TO {quote(role)}"]
        for table in sorted(inspect(conn).get_table_names(schema=schema)):
            privileges = ", ".join(RUNTIME_GRANTS.get(table, DEFAULT_GRANT))
            target = f"{quote(schema)}.{quote(table)}"
            conn.execute(text(f"REVOKE ALL ON {target} FROM {quote(role)}"))
            statements.append(f"GRANT {privileges} ON {target} TO {quote(role)}")
        statements.append(
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {quote(schema)} TO {quote(role)}"
        )
        for statement in statements:
            conn.execute(text(statement))
            done.append(statement)
    return done


def audit_exposure(engine: Engine) -> list[str]:
    """What the connected role could do to rewrite the audit log; empty when nothing.

    Run with the runtime URL (``mercwatch state check``) to prove a deployment is set up
    as docs/security/audit.md describes.
    """
    if engine.dialect.name != "postgresql":
        return [
            f"{engine.dialect.name} has no database roles: whoever can write the file can "
            "rewrite the audit log (anchor `mercwatch audit head` outside it)"
        ]
    problems: list[str] = []
    with engine.connect() as conn:
        me = conn.execute(text("SELECT current_user")).scalar_one()
        if conn.execute(
            text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        ).scalar():
            problems.append(f"role {me!r} is a superuser")
        for table in AUDIT_TABLES:
            owner = _table_owner(conn, table)
            if (
                owner is not None
                and conn.execute(
                    text("SELECT pg_has_role(current_user, :o, 'MEMBER')"), {"o": owner}
                ).scalar_one()
            ):
                problems.append(f"role {me!r} owns {table} (it can disable its triggers)")
            for privilege in _TAMPERING:
                allowed = conn.execute(
                    text("SELECT has_table_privilege(current_user, :t, :p)"),
                    {"t": table, "p": privilege},
                ).scalar_one()
                if allowed:
                    problems.append(f"role {me!r} has {privilege} on {table}")
    return problems


def _table_owner(conn: Connection, table: str) -> str | None:
    """The owner of ``table`` in the current schema, or None when it does not exist."""
    owner = conn.execute(
        text(
            "SELECT tableowner FROM pg_tables "
            "WHERE schemaname = current_schema() AND tablename = :t"
        ),
        {"t": table},
    ).scalar_one_or_none()
    return None if owner is None else str(owner)
