"""What a simulation is asked to do (:class:`SimConfig`) and what it wrote (:class:`SimResult`).

Both are frozen so a run is fully described by its config: same config, same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from mercwatch.errors import ConfigError
from mercwatch.model.records import Phase

#: First second of the simulated window. Fixed, never the clock, so output is reproducible.
WINDOW_START = datetime(2021, 9, 1, tzinfo=UTC)
WINDOW_START_S = int(WINDOW_START.timestamp())
DAY_S = 86_400
MIN_USERS = 300
TRUTH_SCHEMA_VERSION = 1


class ExportFormat(StrEnum):
    """Table formats SCHEMA.md accepts for a platform export."""

    PARQUET = "parquet"
    JSONL = "jsonl"
    CSV = "csv"


@dataclass(frozen=True, slots=True)
class SimConfig:
    """Parameters of one simulated platform export.

    Attributes:
        users: number of accounts (benign population plus operation accounts).
        seed: seeds every random choice; same config gives byte-identical files.
        format: table format of the export.
        days: length of the event window starting at :data:`WINDOW_START`.
        bad_rows: rows breaking the contract to inject into ``events`` (for ingest tests).
        events_per_user: average benign events per account over the window.
        part_rows: events per generation chunk; Parquet exports with more than one chunk
            are written as ``events/part-NNNNN.parquet``.
    """

    users: int
    seed: int = 0
    format: ExportFormat = ExportFormat.PARQUET
    days: int = 30
    bad_rows: int = 0
    events_per_user: float = 10.0
    part_rows: int = 500_000

    def __post_init__(self) -> None:
        if self.users < MIN_USERS:
            raise ConfigError(f"--users must be at least {MIN_USERS} (got {self.users})")
        if not 1 <= self.days <= 366:
            raise ConfigError(f"--days must be between 1 and 366 (got {self.days})")
        if self.bad_rows < 0:
            raise ConfigError(f"--bad-rows must not be negative (got {self.bad_rows})")
        if self.seed < 0:
            raise ConfigError(f"--seed must not be negative (got {self.seed})")
        if not 0.5 <= self.events_per_user <= 1000:
            raise ConfigError(f"events_per_user out of range: {self.events_per_user}")
        if self.part_rows < 10_000:
            raise ConfigError(f"part_rows must be at least 10000 (got {self.part_rows})")
        if not isinstance(self.format, ExportFormat):
            raise ConfigError(f"unknown format {self.format!r}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, recorded in ``truth.json``."""
        return {
            "users": self.users,
            "seed": self.seed,
            "format": self.format.value,
            "days": self.days,
            "bad_rows": self.bad_rows,
            "events_per_user": self.events_per_user,
            "part_rows": self.part_rows,
            "window_start": WINDOW_START.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }


@dataclass(frozen=True, slots=True)
class TruthOperation:
    """One simulated surveillance-for-hire operation, as ``truth.json`` lists it."""

    operation_id: str
    actor: str
    accounts: tuple[str, ...]
    targets: tuple[str, ...]
    domains: tuple[str, ...]
    phases: tuple[Phase, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "operation_id": self.operation_id,
            "actor": self.actor,
            "accounts": list(self.accounts),
            "targets": list(self.targets),
            "domains": list(self.domains),
            "phases": [p.value for p in self.phases],
        }


@dataclass(frozen=True, slots=True)
class BadRow:
    """A row injected to break the contract: where it is and how it is wrong."""

    kind: str
    file: str  # events file holding it, relative to the export folder
    position: int  # 0-based data-row index in that file
    event_id: str | None
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "file": self.file,
            "position": self.position,
            "event_id": self.event_id,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class HardNegative:
    """A benign group built to look suspicious (evaluation aid; not an operation)."""

    kind: str
    accounts: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "accounts": list(self.accounts)}


@dataclass(frozen=True, slots=True)
class SimResult:
    """What :func:`mercwatch.sim.simulate` wrote.

    Attributes:
        out: the export folder.
        files: every file written, relative to ``out``, sorted.
        accounts: rows in ``accounts``.
        friendships: rows in ``friendships``.
        events: valid rows in ``events`` (bad rows not counted).
        operations: the ground-truth operations (also in ``truth.json``).
        bad_rows: the injected contract-breaking rows.
        hard_negatives: benign look-alike groups.
    """

    out: Path
    files: tuple[str, ...]
    accounts: int
    friendships: int
    events: int
    operations: tuple[TruthOperation, ...]
    bad_rows: tuple[BadRow, ...] = field(default=())
    hard_negatives: tuple[HardNegative, ...] = field(default=())

    @property
    def truth_path(self) -> Path:
        return self.out / "truth.json"
