"""Confidence formula, evidence selection, settings and errors."""

from __future__ import annotations

import ibis
import pyarrow as pa
import pytest

from mercwatch.errors import ConfigError, EngineError, InputError
from mercwatch.link import LinkConfig, build_operations
from mercwatch.link.candidates import Candidate
from mercwatch.link.scoring import confidence, phases_reached, select_evidence
from mercwatch.model import Evidence, Phase


def _cands(*scores: float, infra: float = 0.0) -> dict[str, Candidate]:
    return {f"a{i}": Candidate(f"a{i}", s, infra, ("signals",)) for i, s in enumerate(scores)}


@pytest.mark.parametrize(
    ("scores", "infra", "kinds", "phases", "attributed", "expected"),
    [
        ((0.9,), 0.0, 0, 1, False, 0.9),
        ((0.8, 0.6), 0.0, 0, 1, False, 1 - 0.2 * 0.7),
        ((0.8,), 0.6, 0, 1, False, 1 - 0.2 * 0.7),
        ((0.8,), 0.0, 2, 1, False, 1 - 0.2 * 0.85**2),
        ((0.8,), 0.0, 0, 3, False, 1 - 0.2 * 0.85**2),
        ((0.8,), 0.0, 1, 2, True, 1 - 0.2 * 0.85 * 0.85 * 0.5),
    ],
)
def test_confidence_formula(scores, infra, kinds, phases, attributed, expected):
    cands = _cands(*scores, infra=infra)
    assert confidence(cands, cands, kinds, phases, attributed) == pytest.approx(expected, abs=1e-4)


def test_confidence_grows_with_corroboration():
    cands = _cands(0.8, 0.5)
    base = confidence(cands, cands, 1, 1, False)
    assert confidence(cands, cands, 3, 1, False) > base
    assert confidence(cands, cands, 1, 3, False) > base
    assert confidence(cands, cands, 1, 1, True) > base
    assert 0.0 <= confidence(_cands(1.0, 1.0, infra=1.0), _cands(1.0, 1.0), 7, 3, True) <= 1.0


def _ev(detector: str, subject: str, score: float, phase=Phase.ENGAGEMENT) -> Evidence:
    return Evidence(detector, phase, subject, score, f"{detector} on {subject}")


def test_evidence_capped_per_detector_strongest_first():
    items = [_ev("scraper", f"s{i}", i / 10) for i in range(10)]
    items += [_ev("persona", "p", 0.45), _ev("persona", "p", 0.45)]  # duplicate
    kept = select_evidence(items, per_detector=3)
    assert [(e.detector, e.subject) for e in kept] == [
        ("scraper", "s9"),
        ("scraper", "s8"),
        ("scraper", "s7"),
        ("persona", "p"),
    ]
    assert select_evidence(reversed(items), per_detector=3) == kept


def test_phases_in_kill_chain_order():
    evidence = [_ev("x", "a", 0.5, Phase.ENGAGEMENT)]
    levels = {"t": Phase.RECONNAISSANCE}
    assert phases_reached(evidence, levels, False) == (Phase.RECONNAISSANCE, Phase.ENGAGEMENT)
    assert phases_reached([], {}, True) == (Phase.EXPLOITATION,)


@pytest.mark.parametrize(
    "kwargs",
    [{"account_threshold": 1.5}, {"strong_threshold": -0.1}, {"photo_max_distance": 20}],
)
def test_config_rejects_out_of_range_values(kwargs):
    with pytest.raises(ConfigError):
        LinkConfig(**kwargs)


def test_config_tie_weights_are_data():
    config = LinkConfig(tie_weights=(("device", 0.4),))
    assert config.tie_weight("device") == 0.4
    assert config.tie_weight("ip") == 0.0


def test_missing_signal_column_is_an_input_error(platform):
    platform.account("a")
    bad = pa.table({"subject": ["a"], "score": [0.9]})
    with pytest.raises(InputError, match="detector"):
        build_operations(platform.connect(), bad)


def test_missing_table_is_an_input_error(platform):
    con = ibis.duckdb.connect()
    with pytest.raises(InputError, match="accounts"):
        build_operations(con, platform.signal_table())


def test_engine_failure_is_translated(platform):
    platform.account("a")
    bad = pa.table(
        {
            "detector": ["d"],
            "phase": ["engagement"],
            "subject_type": ["account"],
            "subject": ["a"],
            "score": ["not a number"],
            "detail": [""],
        }
    )
    with pytest.raises(EngineError):
        build_operations(platform.connect(), bad)
