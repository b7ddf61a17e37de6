"""Enforcement delivery: one row per effect (apply / reverse) sent to the platform.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03

Each decided action becomes at most two deliveries: ``apply`` (disable, checkpoint,
block) and, after an appeal, ``reverse``. The idempotency key is unique, so a rerun
never queues an effect twice; claim columns make delivery safe across crashes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "enforcement_delivery",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("idempotency_key", sa.String(64), nullable=False),
        sa.Column("action_id", sa.Integer, sa.ForeignKey("actions.id"), nullable=False),
        sa.Column("effect", sa.String(10), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime, nullable=False),
        sa.Column("claim_token", sa.String(64), nullable=True),
        sa.Column("claimed_until", sa.DateTime, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("sent_at", sa.DateTime, nullable=True),
        sa.UniqueConstraint("idempotency_key"),
        sa.UniqueConstraint("action_id", "effect", name="uq_enforcement_delivery_effect"),
    )
    op.create_index(
        "ix_enforcement_delivery_status_next",
        "enforcement_delivery",
        ["status", "next_attempt_at"],
    )
    # The REST API pages actions by status and by operation (LIMIT/OFFSET in SQL).
    op.create_index("ix_actions_status_id", "actions", ["status", "id"])
    op.create_index("ix_actions_operation_id", "actions", ["operation_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_actions_operation_id", table_name="actions")
    op.drop_index("ix_actions_status_id", table_name="actions")
    op.drop_index("ix_enforcement_delivery_status_next", table_name="enforcement_delivery")
    op.drop_table("enforcement_delivery")
