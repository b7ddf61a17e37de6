"""End to end on a small simulated platform: the recon detectors find scraping addresses."""

import pytest

from mercwatch.detectors.base import DetectionContext
from mercwatch.detectors.registry import builtin_detectors
from mercwatch.detectors.runner import run_detectors
from mercwatch.ingest import ingest_export
from mercwatch.sim import SimConfig, simulate
from mercwatch.store.engine import connect


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    out = tmp_path_factory.mktemp("sim")
    result = simulate(SimConfig(users=600, seed=2), out)
    con = connect()
    ingest_export(out, con)
    op_accounts = sorted({a for op in result.operations for a in op.accounts})
    events = con.table("events")
    used = events.filter(events.actor_id.isin(op_accounts) & events.ip.notnull())
    op_ips = set(used.select("ip").distinct().to_pyarrow().column("ip").to_pylist())
    recon = [d for d in builtin_detectors() if d.id.startswith("recon.")]
    return run_detectors(DetectionContext(con), recon), op_ips


def test_every_recon_detector_runs(simulated):
    result, _ = simulated
    assert len(result.runs) == 4
    assert not result.failed, result.failed


def test_confident_address_signals_are_operation_addresses(simulated):
    result, op_ips = simulated
    confident = {
        (s["detector"], s["subject"])
        for s in result.signals.to_pylist()
        if s["subject_type"] == "ip" and s["score"] > 0.5
    }
    assert {d for d, _ in confident} >= {"recon.automated_collection", "recon.co_watching"}
    assert {ip for _, ip in confident} <= op_ips
