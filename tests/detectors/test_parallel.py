"""Work split over processes comes back complete and in order; errors are not swallowed."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from mercwatch.detectors.parallel import map_chunks


def _square(chunk: Sequence[int]) -> list[int]:
    return [x * x for x in chunk]


def _fail(chunk: Sequence[int]) -> list[int]:
    raise ValueError(f"bad chunk starting {chunk[0]}")


def test_results_in_item_order_across_processes() -> None:
    items = list(range(1_000))
    assert map_chunks(_square, items, workers=2, min_items=1) == [x * x for x in items]


def test_small_inputs_stay_in_process() -> None:
    assert map_chunks(_square, [3], workers=2) == [9]


def test_a_failing_chunk_raises_its_error() -> None:
    with pytest.raises(ValueError, match="bad chunk"):
        map_chunks(_fail, list(range(100)), workers=2, min_items=1)
