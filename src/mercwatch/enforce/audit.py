"""The append-only, hash-chained audit log of every enforcement decision.

Each entry's ``hash`` is SHA-256 over the canonical JSON of the entry (its id and the
images of the decision rows it wrote included) followed by the previous entry's hash,
so editing, deleting or reordering any entry breaks every hash after it. The head of
the chain is its newest entry (sequence number = id, ids have no gaps).

What stops whom (docs/security/audit.md): the runtime database role can only INSERT
and SELECT the log, so the application cannot rewrite history at all; ``verify`` checks
every decision row (``audit_rows``) against the chain, so cutting the tail or wiping the
log while the decisions remain is caught; and someone who owns the database and rewrites
it consistently is caught only by an anchor kept outside it: ``audit head`` prints the
head, ``audit verify --expect-head HASH:SEQ`` proves the log still contains it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from mercwatch.enforce.audit_rows import READ_CHUNK, RecordedRows, canonical_json, canonical_ts
from mercwatch.errors import AuditChainBroken, ConfigError, StateError
from mercwatch.store.state import GENESIS_HASH, StateStore, audit_lock, audit_log, to_naive_utc


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
        records: images of the decision rows the entry wrote (``audit_rows.row_image``);
            empty for entries written before schema 0003.
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
    records: tuple[dict[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "ts": canonical_ts(self.ts),
            "actor": self.actor,
            "action": self.action,
            "subject": self.subject,
            "operation_id": self.operation_id,
            "reason": self.reason,
            "evidence": list(self.evidence),
            "policy_version": self.policy_version,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
            "records": list(self.records),
        }


def entry_hash(fields: dict[str, Any], prev_hash: str) -> str:
    """SHA-256 of the canonical JSON of ``fields`` (sorted keys, no spaces) + ``prev_hash``."""
    return hashlib.sha256((canonical_json(fields) + prev_hash).encode("utf-8")).hexdigest()


def _hashed_fields(row: Any) -> dict[str, Any]:
    """The hashed content of an entry; ``records`` only when present, so entries written
    before schema 0003 keep their hashes (and removing records from a newer one breaks it)."""
    fields = {
        "id": row.id,
        "ts": canonical_ts(row.ts),
        "actor": row.actor,
        "action": row.action,
        "subject": row.subject,
        "operation_id": row.operation_id,
        "reason": row.reason,
        "evidence": list(row.evidence),
        "policy_version": row.policy_version,
    }
    if row.records is not None:
        fields["records"] = list(row.records)
    return fields


@dataclass(frozen=True, slots=True)
class AuditHead:
    """The newest entry of the chain: what to keep outside the database as an anchor.

    Attributes:
        sequence: the newest entry's id, which is also the number of entries.
        hash: the newest entry's hash (64 zeros for an empty log).
    """

    sequence: int
    hash: str

    def __str__(self) -> str:
        return f"{self.hash}:{self.sequence}"

    def to_dict(self) -> dict[str, Any]:
        return {"sequence": self.sequence, "hash": self.hash}


@dataclass(frozen=True, slots=True)
class Anchor:
    """A head recorded earlier (``HASH`` or ``HASH:SEQ``) that the log must still contain."""

    hash: str
    sequence: int | None = None

    @classmethod
    def parse(cls, text: str) -> Anchor:
        """Read ``HASH[:SEQ]`` as printed by ``audit head``.

        Raises:
            ConfigError: not 64 hex digits, or a sequence that is not a whole number >= 0.
        """
        digest, _, seq = text.strip().partition(":")
        digest = digest.lower()
        if len(digest) != 64 or any(ch not in "0123456789abcdef" for ch in digest):
            raise ConfigError(f"--expect-head {text!r}: expected HASH[:SEQ], HASH 64 hex digits")
        if seq and not (seq.isascii() and seq.isdigit()):
            raise ConfigError(f"--expect-head {text!r}: SEQ must be a whole number")
        return cls(digest, int(seq) if seq else None)

    def __str__(self) -> str:
        return self.hash if self.sequence is None else f"{self.hash}:{self.sequence}"


def _head(conn: Connection) -> AuditHead:
    row = conn.execute(
        select(audit_log.c.id, audit_log.c.hash).order_by(audit_log.c.id.desc()).limit(1)
    ).one_or_none()
    return AuditHead(0, GENESIS_HASH) if row is None else AuditHead(int(row.id), str(row.hash))


def lock_audit_chain(conn: Connection, now: datetime) -> AuditHead:
    """Take the chain for this transaction and return its head.

    The UPDATE of ``audit_lock`` comes first on purpose: it makes this transaction the
    only writer of the chain until commit, on SQLite (database write lock) and PostgreSQL
    (row lock), before the head is read.
    """
    taken = conn.execute(
        audit_lock.update().where(audit_lock.c.id == 1).values(taken_at=now)
    ).rowcount
    if not taken:
        raise StateError("audit_lock row is missing: the state store was not migrated")
    return _head(conn)


@dataclass(slots=True)
class AuditWriter:
    """Appends entries within one transaction that holds the chain (``lock_audit_chain``)."""

    conn: Connection
    entries: int
    head_hash: str

    @classmethod
    def begin(cls, conn: Connection, now: datetime) -> AuditWriter:
        head = lock_audit_chain(conn, to_naive_utc(now))
        return cls(conn, head.sequence, head.hash)

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
        records: Sequence[Mapping[str, Any]] | None = None,
    ) -> int:
        """Write one entry chained to the previous one; returns its id.

        ``records`` are the images of the decision rows this transaction wrote
        (``audit_rows.read_images``), so ``verify_audit`` can hold those rows to them.
        """
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
            "records": None if records is None else [dict(r) for r in records],
        }
        digest = entry_hash(_hashed_fields(_Row(row)), self.head_hash)
        if records is None:
            del row["records"]  # SQL NULL, as in entries written before schema 0003
        self.conn.execute(audit_log.insert().values(**row, prev_hash=self.head_hash, hash=digest))
        self.entries += 1
        self.head_hash = digest
        return self.entries


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
                .limit(READ_CHUNK)
            ).all()
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].id


def verify_audit(store: StateStore, expect: Anchor | None = None) -> int:
    """Check the chain, the anchor and every decision row; returns the number of entries.

    Three checks, in order: every entry links to the one before and matches its hash;
    ``expect`` (a head recorded outside the database) is still in the chain, so the log
    was neither cut before it nor rewritten; and every row of the decision tables equals
    the newest image the chain recorded for it (``audit_rows``).

    Raises:
        AuditChainBroken: the first problem found, naming the entry and the reason.
    """
    expected_id, prev = 1, GENESIS_HASH
    recorded = RecordedRows()
    anchor_seen = expect is None or (expect.sequence in (None, 0) and expect.hash == GENESIS_HASH)
    for row in _rows(store):
        if row.id != expected_id:
            raise AuditChainBroken(expected_id, f"missing: next entry found is {row.id}")
        if row.prev_hash != prev:
            raise AuditChainBroken(row.id, "prev_hash does not match the previous entry")
        if entry_hash(_hashed_fields(row), prev) != row.hash:
            raise AuditChainBroken(row.id, "content does not match its hash (edited)")
        if expect is not None and not anchor_seen:
            anchor_seen = _matches_anchor(row, expect)
        recorded.add(row.id, row.records)
        expected_id, prev = expected_id + 1, row.hash
    if expect is not None and not anchor_seen:
        raise AuditChainBroken(
            expected_id if expect.sequence is None else expect.sequence,
            f"the anchored head {expect} is not in the log ({expected_id - 1} entries, "
            f"head {prev}): the log was cut before it or rewritten",
        )
    recorded.check(store.engine, expected_id)
    return expected_id - 1


def _matches_anchor(row: Any, expect: Anchor) -> bool:
    """True when ``row`` is the anchored entry; an anchored id with another hash is a rewrite."""
    if expect.sequence is not None and row.id == expect.sequence and row.hash != expect.hash:
        raise AuditChainBroken(
            row.id,
            f"hash {row.hash} differs from the anchored head {expect.hash}: the log was "
            "rewritten from this entry on",
        )
    return row.hash == expect.hash and expect.sequence in (None, row.id)


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
        records=tuple(row.records or ()),
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


def audit_head(store: StateStore) -> AuditHead:
    """The chain's newest entry: publish it elsewhere (``audit head``) to anchor the log."""
    with store.engine.connect() as conn:
        return _head(conn)


def audit_head_hash(store: StateStore) -> tuple[int, str]:
    """(entries, newest hash), as :func:`audit_head` gives them; kept for existing callers."""
    head = audit_head(store)
    return head.sequence, head.hash
