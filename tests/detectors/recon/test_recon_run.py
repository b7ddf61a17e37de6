"""The recon detectors through the registry and runner, with one failing detector."""

import ibis.expr.types as ir

from mercwatch.detectors.base import DetectionContext, Detector
from mercwatch.detectors.registry import builtin_detectors
from mercwatch.detectors.runner import run_detectors
from mercwatch.model import Phase

RECON = {
    "recon.at_risk_search",
    "recon.automated_collection",
    "recon.targeted_watching",
    "recon.co_watching",
}


class Broken(Detector):
    id = "test.broken_recon"
    phase = Phase.RECONNAISSANCE
    description = "Reads a table that does not exist."

    def detect(self, ctx: DetectionContext) -> ir.Table:
        return ctx.table("no_such_table")


def test_recon_detectors_are_registered_with_unique_ids():
    ids = [d.id for d in builtin_detectors()]
    assert set(ids) >= RECON
    assert len(ids) == len(set(ids))


def test_a_failing_detector_is_recorded_and_the_run_goes_on(busy_con):
    recon = [d for d in builtin_detectors() if d.id in RECON]
    result = run_detectors(DetectionContext(busy_con), [Broken, *recon])
    runs = {r.detector: r for r in result.runs}
    assert runs["test.broken_recon"].status == "failed"
    assert "no_such_table" in runs["test.broken_recon"].error
    assert all(runs[i].status == "ok" for i in RECON), [runs[i].error for i in RECON]
    signals = result.signals.to_pylist()
    by = {(s["detector"], s["subject_type"], s["subject"]) for s in signals}
    assert ("recon.automated_collection", "account", "s1") in by
    assert ("recon.targeted_watching", "account", "o2") in by
    assert ("recon.co_watching", "account", "o3") in by
    assert all(s["phase"] == "reconnaissance" and 0 < s["score"] <= 1 for s in signals)
