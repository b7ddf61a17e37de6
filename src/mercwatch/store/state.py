"""The operational state store: cases, actions, review queue, audit log, outbox.

Analytics tables are rebuilt on every run; this store is what must survive between
runs and crashes, so it lives in a transactional SQL database: SQLite by default
(one file, no server) and PostgreSQL in production (``postgresql+psycopg://``).
The tables are declared here with SQLAlchemy Core and created by the Alembic
migrations in :mod:`mercwatch.store.migrations`; ``StateStore.open`` runs them unless
the store is already current (in production a separate owner role migrates and the
runtime role cannot: ``mercwatch state migrate``, see ``store.roles``).

Concurrency discipline: every transaction that appends to the audit log first
takes the single ``audit_lock`` row (``lock_audit_chain``). On PostgreSQL that is a
row lock held to commit; on SQLite the first write takes the database write lock.
Either way two writers can never fork the hash chain (and the primary key on the
entry id would refuse a fork anyway).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from mercwatch.errors import StateError
from mercwatch.store.state_url import (
    create_state_engine,
)

Clock = Callable[[], datetime]
GENESIS_HASH = "0" * 64

metadata = MetaData()

operations = Table(
    "operations",
    metadata,
    Column("operation_id", String(200), primary_key=True),
    Column("confidence", Float, nullable=False),
    Column("phases", JSON, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("first_recorded_at", DateTime, nullable=False),
    Column("last_recorded_at", DateTime, nullable=False),
)

actions = Table(
    "actions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("action", String(40), nullable=False),
    Column("subject", String(2000), nullable=False),
    Column("operation_id", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("policy_version", String(100), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("action", "subject", "operation_id", name="uq_actions_action_subject_op"),
)

review_queue = Table(
    "review_queue",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("action_id", Integer, ForeignKey("actions.id"), nullable=False, unique=True),
    Column("state", String(20), nullable=False),
    Column("queued_at", DateTime, nullable=False),
    Column("decided_at", DateTime, nullable=True),
    Column("decided_by", String(200), nullable=True),
    Column("note", Text, nullable=True),
    Index("ix_review_queue_state", "state"),
)

audit_log = Table(
    "audit_log",
    metadata,
    # Ids are assigned by the writer (head count + 1), not by the database, so that the
    # id is part of the hashed entry and the chain has no gaps to hide a deletion in.
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("ts", DateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(60), nullable=False),
    Column("subject", String(2000), nullable=False),
    Column("operation_id", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("evidence", JSON, nullable=False),
    Column("policy_version", String(100), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    # Images of the decision rows this entry created or changed (``enforce.audit_records``),
    # so `audit verify` can prove the actions and review tables still say what was decided.
    Column("records", JSON(none_as_null=True), nullable=True),
)

# Serialises writers of the chain: each audit-writing transaction first updates this one
# row (a row lock on PostgreSQL, the write lock on SQLite). It holds no evidence, so the
# runtime role may UPDATE it while the audit tables themselves stay insert-only.
audit_lock = Table(
    "audit_lock",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("taken_at", DateTime, nullable=True),
)

# The audit tables: the runtime database role may only INSERT into and SELECT from these.
AUDIT_TABLES = ("audit_log",)

notification_outbox = Table(
    "notification_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("idempotency_key", String(64), nullable=False, unique=True),
    Column("account_id", String(200), nullable=False),
    # Contract v2 (migration 0002): one row per person and warning, not per operation.
    # ``ordinal`` 1 is the warning, 2 the one follow-up a further phase may warrant;
    # ``operation_id`` is the operation that reached furthest, ``operation_ids`` all.
    Column("ordinal", Integer, nullable=False, server_default="1"),
    Column("operation_id", String(200), nullable=False),
    Column("operation_ids", JSON, nullable=True),
    Column("level", String(20), nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("locale", String(20), nullable=False),
    Column("locale_fallback", JSON, nullable=True),
    Column("recipient", String(320), nullable=True),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime, nullable=False),
    Column("claim_token", String(64), nullable=True),
    Column("claimed_until", DateTime, nullable=True),
    # Set, committed, just before the message is handed to the channel: a row found
    # with it set and its lease run out may have been delivered (see notify/outbox.py).
    Column("send_started_at", DateTime, nullable=True),
    Column("channel", String(20), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("sent_at", DateTime, nullable=True),
    UniqueConstraint("account_id", "ordinal", name="uq_outbox_account_ordinal"),
    Index("ix_outbox_status_next", "status", "next_attempt_at"),
)

# Addresses and languages supplied after `run` (``outbox enqueue --recipients/--locales``):
# read at send time, so the queue follows a change made at any point before sending.
notification_contacts = Table(
    "notification_contacts",
    metadata,
    Column("account_id", String(200), primary_key=True),
    Column("recipient", String(320), nullable=True),
    Column("locale", String(35), nullable=True),
    Column("updated_at", DateTime, nullable=False),
)
# Migration 0004: one row per enforcement effect (apply / reverse) sent to the platform,
# see mercwatch.enforce.delivery.
enforcement_delivery = Table(
    "enforcement_delivery",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("idempotency_key", String(64), nullable=False, unique=True),
    Column("action_id", Integer, ForeignKey("actions.id"), nullable=False),
    Column("effect", String(10), nullable=False),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime, nullable=False),
    Column("claim_token", String(64), nullable=True),
    Column("claimed_until", DateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("sent_at", DateTime, nullable=True),
    UniqueConstraint("action_id", "effect", name="uq_enforcement_delivery_effect"),
    Index("ix_enforcement_delivery_status_next", "status", "next_attempt_at"),
)
# Also migration 0004: the REST API pages actions by status and by operation in SQL.
Index("ix_actions_status_id", actions.c.status, actions.c.id)
Index("ix_actions_operation_id", actions.c.operation_id, actions.c.id)


def utcnow() -> datetime:
    """The default clock: naive UTC, like every timestamp mercwatch stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_naive_utc(ts: datetime) -> datetime:
    """Stores keep naive UTC so SQLite and PostgreSQL round-trip the same value."""
    if ts.tzinfo is not None:
        ts = ts.astimezone(UTC).replace(tzinfo=None)
    return ts


