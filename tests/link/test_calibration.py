"""Operation confidence is a probability fitted on tuning seeds only.

The mapping (``link/data/calibration.json``) must be monotone, never claim certainty
from a finite sample, name the seeds it was fitted on, and those must all be tuning
seeds: a refit on an evaluation seed would make the published ECE a training figure.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mercwatch.evalsets import is_tuning_seed
from mercwatch.link import LinkConfig, build_operations
from mercwatch.link.calibration import Calibration, fit, shipped


def test_fit_is_monotone_and_shrunk():
    samples = [(0.5, False), (0.6, False), (0.7, True), (0.8, False), (0.9, True), (0.95, True)]
    mapping = fit(samples)
    ps = [p for _, p in mapping.knots]
    assert ps == sorted(ps)
    # (0.7, True) and (0.8, False) violate order: pooled into one block at 1/2 -> 2/4
    assert mapping._mapped(0.75) == pytest.approx(0.5)
    # two true operations alone: (2 + 1) / (2 + 2), not certainty
    assert mapping._mapped(0.99) == pytest.approx(0.75)
    assert mapping._mapped(0.0) == pytest.approx(1 / 4)  # two false: (0 + 1) / (2 + 2)
    # ... and what an operation reports is never above its own raw score.
    assert (mapping(0.99), mapping(0.3), mapping(0.0)) == (0.75, 0.25, 0.0)


@given(st.lists(st.tuples(st.floats(0, 1), st.booleans()), min_size=1, max_size=60))
def test_fit_never_reverses_order_nor_claims_certainty(samples):
    mapping = fit(samples)
    xs = sorted({x for x, _ in samples})
    fitted = [mapping._mapped(x) for x in xs]
    assert all(b >= a - 1e-9 for a, b in zip(fitted, fitted[1:], strict=False))
    assert all(0.0 < p < 1.0 for p in fitted)
    reported = [mapping(x) for x in xs]
    assert all(b >= a - 1e-9 for a, b in zip(reported, reported[1:], strict=False))
    assert all(0.0 <= p <= min(x, 1.0) + 5e-5 for p, x in zip(reported, xs, strict=True))  # 4 dp


def test_a_fit_without_false_operations_does_not_lift_weak_evidence():
    """The shipped fit (158 tuning operations, all true) is flat near 0.99: a weakly tied
    group scored 0.35 must not come out above the 0.9 auto-apply threshold."""
    flat = fit([(x / 100, True) for x in range(30, 100)])
    assert flat._mapped(0.35) > 0.9
    assert flat(0.35) == 0.35
    assert shipped()(0.35) <= 0.35


def test_bad_knots_are_refused():
    with pytest.raises(ValueError):
        Calibration(((0.5, 0.9), (0.6, 0.8)))
    with pytest.raises(ValueError):
        Calibration(((0.5, 0.1), (0.5, 0.2)))


def test_shipped_mapping_names_only_tuning_seeds_of_both_generators():
    mapping = shipped()
    runs = mapping.provenance["runs"]
    assert {r["generator"] for r in runs} == {"sim", "altsim"}
    assert all(is_tuning_seed(r["generator"], r["seed"]) for r in runs)
    assert mapping.provenance["operations"] == sum(r["operations"] for r in runs)


def test_operations_report_the_calibrated_probability_of_their_raw_score(platform):
    targets = platform.benign("t", 3)
    ring = platform.persona_ring("ring", 3, "devR", None, targets=targets)
    con, signals = platform.connect(), platform.signal_table()
    (op,) = build_operations(con, signals)
    (raw,) = build_operations(con, signals, config=LinkConfig(calibrated=False))
    assert op.accounts == raw.accounts == tuple(ring)
    assert op.raw_confidence == raw.confidence
    assert op.confidence == shipped()(raw.confidence)
    assert op.to_dict()["raw_confidence"] == raw.confidence
