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
