"""Small scoring expressions the engagement and exploitation detectors share.

Kept as Ibis expressions (not Python numbers) so they compile into the same query
on DuckDB and Spark.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from mercwatch.detectors.base import clamp01
from mercwatch.store.exprs import round_half_up


def noisy_or(parts: Sequence[tuple[ir.NumericValue, float]]) -> ir.FloatingValue:
    """1 − Π(1 − wᵢ·xᵢ): independent pieces of evidence, each capped by its weight.

    Args:
        parts: (evidence in 0..1, weight in 0..1) pairs.
    """
    miss: ir.FloatingValue = ibis.literal(1.0)
    for value, weight in parts:
        miss = miss * (1.0 - clamp01(value.cast("float64").fill_null(0.0)) * float(weight))
    return clamp01(1.0 - miss)


def shrunk_lift(
    hits: ir.NumericValue, total: ir.NumericValue, base: ir.NumericValue, prior: float
) -> ir.FloatingValue:
    """How far a share of ``hits``/``total`` exceeds the base rate, 0..1.

    The share is shrunk toward ``base`` with ``prior`` pseudo-observations, so one
    lucky hit out of one is not certainty; 0 means "no more than everyone else",
    1 means "only them".
    """
    h, n, b = hits.cast("float64"), total.cast("float64"), base.cast("float64")
    share = (h + prior * b) / (n + prior)
    return ibis.ifelse(b < 1.0, clamp01((share - b) / (1.0 - b)), 0.0)


def fmt(value: ir.NumericValue, digits: int = 2) -> ir.StringValue:
    """A number rounded for an evidence sentence."""
    return round_half_up(value, digits).cast("string")


#: Fixed-point unit of :func:`exact_sum`: 1e-12, far below any score's meaning.
EXACT_SUM_UNIT = 1e12


def exact_sum(value: ir.NumericValue, where: ir.BooleanValue | None = None) -> ir.FloatingValue:
    """Sum of a float column that is the same whatever order the engine adds it in.

    Why: floating-point addition is not associative, and DuckDB (or Spark) adds a
    group's rows in whatever order its threads deliver them, so two reruns could give
    sums a last bit apart and name a different "strongest" partner between tied ones.
    Each term is rounded to ``1 / EXACT_SUM_UNIT`` and summed as integers, which is
    exact and order-free (terms here are at most a few hundred in magnitude).
    """
    scaled = round_half_up(value.cast("float64") * EXACT_SUM_UNIT).cast("int64")
    total = scaled.sum(where=where) if where is not None else scaled.sum()
    return total.cast("float64") / EXACT_SUM_UNIT
