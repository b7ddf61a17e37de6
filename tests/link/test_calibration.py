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


def test_fit_is_the_shrunk_rate_of_true_operations_at_or_below_each_score():
    samples = [(0.5, False), (0.6, True), (0.7, True), (0.8, True), (0.9, True), (0.95, True)]
    mapping = fit(samples)
    # at or below 0.8: 3 true of 4 -> (3 + 1) / (4 + 2)
    assert mapping._mapped(0.8) == pytest.approx(4 / 6, abs=1e-4)
    # at or below 0.95: 5 of 6 -> 6 / 8, and not capped at the raw score
    assert mapping(0.95) == pytest.approx(0.75)
    assert mapping(0.99) == pytest.approx(0.75)
    # below every fitted operation: never more than the prior's 0.5
    assert mapping(0.1) <= 0.5


def test_a_false_operation_high_up_lowers_everything_under_it():
    mapping = fit([(0.5, True), (0.6, True), (0.7, True), (0.9, False)])
    assert mapping._mapped(0.9) == pytest.approx(4 / 6, abs=1e-4)
    assert all(p <= 4 / 6 + 1e-4 for _, p in mapping.knots)


def test_confidence_is_not_capped_at_the_raw_score():
    """Persona crews score raw 0.80 and are true on the tuning platforms: the cap of
    December 2026 (min(raw, mapped)) left them under-confident (ECE 0.08-0.14)."""
    mapping = fit([(0.8, True)] * 20 + [(0.95, True)] * 20)
    assert mapping(0.8) == pytest.approx(21 / 22, abs=1e-4)
    assert mapping(0.8) > 0.8


@given(st.lists(st.tuples(st.floats(0, 1), st.booleans()), min_size=1, max_size=60))
def test_fit_never_reverses_order_nor_claims_certainty(samples):
    mapping = fit(samples)
    xs = sorted({x for x, _ in samples} | {0.0, 1.0})
    fitted = [mapping(x) for x in xs]
    assert all(b >= a - 1e-9 for a, b in zip(fitted, fitted[1:], strict=False))
    assert all(0.0 < p < 1.0 for p in fitted)


def test_weak_evidence_below_the_fitted_scores_gets_no_more_than_even_odds():
    """A fit without false operations (all true) must not lift a raw score below
    everything it saw over the 0.9 auto-apply threshold."""
    flat = fit([(x / 100, True) for x in range(60, 100)])
    assert flat(0.35) <= 0.5
    assert shipped()(0.0) <= 0.5


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
