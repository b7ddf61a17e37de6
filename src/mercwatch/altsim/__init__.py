"""altsim: a second platform generator, written independently of ``mercwatch.sim``.

Why a second generator: a detector tuned on one simulator learns that simulator's
habits. altsim was written from docs/SCHEMA.md and public descriptions of the seven
surveillance-for-hire firms in Meta's December 2021 report only (see
:mod:`mercwatch.altsim.playbooks` for sources), without reading the project's
simulator or detectors. It has its own benign population (heavy-tailed activity, a
community + triadic-closure friendship graph), named classes of authentic coordination
(:mod:`mercwatch.altsim.crowds`) and adversarial variants (:class:`Variant`).

    simulate_alt(AltSimConfig(users=10_000, seed=3, variant=Variant.ALL), out)

writes a contract export (JSON Lines, CSV or Parquet) and ``truth.json``; same config, same bytes.
"""

from __future__ import annotations

from pathlib import Path

from mercwatch.altsim.background import simulate_background
from mercwatch.altsim.config import AltSimConfig, Knobs, Variant
from mercwatch.altsim.crowds import BENIGN_CLASSES, add_crowds
from mercwatch.altsim.graph import build_friendships
from mercwatch.altsim.network import Networks
from mercwatch.altsim.operations import add_operations
from mercwatch.altsim.platform import Platform
from mercwatch.altsim.population import build_population
from mercwatch.altsim.writer import write_export

__all__ = ["BENIGN_CLASSES", "AltSimConfig", "Variant", "build_platform", "simulate_alt"]


def build_platform(config: AltSimConfig) -> Platform:
    """The whole platform in memory (accounts, friendships, events, truth)."""
    if config.users < 200:
        from mercwatch.errors import ConfigError

        raise ConfigError(f"--users {config.users}: altsim needs at least 200 users")
    platform = Platform(config, Knobs.draw(config))
    networks = Networks(config.rng("networks"))
    ids = build_population(platform, networks)
    adjacency = build_friendships(platform, ids)
    add_crowds(platform, ids, adjacency, networks)
    simulate_background(platform, adjacency, networks)
    add_operations(platform, ids, adjacency, networks)
    return platform


def simulate_alt(config: AltSimConfig, out: Path, fmt: str = "jsonl") -> dict[str, int]:
    """Generate the platform and write it to ``out`` in ``fmt`` (jsonl, csv, parquet);
    returns row counts per table."""
    return write_export(build_platform(config), out, fmt)
