"""Errors raised by mercwatch.

One root, so a caller can catch everything mercwatch raises with one clause; the
subclasses carry the fields a person needs to act (which file, row and field).

    MercwatchError
    ├── ConfigError            a setting, policy file or CLI option is wrong
    ├── InputError             an input file cannot be read at all
    │   └── InvalidRecord      one row breaks the contract (table, row, field, reason)
    ├── IntelFormatError       an indicator feed cannot be parsed
    ├── EngineError            the analytics engine (DuckDB / Spark) failed (exit 1)
    ├── StateError             the state store (SQLAlchemy) failed or is inconsistent
    │   └── AuditChainBroken   the audit log's hash chain does not verify (exit 1)
    ├── DetectorError          a detector failed (recorded; the run goes on)
    ├── DeliveryError          a notification adapter could not deliver
    └── RunFailed              ``run`` stopped and published nothing new (exit 1)
        ├── DetectorsFailed    detectors failed and the operator did not allow it
        ├── ExportShrank       the export is much smaller than the last one into OUT
        ├── OutputLocked       another run holds the output folder
        └── OutputError        an output cannot be written (read-only, disk full)

Each class carries the process exit code the CLI uses for it (``exit_code``): 2 for
usage, configuration and unreadable input (the operator must change the command),
1 for a run or check that failed on good settings (CONVENTIONS: 0 ok, 1 failed, 2 usage).
"""

from __future__ import annotations


class MercwatchError(Exception):
    """Root of every error mercwatch raises on purpose."""

    #: Exit code of the ``mercwatch`` command when this error ends it.
    exit_code: int = 2


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

    exit_code = 1


class StateError(MercwatchError):
    """The operational state store failed or holds inconsistent data."""


class AuditChainBroken(StateError):
    """An audit-log entry does not match the hash chain.

    Exit 1, not 2: the settings were right and the check ran; what it found is a
    tampered log (CONVENTIONS: 1 a check or run failed), from any verb that meets it.
    """

    exit_code = 1

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


class RunFailed(MercwatchError):
    """``mercwatch run`` stopped on good settings; the previous outputs stay published."""

    exit_code = 1


class DetectorsFailed(RunFailed):
    """Detectors raised, so the run would be partial (an operation could be lost).

    Args:
        failures: ``(detector_id, error)`` for every detector that failed.
    """

    def __init__(self, failures: list[tuple[str, str]]) -> None:
        lines = "; ".join(f"{d}: {e}" for d, e in failures)
        super().__init__(
            f"{len(failures)} detector(s) failed, nothing published ({lines}); "
            "rerun with --allow-failed-detectors to publish a partial run"
        )
        self.failures = failures


class ExportShrank(RunFailed):
    """The export is much smaller than the last one published into the same OUT.

    Publishing would revoke every indicator the missing rows supported, so the run
    stops before enforcement, notification and publication.

    Args:
        table: the contract table that shrank.
        rows: rows loaded now.
        previous: rows loaded by the run whose outputs are published in OUT.
        reason: why this counts as a shrink (the ratio, or an empty export).
    """

    def __init__(self, table: str, rows: int, previous: int, reason: str) -> None:
        super().__init__(
            f"export table {table!r} has {rows} valid rows, the last run into this output "
            f"folder had {previous} ({reason}); nothing published or revoked. If the "
            "smaller export is right, rerun with --allow-shrink"
        )
        self.table = table
        self.rows = rows
        self.previous = previous
        self.reason = reason


class OutputLocked(RunFailed):
    """Another ``mercwatch run`` holds the output folder's lock."""

    def __init__(self, out: str) -> None:
        super().__init__(f"{out}: another run holds this output folder; try again when it ends")
        self.out = out


class OutputError(RunFailed):
    """An output could not be written (read-only folder, disk full, ...).

    Args:
        path: the file or folder being written.
        reason: the operating system's reason (``No space left on device``).
    """

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"cannot write {path}: {reason}; the previous outputs are unchanged")
        self.path = path
        self.reason = reason
