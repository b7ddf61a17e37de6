"""Notification contract v2: one warning per person, per-message send record, contacts.

Revision ID: 0002
Revises: 0001_initial
Create Date: 2026-12-03

v1 queued one row per (person, operation): a person targeted by three operations got
three e-mails (issue 13). v2 keys the outbox on (person, ordinal): ordinal 1 is the
warning, 2 the single follow-up a further phase may warrant. Existing rows keep their
delivery state; a person with several v1 rows gets ordinals 1, 2, 3 in queue order, so
nothing already sent is forgotten and nothing already queued is lost.

``send_started_at`` records, per message, that it was about to be handed to the
channel (see ``mercwatch.notify.outbox``). ``notification_contacts`` holds addresses
and locales supplied after ``run``; the deliverer reads them at send time.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

_OUTBOX = "notification_outbox"


def _number_existing_rows() -> None:
    """Ordinal per person in queue order, and v1 rows' single operation as their list."""
    conn = op.get_bind()
    table = sa.table(
        _OUTBOX,
        sa.column("id", sa.Integer),
        sa.column("account_id", sa.String),
        sa.column("operation_id", sa.String),
        sa.column("ordinal", sa.Integer),
        sa.column("operation_ids", sa.JSON),
    )
    rows = conn.execute(
        sa.select(table.c.id, table.c.account_id, table.c.operation_id).order_by(table.c.id)
    ).all()
    seen: dict[str, int] = {}
    for row in rows:
        seen[row.account_id] = seen.get(row.account_id, 0) + 1
        conn.execute(
            table.update()
            .where(table.c.id == row.id)
            .values(ordinal=seen[row.account_id], operation_ids=[row.operation_id])
        )


def upgrade() -> None:
    with op.batch_alter_table(_OUTBOX) as batch:
        batch.add_column(sa.Column("ordinal", sa.Integer, nullable=False, server_default="1"))
        batch.add_column(sa.Column("operation_ids", sa.JSON, nullable=True))
        batch.add_column(sa.Column("locale_fallback", sa.JSON, nullable=True))
        batch.add_column(sa.Column("send_started_at", sa.DateTime, nullable=True))
        batch.add_column(sa.Column("channel", sa.String(20), nullable=True))
        batch.drop_constraint("uq_outbox_account_op", type_="unique")
    _number_existing_rows()
    with op.batch_alter_table(_OUTBOX) as batch:
        batch.create_unique_constraint("uq_outbox_account_ordinal", ["account_id", "ordinal"])
    op.create_table(
        "notification_contacts",
        sa.Column("account_id", sa.String(200), primary_key=True),
        sa.Column("recipient", sa.String(320), nullable=True),
        sa.Column("locale", sa.String(35), nullable=True),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    """Back to v1. Follow-up rows (ordinal > 1) of one operation would collide, so the
    downgrade refuses rather than drop delivery history silently."""
    conn = op.get_bind()
    clash = conn.execute(
        sa.text(
            "SELECT COUNT(*) FROM (SELECT account_id, operation_id FROM notification_outbox "
            "GROUP BY account_id, operation_id HAVING COUNT(*) > 1) AS dup"
        )
    ).scalar_one()
    if clash:
        raise RuntimeError(
            f"{clash} people have several warnings about one operation; "
            "contract v1 cannot hold them"
        )
    op.drop_table("notification_contacts")
    with op.batch_alter_table(_OUTBOX) as batch:
        batch.drop_constraint("uq_outbox_account_ordinal", type_="unique")
        batch.drop_column("channel")
        batch.drop_column("send_started_at")
        batch.drop_column("locale_fallback")
        batch.drop_column("operation_ids")
        batch.drop_column("ordinal")
        batch.create_unique_constraint("uq_outbox_account_op", ["account_id", "operation_id"])
