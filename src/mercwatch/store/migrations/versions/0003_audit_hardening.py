"""Audit hardening: insert-only audit log, decision rows vouched for by the chain.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03

Before: writers updated a mutable ``audit_head`` row, so the role that runs mercwatch
had to be able to UPDATE an audit table, and anyone who could also rewrite that row
could cut the log's tail unseen; the ``actions`` table was outside ``audit verify``.

After:
* ``audit_head`` is gone: the head is the newest entry. Writers serialise on
  ``audit_lock``, a row that holds no evidence, so the runtime role needs only INSERT
  and SELECT on ``audit_log`` (``mercwatch state grant``).
* ``audit_log.records`` holds the images of the decision rows each entry wrote. For a
  store that already has decisions, this migration appends checkpoint entries with the
  images of every existing ``actions`` and ``review_queue`` row (and the legacy head in
  their reason), so ``audit verify`` covers them from now on.
* On PostgreSQL a statement trigger refuses TRUNCATE (row triggers never see it).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_CHECKPOINT_ROWS = 500
_PG_NO_TRUNCATE = """CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
   FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"""


def _legacy_head(conn: sa.Connection) -> str:
    head = sa.table("audit_head", sa.column("entries"), sa.column("head_hash"))
    row = conn.execute(sa.select(head.c.entries, head.c.head_hash)).one_or_none()
    return "none" if row is None else f"{row.head_hash}:{row.entries}"


def _checkpoint(conn: sa.Connection, legacy_head: str) -> None:
    """Append entries imaging every existing decision row, so verify covers them."""
    from mercwatch.enforce.audit import AuditWriter
    from mercwatch.enforce.audit_rows import DECISION_TABLES, row_image

    now = datetime.now(UTC).replace(tzinfo=None)
    images: list[dict[str, Any]] = []
    for declared in DECISION_TABLES:
        table = sa.Table(declared.name, sa.MetaData(), autoload_with=conn)
        rows = conn.execute(sa.select(table).order_by(table.c.id))
        images.extend(row_image(table, row) for row in rows)
    if not images:
        return
    writer = AuditWriter.begin(conn, now)
    for start in range(0, len(images), _CHECKPOINT_ROWS):
        writer.append(
            ts=now,
            actor="mercwatch-migrate",
            action="checkpoint",
            subject="",
            operation_id="",
            reason=f"schema 0003 adopts the decision rows as they stand; legacy head {legacy_head}",
            evidence=[],
            policy_version="",
            records=images[start : start + _CHECKPOINT_ROWS],
        )


def upgrade() -> None:
    conn = op.get_bind()
    op.add_column("audit_log", sa.Column("records", sa.JSON, nullable=True))
    lock = op.create_table(
        "audit_lock",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("taken_at", sa.DateTime, nullable=True),
    )
    op.bulk_insert(lock, [{"id": 1, "taken_at": None}])
    legacy_head = _legacy_head(conn)
    op.drop_table("audit_head")
    if conn.dialect.name == "postgresql":
        op.execute(_PG_NO_TRUNCATE)
    _checkpoint(conn, legacy_head)


def downgrade() -> None:
    """Back to a mutable head. Refused once entries carry row images: schema 0001 code
    would not hash them, so the chain would stop verifying."""
    conn = op.get_bind()
    log = sa.table("audit_log", sa.column("id"), sa.column("hash"), sa.column("records"))
    imaged = conn.execute(
        sa.select(sa.func.count()).select_from(log).where(log.c.records.is_not(None))
    ).scalar_one()
    if imaged:
        raise RuntimeError(f"{imaged} audit entries carry row images; schema 0001 cannot verify")
    last = conn.execute(sa.select(log.c.id, log.c.hash).order_by(log.c.id.desc()).limit(1)).first()
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("entries", sa.Integer, nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=True),
    )
    entries, digest = (0, "0" * 64) if last is None else (int(last.id), str(last.hash))
    op.bulk_insert(head, [{"id": 1, "entries": entries, "head_hash": digest}])
    if conn.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
    op.drop_table("audit_lock")
    op.drop_column("audit_log", "records")
