"""Precision and recall of the engagement and exploitation detectors on simulated platforms.

For each (users, seed) it simulates a platform (``mercwatch simulate``), ingests it,
runs the four detectors with their default tunables and scores their subjects
against ``truth.json``:

* **account** subjects are positive when an operation lists them; recall counts the
  operation accounts that did what the detector looks at in the export (sent a friend
  request or message to someone for the engagement detectors; sent a link for
  link delivery), so an operation that never reached that phase is not a miss;
* **domain** subjects are positive when an operation lists the domain; recall is over
  truth domains that appear in at least one link of the export.

Prints the markdown recorded in docs/benchmarks.md
("## Detectors: engagement and exploitation").

Run: python bench/bench_detectors_engagement.py [--runs 2000:1,5000:2,20000:3] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from mercwatch.detectors.base import DetectionContext
from mercwatch.detectors.registry import builtin_detectors
from mercwatch.detectors.runner import DetectionResult, run_detectors
from mercwatch.ingest import ingest_export
from mercwatch.sim import SimConfig, simulate
from mercwatch.store.engine import connect

DETECTORS = (
    "engagement.fake_persona",
    "engagement.scripted_outreach",
    "engagement.coordination",
    "exploitation.link_delivery",
)
# What an operation account must have done for each detector to be able to see it.
ACTIVE_TYPES = {
    "engagement.fake_persona": ("friend_request", "message"),
    "engagement.scripted_outreach": ("message",),
    "engagement.coordination": ("friend_request", "message", "view_profile", "share_link"),
    "exploitation.link_delivery": ("message", "share_link", "post"),
}
THRESHOLDS = (0.0, 0.5)


@dataclass(frozen=True, slots=True)
class Row:
    """One detector, subject type and threshold on one export."""

    detector: str
    subject_type: str
    threshold: float
    flagged: int
    true_pos: int
    found: int
    positives: int

    def cells(self) -> str:
        prec = f"{self.true_pos / self.flagged:.2f}" if self.flagged else "–"
        rec = f"{self.found / self.positives:.2f}" if self.positives else "–"
        return (
            f"`{self.detector}` | {self.subject_type} | >{self.threshold:g} | {self.flagged} | "
            f"{self.true_pos} | {prec} | {self.found}/{self.positives} | {rec}"
        )


def _active(
    con, accounts: frozenset[str], types: tuple[str, ...], with_url: bool
) -> frozenset[str]:
    ev = con.table("events")
    ev = ev.filter(ev.type.isin(list(types)) & ev.actor_id.isin(sorted(accounts)))
    ev = ev.filter(ev.url.notnull()) if with_url else ev.filter(ev.target_id.notnull())
    return frozenset(ev.select("actor_id").distinct().to_pyarrow()["actor_id"].to_pylist())


def _seen_domains(con, domains: frozenset[str]) -> frozenset[str]:
    ev = con.table("events")
    urls = ev.filter(ev.url.notnull()).select("url").distinct().to_pyarrow()["url"].to_pylist()
    return frozenset(d for d in domains if any(d in u for u in urls))


def evaluate(con, export: Path, result: DetectionResult) -> list[Row]:
    truth = json.loads((export / "truth.json").read_text())
    accounts = frozenset(a for op in truth["operations"] for a in op["accounts"])
    domains = frozenset(d for op in truth["operations"] for d in op["domains"])
    seen = _seen_domains(con, domains)
    signals = result.signals.to_pylist()
    rows = []
    for det in DETECTORS:
        active = _active(con, accounts, ACTIVE_TYPES[det], det.startswith("exploitation"))
        kinds = [("account", accounts, active)] + (
            [("domain", domains, seen)] if det.startswith("exploit") else []
        )
        for kind, members, reachable in kinds:
            for t in THRESHOLDS:
                flagged = {
                    s["subject"]
                    for s in signals
                    if s["detector"] == det and s["subject_type"] == kind and s["score"] > t
                }
                rows.append(
                    Row(
                        det,
                        kind,
                        t,
                        len(flagged),
                        len(flagged & members),
                        len(flagged & reachable),
                        len(reachable),
                    )
                )
    return rows


def bench(work: Path, runs: list[tuple[int, int]]) -> None:
    detectors = [d for d in builtin_detectors() if d.id in DETECTORS]
    print(
        "| users | seed | detector | subject | score | flagged | TP | precision | found/positives "
        "| recall | seconds |"
    )
    print("|---:|---:|---|---|---|---:|---:|---:|---:|---:|---:|")
    for users, seed in runs:
        export = work / f"sim-u{users}-s{seed}"
        if not (export / "truth.json").exists():
            simulate(SimConfig(users=users, seed=seed), export)
        con = connect()
        ingest_export(export, con)
        started = time.perf_counter()
        result = run_detectors(DetectionContext(con), detectors)
        elapsed = time.perf_counter() - started
        failed = [f"{r.detector}: {r.error}" for r in result.failed]
        if failed:
            raise SystemExit("detector failed: " + "; ".join(failed))
        seconds = {r.detector: r.seconds for r in result.runs}
        for row in evaluate(con, export, result):
            print(f"| {users} | {seed} | {row.cells()} | {seconds[row.detector]:.2f} |")
        print(f"<!-- u{users} s{seed}: all four detectors {elapsed:.1f} s -->")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", default="2000:1,5000:2,20000:3", help="users:seed,...")
    parser.add_argument("--work", type=Path, default=None, help="folder for the simulated exports")
    args = parser.parse_args()
    runs = [(int(u), int(s)) for u, s in (p.split(":") for p in args.runs.split(","))]
    if args.work:
        args.work.mkdir(parents=True, exist_ok=True)
        bench(args.work, runs)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            bench(Path(tmp), runs)


if __name__ == "__main__":
    main()
