"""Tuning and evaluation seeds are disjoint, so final figures come from platforms
nobody tuned on (issue 11, item 6c)."""

from __future__ import annotations

from mercwatch.evalsets import (
    EVALUATION_SEEDS,
    GENERATORS,
    TUNING_SEEDS,
    evaluation_seeds,
    is_tuning_seed,
)


def test_every_generator_has_at_least_three_evaluation_seeds():
    for generator in GENERATORS:
        assert len(set(evaluation_seeds(generator))) >= 3


def test_tuning_and_evaluation_seeds_are_disjoint():
    for generator in GENERATORS:
        overlap = set(TUNING_SEEDS[generator]) & set(EVALUATION_SEEDS[generator])
        assert not overlap, f"{generator}: seeds {sorted(overlap)} are both tuning and evaluation"
        assert not any(is_tuning_seed(generator, s) for s in EVALUATION_SEEDS[generator])


def test_small_seeds_already_used_by_the_project_count_as_tuning():
    assert all(s >= 1000 for g in GENERATORS for s in EVALUATION_SEEDS[g])
    assert is_tuning_seed("sim", 5) and is_tuning_seed("altsim", 999)
