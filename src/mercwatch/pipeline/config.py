"""What a run needs to know, gathered once by the CLI (or a notebook) and passed down."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mercwatch.errors import ConfigError
from mercwatch.ingest.limits import IngestLimits
from mercwatch.store.engine import EngineConfig
from mercwatch.store.state_url import resolve_state_url

# Here rather than in guards.py, which imports the detectors and ingest packages.
DEFAULT_SHRINK_RATIO = 0.5


@dataclass(frozen=True, slots=True)
class RunConfig:
    """Settings of one ``mercwatch run``.

    Attributes:
        export: the platform export folder (SCHEMA.md input).
        out: where the outputs go (created if missing).
        intel: indicator feeds to match and attribute against.
        engine: analytics engine settings.
        state_url: SQLAlchemy URL of the operational state store; ``None`` means
            ``sqlite:///OUT/state.db``.
        policy: enforcement policy file; ``None`` means the shipped default.
        dry_run: decide enforcement but apply nothing.
        only_detectors / skip_detectors: run a subset of detectors by id.
        detector_params: per-detector tunables, ``{detector_id: {name: value}}``.
        publisher: name of the organisation in exported intelligence.
        ingest_limits: bounds on what ingest reads (sizes, depth, rejects, time window).
        allow_failed_detectors: publish a partial run (a detector failed) instead of
            stopping with exit 1; the summary, CLI and report then say which failed.
        allow_shrink: publish (and revoke) even though the export is much smaller
            than the last one published into ``out``.
        shrink_ratio: a table with fewer than this share of the rows it had in the
            last run into ``out`` counts as shrunk (an empty one always does).
        full_ingest: validate every part file again instead of only the parts added
            since the last run into ``out`` (pipeline/incremental.py).
        part_filter: which part files (path relative to the export) this run may read;
            ``None`` = all. ``watch`` passes the parts that have finished landing.
    """

    export: Path
    out: Path
    intel: tuple[Path, ...] = ()
    engine: EngineConfig = field(default_factory=EngineConfig)
    state_url: str | None = None
    policy: Path | None = None
    dry_run: bool = False
    only_detectors: frozenset[str] = frozenset()
    skip_detectors: frozenset[str] = frozenset()
    detector_params: dict[str, dict[str, Any]] = field(default_factory=dict)
    publisher: str = "mercwatch"
    ingest_limits: IngestLimits = field(default_factory=IngestLimits)
    allow_failed_detectors: bool = False
    allow_shrink: bool = False
    shrink_ratio: float = DEFAULT_SHRINK_RATIO
    full_ingest: bool = False
    part_filter: Callable[[str], bool] | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.shrink_ratio <= 1.0:
            raise ConfigError(f"shrink ratio must be between 0 and 1, not {self.shrink_ratio}")

    def resolved_state_url(self) -> str:
        """The state store URL: ``state_url`` (path or URL), the environment, else OUT/state.db."""
        return resolve_state_url(self.state_url, self.out)
