"""What a run needs to know, gathered once by the CLI (or a notebook) and passed down."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mercwatch.ingest.limits import IngestLimits
from mercwatch.store.engine import EngineConfig


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

    def resolved_state_url(self) -> str:
        """The state store URL, defaulting to a SQLite file beside the outputs."""
        return self.state_url or f"sqlite:///{(self.out / 'state.db').as_posix()}"
