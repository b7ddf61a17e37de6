"""The append-only, hash-chained audit log of every enforcement decision.

Each entry's ``hash`` is SHA-256 over the canonical JSON of the entry (its id
included) followed by the previous entry's hash, so editing, deleting or reordering
any entry breaks every hash after it. The ``audit_head`` row holds the count and the
newest hash, so truncating the tail is caught too. Someone who can rewrite the whole
table *and* the head can forge a consistent history: publish ``audit show --head``
somewhere they cannot reach (a ticket, a log shipper) to anchor it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from mercwatch.errors import AuditChainBroken, StateError
from mercwatch.store.state import GENESIS_HASH, StateStore, audit_head, audit_log, to_naive_utc

_READ_CHUNK = 1000


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audit-log line.

    Attributes:
        id: position in the chain, 1-based and without gaps.
        ts: when it happened (naive UTC).
        actor: who did it: ``mercwatch-run``, an analyst's name.
        action: what was done: ``apply:disable_account``, ``review:approve``, ``reverse`` ...
        subject: the account, domain or URL acted on.
        operation_id: the operation the action belongs to.
        reason: why, in words.
        evidence: the evidence items behind the decision (SCHEMA.md evidence shape).
        policy_version: the policy in force.
        prev_hash: the previous entry's hash (64 zeros for the first).
        hash: this entry's hash.
    """

    id: int
    ts: datetime
    actor: str
    action: str
    subject: str
    operation_id: str
    reason: str
    evidence: tuple[dict[str, Any], ...]
    policy_version: str
    prev_hash: str
    hash: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "ts": _ts(self.ts),
            "actor": self.actor,
            "action": self.action,
            "subject": self.subject,
            "operation_id": self.operation_id,
            "reason": self.reason,
            "evidence": list(self.evidence),
            "policy_version": self.policy_version,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


def _ts(ts: datetime) -> str:
    return to_naive_utc(ts).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(fields: dict[str, Any], prev_hash: str) -> str:
    """SHA-256 of the canonical JSON of ``fields`` (sorted keys, no spaces) + ``prev_hash``."""
    canonical = json.dumps(
        fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return hashlib.sha256((canonical + prev_hash).encode("utf-8")).hexdigest()


def _hashed_fields(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "ts": _ts(row.ts),
        "actor": row.actor,
        "action": row.action,
        "subject": row.subject,
        "operation_id": row.operation_id,
        "reason": row.reason,
        "evidence": list(row.evidence),
        "policy_version": row.policy_version,
    }


def lock_audit_head(conn: Connection, now: datetime) -> tuple[int, str]:
    """Take the audit head for this transaction; returns (entries, newest hash).

    The UPDATE comes first on purpose: it makes this transaction the only writer of the
    chain until commit, on SQLite (database write lock) and PostgreSQL (row lock).
    """
    conn.execute(audit_head.update().where(audit_head.c.id == 1).values(updated_at=now))
    row = conn.execute(select(audit_head.c.entries, audit_head.c.head_hash)).one_or_none()
    if row is None:
        raise StateError("audit_head row is missing: the state store was not migrated")
    return int(row.entries), str(row.head_hash)


@dataclass(slots=True)
class AuditWriter:
    """Appends entries within one transaction that holds the audit head."""

    conn: Connection
    entries: int
    head_hash: str

    @classmethod
    def begin(cls, conn: Connection, now: datetime) -> AuditWriter:
        entries, head = lock_audit_head(conn, to_naive_utc(now))
        return cls(conn, entries, head)

    def append(
        self,
        *,
        ts: datetime,
        actor: str,
        action: str,
        subject: str,
        operation_id: str,
        reason: str,
        evidence: Sequence[dict[str, Any]],
        policy_version: str,
    ) -> int:
        """Write one entry chained to the previous one; returns its id."""
        row = {
            "id": self.entries + 1,
            "ts": to_naive_utc(ts),
            "actor": actor,
            "action": action,
            "subject": subject,
            "operation_id": operation_id,
            "reason": reason,
            "evidence": [dict(e) for e in evidence],
            "policy_version": policy_version,
        }
        digest = entry_hash(_hashed_fields(_Row(row)), self.head_hash)
        self.conn.execute(audit_log.insert().values(**row, prev_hash=self.head_hash, hash=digest))
        self.entries += 1
        self.head_hash = digest
        return self.entries

    def close(self) -> None:
        """Store the new head; call before the transaction commits."""
        self.conn.execute(
            audit_head.update()
            .where(audit_head.c.id == 1)
            .values(entries=self.entries, head_hash=self.head_hash)
        )


class _Row:
    """Attribute access over a dict, so hashing reads new and stored rows alike."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.__dict__.update(data)


def _rows(store: StateStore) -> Iterator[Any]:
    last = 0
    while True:
        with store.engine.connect() as conn:
            chunk = conn.execute(
                select(audit_log)
                .where(audit_log.c.id > last)
                .order_by(audit_log.c.id)
                .limit(_READ_CHUNK)
            ).all()
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].id


def verify_audit(store: StateStore) -> int:
    """Walk the whole chain and check every link; returns the number of entries.

    Raises:
        AuditChainBroken: the first entry that does not verify, with the reason.
    """
    expected_id, prev = 1, GENESIS_HASH
    for row in _rows(store):
        if row.id != expected_id:
            raise AuditChainBroken(expected_id, f"missing: next entry found is {row.id}")
        if row.prev_hash != prev:
            raise AuditChainBroken(row.id, "prev_hash does not match the previous entry")
        if entry_hash(_hashed_fields(row), prev) != row.hash:
            raise AuditChainBroken(row.id, "content does not match its hash (edited)")
        expected_id, prev = expected_id + 1, row.hash
    with store.engine.connect() as conn:
        head = conn.execute(select(audit_head.c.entries, audit_head.c.head_hash)).one()
    if head.entries != expected_id - 1 or head.head_hash != prev:
        raise AuditChainBroken(
            expected_id,
            f"log ends after {expected_id - 1} entries but its head records "
            f"{head.entries}: entries were removed from the end",
        )
    return expected_id - 1


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        ts=row.ts,
        actor=row.actor,
        action=row.action,
        subject=row.subject,
        operation_id=row.operation_id,
        reason=row.reason,
        evidence=tuple(row.evidence),
        policy_version=row.policy_version,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def read_audit(
    store: StateStore,
    *,
    operation_id: str | None = None,
    subject: str | None = None,
    limit: int | None = None,
) -> list[AuditEntry]:
    """Entries in chain order, optionally for one operation or subject; newest ``limit``."""
    query = select(audit_log)
    if operation_id is not None:
        query = query.where(audit_log.c.operation_id == operation_id)
    if subject is not None:
        query = query.where(audit_log.c.subject == subject)
    query = query.order_by(audit_log.c.id.desc())
    if limit is not None:
        query = query.limit(limit)
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [_entry(r) for r in reversed(rows)]


def audit_head_hash(store: StateStore) -> tuple[int, str]:
    """(entries, newest hash): the value to publish elsewhere to anchor the log."""
    with store.engine.connect() as conn:
        head = conn.execute(select(audit_head.c.entries, audit_head.c.head_hash)).one()
    return int(head.entries), str(head.head_hash)
