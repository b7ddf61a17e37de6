"""Errors raised by mercwatch.

One root, so a caller can catch everything mercwatch raises with one clause; the
subclasses carry the fields a person needs to act (which file, row and field).

    MercwatchError
    ├── ConfigError            a setting, policy file or CLI option is wrong
    ├── InputError             an input file cannot be read at all
    │   └── InvalidRecord      one row breaks the contract (table, row, field, reason)
    ├── IntelFormatError       an indicator feed cannot be parsed
    ├── EngineError            the analytics engine (DuckDB / Spark) failed
    ├── StateError             the state store (SQLAlchemy) failed or is inconsistent
    │   └── AuditChainBroken   the audit log's hash chain does not verify
    ├── DetectorError          a detector failed (recorded; the run goes on)
    └── DeliveryError          a notification adapter could not deliver
"""

from __future__ import annotations


class MercwatchError(Exception):
    """Root of every error mercwatch raises on purpose."""


class ConfigError(MercwatchError):
    """A setting, a policy file or a command-line option is wrong."""


class InputError(MercwatchError):
    """An input file or folder cannot be read at all."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class InvalidRecord(InputError):
    """One row of an input table breaks the data contract.

    Args:
        table: contract table name (``accounts``, ``friendships``, ``events``).
        row: where the row is, e.g. ``events.jsonl:17``.
        field: the offending field, or ``""`` when the whole row is unreadable.
        reason: what is wrong, in words a person can act on.
    """

    def __init__(self, table: str, row: str, field: str, reason: str) -> None:
        where = f"{row} field {field!r}" if field else row
        MercwatchError.__init__(self, f"{table} {where}: {reason}")
        self.path = row
        self.table = table
        self.row = row
        self.field = field
        self.reason = reason


class IntelFormatError(MercwatchError):
    """An indicator feed (STIX, MISP, CSV, list) cannot be parsed."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class EngineError(MercwatchError):
    """The analytics engine failed; the original error is chained."""


class StateError(MercwatchError):
    """The operational state store failed or holds inconsistent data."""


class AuditChainBroken(StateError):
    """An audit-log entry does not match the hash chain."""

    def __init__(self, entry_id: int, reason: str) -> None:
        super().__init__(f"audit entry {entry_id}: {reason}")
        self.entry_id = entry_id
        self.reason = reason


class DetectorError(MercwatchError):
    """A detector raised; the run records it and goes on."""

    def __init__(self, detector_id: str, reason: str) -> None:
        super().__init__(f"detector {detector_id}: {reason}")
        self.detector_id = detector_id
        self.reason = reason


class DeliveryError(MercwatchError):
    """A delivery adapter could not hand a notification over (may be retried)."""
