"""Shared evaluation of detectors against a simulated platform's ground truth.

Subjects are scored the way SCHEMA.md's ``truth.json`` allows:

* an **account** subject is positive when an operation lists it in ``accounts``;
* an **ip** subject is positive when an operation account used that address (any
  event of theirs carries it); logged-out scraping addresses of the simulator are the
  operations' own infrastructure, so they are positives too when an op account
  ever logged in through them;
* **network** subjects (``AS64500``, CIDR) are counted but not scored (whole networks
  hold benign and operation traffic alike).

Recall is measured against the positives a detector of the given phase could see:
for reconnaissance, operation accounts that made at least one ``view_profile`` or
``search`` event, and operation addresses that carried logged-out ones (an operation
that never watched is not a miss of a watching detector; logged-in views are the
account's subject, not the address's). Usable from any ``bench_detectors_*.py``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from mercwatch.detectors.base import DetectionContext, Detector
from mercwatch.detectors.runner import DetectionResult, run_detectors
from mercwatch.ingest import ingest_export
from mercwatch.store.engine import EngineConfig, connect

PHASE_EVENTS = {
    "reconnaissance": ("view_profile", "search"),
    "engagement": ("friend_request", "message", "friend_accept"),
    "exploitation": ("message", "share_link", "post"),
}


@dataclass(frozen=True, slots=True)
class Truth:
    """Positives of one simulated export."""

    accounts: frozenset[str]
    ips: frozenset[str]
    operations: tuple[frozenset[str], ...]
    active_accounts: frozenset[str]
    active_ips: frozenset[str]


@dataclass(frozen=True, slots=True)
class Score:
    """Precision and recall of one detector on one subject type at one threshold."""

    detector: str
    subject_type: str
    threshold: float
    flagged: int
    true_pos: int
    found: int
    positives: int

    @property
    def precision(self) -> float | None:
        return self.true_pos / self.flagged if self.flagged else None

    @property
    def recall(self) -> float | None:
        return self.found / self.positives if self.positives else None


def load(export: Path, threads: int | None = None):  # -> (backend, ingest seconds)
    """Ingest an export into a fresh in-memory DuckDB."""
    con = connect(EngineConfig(threads=threads))
    started = time.perf_counter()
    ingest_export(export, con)
    return con, time.perf_counter() - started


def truth_of(con, export: Path, phase: str) -> Truth:
    """Positives from ``truth.json`` plus the addresses op accounts used."""
    data = json.loads((export / "truth.json").read_text())
    accounts = frozenset(a for op in data["operations"] for a in op["accounts"])
    events = con.table("events")
    theirs = events.filter(events.actor_id.isin(list(accounts)) & events.ip.notnull())
    ips = frozenset(theirs.select("ip").distinct().to_pyarrow().column("ip").to_pylist())
    acting = events.filter(events.type.isin(list(PHASE_EVENTS[phase])))
    active_accounts = frozenset(
        acting.filter(acting.actor_id.isin(list(accounts)))
        .select("actor_id")
        .distinct()
        .to_pyarrow()
        .column("actor_id")
        .to_pylist()
    )
    # Reconnaissance IP subjects are logged-out traffic: logged-in views are the account's.
    by_ip = acting.filter(acting.actor_id.isnull()) if phase == "reconnaissance" else acting
    active_ips = frozenset(
        by_ip.filter(by_ip.ip.isin(list(ips)))
        .select("ip")
        .distinct()
        .to_pyarrow()
        .column("ip")
        .to_pylist()
    )
    ops = tuple(frozenset(op["accounts"]) for op in data["operations"])
    return Truth(accounts, ips, ops, active_accounts, active_ips)


def run(con, detectors: Sequence[type[Detector]]) -> DetectionResult:
    """Run the detectors over ``con`` with default tunables."""
    return run_detectors(DetectionContext(con), detectors)


def score(
    result: DetectionResult, truth: Truth, thresholds: Iterable[float] = (0.0, 0.5)
) -> list[Score]:
    """Per detector, subject type (account, ip) and score threshold."""
    signals = result.signals.to_pylist()
    out: list[Score] = []
    for run_ in result.runs:
        mine = [s for s in signals if s["detector"] == run_.detector]
        for kind, members, active in (
            ("account", truth.accounts, truth.active_accounts),
            ("ip", truth.ips, truth.active_ips),
        ):
            for t in thresholds:
                flagged = {
                    s["subject"] for s in mine if s["subject_type"] == kind and s["score"] > t
                }
                out.append(
                    Score(
                        run_.detector,
                        kind,
                        t,
                        len(flagged),
                        len(flagged & members),
                        len(flagged & active),
                        len(active),
                    )
                )
    return out


def fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def operations_found(result: DetectionResult, truth: Truth, threshold: float = 0.0) -> int:
    """Operations with at least one account flagged by any of the detectors run."""
    signals = result.signals.to_pylist()
    flagged = {
        s["subject"] for s in signals if s["subject_type"] == "account" and s["score"] > threshold
    }
    return sum(1 for op in truth.operations if op & flagged)
