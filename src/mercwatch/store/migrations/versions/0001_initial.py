"""Initial state store: operations, actions, review queue, audit log, outbox.

Revision ID: 0001_initial
Revises:
Create Date: 2025-01-01

The audit log is append-only twice over: the hash chain makes any edit detectable
(``mercwatch audit verify``), and database triggers refuse UPDATE and DELETE so an
honest mistake cannot edit it in the first place.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64

_SQLITE_TRIGGERS = [
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
]

_PG_TRIGGERS = [
    """CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$""",
    """CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
       FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
]


def _create_cases() -> None:
    op.create_table(
        "operations",
        sa.Column("operation_id", sa.String(200), primary_key=True),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("phases", sa.JSON, nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("first_recorded_at", sa.DateTime, nullable=False),
        sa.Column("last_recorded_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "actions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(2000), nullable=False),
        sa.Column("operation_id", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("policy_version", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint(
            "action", "subject", "operation_id", name="uq_actions_action_subject_op"
        ),
    )
    op.create_table(
        "review_queue",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("action_id", sa.Integer, sa.ForeignKey("actions.id"), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("queued_at", sa.DateTime, nullable=False),
        sa.Column("decided_at", sa.DateTime, nullable=True),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.UniqueConstraint("action_id"),
    )
    op.create_index("ix_review_queue_state", "review_queue", ["state"])


def _create_audit() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("ts", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("subject", sa.String(2000), nullable=False),
        sa.Column("operation_id", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.Column("policy_version", sa.String(100), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("entries", sa.Integer, nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=True),
    )
    op.bulk_insert(head, [{"id": 1, "entries": 0, "head_hash": GENESIS_HASH}])
    statements = _PG_TRIGGERS if op.get_bind().dialect.name == "postgresql" else _SQLITE_TRIGGERS
    for statement in statements:
        op.execute(statement)


def _create_outbox() -> None:
    op.create_table(
        "notification_outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("idempotency_key", sa.String(64), nullable=False),
        sa.Column("account_id", sa.String(200), nullable=False),
        sa.Column("operation_id", sa.String(200), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("locale", sa.String(20), nullable=False),
        sa.Column("recipient", sa.String(320), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime, nullable=False),
        sa.Column("claim_token", sa.String(64), nullable=True),
        sa.Column("claimed_until", sa.DateTime, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("sent_at", sa.DateTime, nullable=True),
        sa.UniqueConstraint("idempotency_key"),
        sa.UniqueConstraint("account_id", "operation_id", name="uq_outbox_account_op"),
    )
    op.create_index("ix_outbox_status_next", "notification_outbox", ["status", "next_attempt_at"])


def upgrade() -> None:
    _create_cases()
    _create_audit()
    _create_outbox()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    for table in (
        "notification_outbox",
        "audit_head",
        "audit_log",
        "review_queue",
        "actions",
        "operations",
    ):
        op.drop_table(table)
