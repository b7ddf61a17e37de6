"""Time is 64-bit everywhere: an event after 2038 never breaks a detector.

Ibis types ``epoch_seconds()`` as int32, so one event dated after 2038-01-19 made three
detectors fail with a conversion error as soon as a shared table was materialised.
The fix is one 64-bit helper (``mercwatch.store.exprs.epoch_seconds``); the source
scan below keeps every new epoch going through it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import mercwatch
from mercwatch.detectors.base import DetectionContext
from mercwatch.detectors.registry import builtin_detectors
from mercwatch.detectors.runner import run_detectors
from mercwatch.ingest import ingest_export
from mercwatch.sim import SimConfig, simulate
from mercwatch.store.engine import connect, duckdb_connection

SRC = Path(mercwatch.__file__).parent
HELPER = SRC / "store" / "exprs.py"


def test_no_32_bit_epoch_outside_the_helper():
    raw_epoch = re.compile(r"\.epoch_seconds\(\)|\bint32\b|AS INTEGER\b|::INT\b", re.IGNORECASE)
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        if path == HELPER:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if raw_epoch.search(line) and "epoch" in line.lower():
                offenders.append(f"{path.relative_to(SRC)}:{number}: {line.strip()}")
    assert not offenders, offenders


@pytest.fixture(scope="module")
def far_future_context(tmp_path_factory):
    export = tmp_path_factory.mktemp("sim")
    simulate(SimConfig(users=400, seed=3), export)
    con = connect()
    ingest_export(export, con)
    raw = duckdb_connection(con)
    # Written straight into the engine: ingest's plausibility window would reject these
    # rows, and the detectors must hold even if a wider window lets them through.
    raw.execute(
        "INSERT INTO events SELECT event_id || '-2040', ts + INTERVAL 19 YEAR, type, actor_id, "
        "target_id, ip, asn, device_id, user_agent, text, url FROM events USING SAMPLE 50 ROWS"
    )
    raw.execute(
        "UPDATE accounts SET created_at = TIMESTAMP '2106-02-08 00:00:00' "
        "WHERE account_id = (SELECT min(account_id) FROM accounts)"
    )
    yield DetectionContext(con)
    con.disconnect()


def test_every_builtin_detector_survives_events_after_2038(far_future_context):
    result = run_detectors(far_future_context, builtin_detectors())
    assert len(result.runs) == len(builtin_detectors())
    assert not result.failed, [(f.detector, f.error) for f in result.failed]