def insert_ignore(dialect: str, table: Table, index_elements: Sequence[str]) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` for ``dialect``: duplicates are skipped, not errors.

    Raises:
        StateError: a dialect other than SQLite or PostgreSQL.
    """
    module = {"sqlite": sqlite, "postgresql": postgresql}.get(dialect)
    if module is None:
        raise StateError(f"state store dialect {dialect!r} is not supported")
    return module.insert(table).on_conflict_do_nothing(index_elements=list(index_elements))


class StateStore:
    """A handle on the state database; every write goes through :meth:`transaction`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> StateStore:
        """Connect to ``url`` and bring its schema to the newest migration.

        Raises:
            ConfigError: bad URL. StateError: the database cannot be migrated.
        """
        engine = create_state_engine(url)
        if migrate:
            from mercwatch.store.migrations import upgrade_if_behind

            upgrade_if_behind(engine)
        return cls(engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One database transaction; SQL errors come out as :class:`StateError`."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StateError(f"state store: {exc.__class__.__name__}: {exc}") from exc

    def record_operations(self, ops: Sequence[Any], now: datetime | None = None) -> int:
        """Upsert operations seen by a run (the case list); returns how many were new."""
        ts = to_naive_utc(now or utcnow())
        new = 0
        with self.transaction() as conn:
            for op in ops:
                payload = op.to_dict()
                values: Mapping[str, Any] = {
                    "confidence": float(op.confidence),
                    "phases": payload["phases"],
                    "payload": payload,
                    "last_recorded_at": ts,
                }
                found = conn.execute(
                    operations.update()
                    .where(operations.c.operation_id == op.operation_id)
                    .values(**values)
                ).rowcount
                if not found:
                    conn.execute(
                        operations.insert().values(
                            operation_id=op.operation_id, first_recorded_at=ts, **values
                        )
                    )
                    new += 1
        return new

    def dispose(self) -> None:
        """Close pooled connections (tests open many stores)."""
        self.engine.dispose()
