"""Score expressions every detector builds its 0..1 score and evidence sentence from.

One home for them (issue 12): they used to live in three places (``base.py``,
``recon/_shared.py``, ``engagement/scoring.py``) with two ``noisy_or`` of different
signatures, so one detector family's fix never reached the other. Kept as Ibis
expressions (not Python numbers) so they compile into the same query on DuckDB and
Spark.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import ibis
import ibis.expr.types as ir

from mercwatch.store.exprs import round_half_up

#: One piece of evidence for :func:`noisy_or`: (strength in 0..1, weight in 0..1).
Evidence = tuple[ir.NumericValue, float]


def clamp01(value: ir.NumericValue) -> ir.FloatingValue:
    """Clip a score expression into 0..1 as float64; a missing value counts as 0.

    Written as ``GREATEST(0, LEAST(1, COALESCE(x, 0)))``, which names ``x`` once:
    Ibis' ``clip`` keeps nulls by repeating its argument four times, and scores built
    from clipped parts grew exponentially (250 KB of SQL for one detector, whose
    filters the engine evaluated expression by expression: 6 s of 11 at 1M users).
    """
    v = value.cast("float64").fill_null(0.0)
    return ibis.greatest(0.0, ibis.least(1.0, v))


def saturating(value: ir.NumericValue, half: float) -> ir.FloatingValue:
    """Map a non-negative count to 0..1, reaching 0.5 at ``half`` (x / (x + half))."""
    v = value.cast("float64")
    return v / (v + ibis.literal(float(half)))


def noisy_or(parts: Iterable[Evidence]) -> ir.FloatingValue:
    """1 − Π(1 − wᵢ·xᵢ): how likely at least one independent piece of evidence holds.

    Each strength is clipped into 0..1 (missing counts as 0) and capped by its weight;
    evidence that counts in full takes weight 1.0. Clipping is the identity on strengths
    already in 0..1, so this one form gives the unweighted recon scores unchanged.

    Args:
        parts: (evidence in 0..1, weight in 0..1) pairs.
    """
    miss: ir.FloatingValue = ibis.literal(1.0)
    for value, weight in parts:
        miss = miss * (1.0 - clamp01(value) * float(weight))
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


def excess(
    value: ir.NumericValue, reference: ir.NumericValue, doublings: float = 1.0
) -> ir.FloatingValue:
    """0 at or below ``reference``, 1 at ``2 ** doublings`` times it or more (log2 of the ratio)."""
    ratio = value.cast("float64") / ibis.greatest(reference.cast("float64"), 1e-9)
    return clamp01(ibis.greatest(ratio, 1e-9).log2() / doublings)


def fmt(value: ir.NumericValue, digits: int = 2) -> ir.StringValue:
    """A number rounded (half away from zero, the same on every engine) for an evidence sentence."""
    return round_half_up(value, digits).cast("string")


def fmt_pct(value: ir.NumericValue) -> ir.StringValue:
    """A share in 0..1 as a whole percentage for an evidence sentence (``0.125`` -> ``13%``)."""
    return round_half_up(value * 100).cast("int64").cast("string") + "%"


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


def combine_partners(
    pairs: ir.Table, keep: Sequence[str], min_pair: float | None = None
) -> ir.Table:
    """Per account, its pairs combined as a noisy-or, and its strongest partner.

    For the pair detectors (coordination, co-sharing): independent pairs combine as
    ``1 - exp(sum(log(1 - pair)))``. Pair scores are rounded to 1e-9 first: pairs that
    tie on paper must tie here too, whatever the last bits an engine's thread order
    left (see :func:`exact_sum`), so the partner's id alone breaks the tie and every
    engine and rerun names the same strongest partner.

    Args:
        pairs: columns ``account``, ``partner``, ``pair`` (0..1) and ``keep``.
        keep: columns of the strongest pair to return as ``best_<name>``.
        min_pair: pairs below it are dropped before combining; ``None`` keeps every
            pair above 0.

    Returns:
        Columns ``account``, ``score``, ``partners``, ``best`` (strongest pair score),
        ``best_partner`` and ``best_<name>`` for each of ``keep``.
    """
    pairs = pairs.mutate(pair=round_half_up(pairs.pair, 9))
    pairs = pairs.filter(pairs.pair > 0 if min_pair is None else pairs.pair >= min_pair)
    order = ibis.window(group_by="account", order_by=[ibis.desc("pair"), "partner"])
    ranked = pairs.mutate(rank=ibis.row_number().over(order))
    best = ranked.filter(ranked["rank"] == 0).select(
        account_b="account", best_partner="partner", **{f"best_{c}": c for c in keep}
    )
    per = pairs.group_by("account").aggregate(
        miss=exact_sum((1.0 - pairs.pair.clip(upper=0.99)).ln()),
        partners=pairs.partner.nunique(),
        best=pairs.pair.max(),
    )
    per = per.join(best, per.account == best.account_b).drop("account_b")
    return per.mutate(score=clamp01(1.0 - per.miss.exp()))
