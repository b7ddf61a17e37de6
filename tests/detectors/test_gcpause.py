"""The cyclic collector is paused while detectors run and restored afterwards."""

from __future__ import annotations

import gc

import ibis
import ibis.expr.types as ir
import pytest

from mercwatch.detectors.base import DetectionContext, Detector
from mercwatch.detectors.gcpause import collector_paused
from mercwatch.detectors.runner import run_detectors
from mercwatch.model import Phase

SEEN: list[bool] = []


class ReportsCollector(Detector):
    id = "test.reports_collector"
    phase = Phase.RECONNAISSANCE
    description = "Records whether the cyclic collector runs during detect."

    def detect(self, ctx: DetectionContext) -> ir.Table:
        SEEN.append(gc.isenabled())
        return ibis.memtable(
            {"subject_type": ["account"], "subject": ["a1"], "score": [0.5], "detail": ["x"]}
        )


class Raises(Detector):
    id = "test.raises"
    phase = Phase.RECONNAISSANCE
    description = "Fails inside detect."

    def detect(self, ctx: DetectionContext) -> ir.Table:
        raise RuntimeError("boom")


@pytest.fixture()
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_paused_inside_and_restored_after_an_error(collector_on):
    with pytest.raises(ValueError), collector_paused():
        assert not gc.isenabled()
        raise ValueError
    assert gc.isenabled()


def test_a_paused_collector_stays_paused():
    was = gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()


def test_detectors_run_with_the_collector_paused_and_the_run_restores_it(collector_on):
    SEEN.clear()
    con = ibis.duckdb.connect()
    result = run_detectors(DetectionContext(con), [Raises, ReportsCollector])
    assert SEEN == [False]
    assert [r.status for r in result.runs] == ["failed", "ok"]
    assert result.signals.num_rows == 1
    assert gc.isenabled()
