"""Operation confidence as a probability: P(true operation | the link stage's raw score).

Why (issue 11, item 4): enforcement thresholds are stated as probabilities ("auto-apply
at 0.9 = at most one wrongful takedown in ten"), so an operation reported at confidence
c must be a true operation about c of the time on platforms we never tuned on. The
formula of :mod:`~.scoring` orders operations sensibly but is not a probability (on
the independent generator operations at 0.95-1.0 were true half the time).

The mapping gives a raw score ``r`` the rate of true operations among the reported
operations of the TUNING seeds of both generators (:mod:`mercwatch.evalsets`) whose raw
score was AT OR BELOW ``r``, shrunk by a uniform Beta(1, 1) prior: ``(t + 1) / (n + 2)``
with ``t`` of the ``n`` such operations true. Why at or below: if truth only grows with
the raw score (what the score is for), the operations scored no higher than ``r`` are
the worst case for ``r``, so the value is a lower estimate of P(true | r) that uses
every operation under it instead of the few that share ``r`` (a per-score rate had
blocks of one or two operations). A score below all fitted operations gets the prior's
0.5: nothing says how often evidence that weak is right, and 0.5 never clears an
auto-apply threshold. The values are then kept monotone (each is the least of its own
and every higher score's, so a false operation high up lowers everything under it) and
are not capped by the raw score (the cap of December 2026 left persona crews, raw 0.80
and true on every tuning platform, at 0.80: per-run ECE 0.08-0.14).
It ships as ``data/calibration.json`` with its provenance (generators, seeds, sizes,
counts, the code commit it was fitted on); ``bench/fit_calibration.py`` refits it.
Fitting needs nothing beyond the standard library, and neither does applying it.
Between knots the probability is interpolated linearly, so ties in raw score stay
ties and order is kept (never reversed, though it may flatten).
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

DATA_FILE = "calibration.json"
PRIOR_GAP = 1e-4
"""Distance under the lowest fitted raw score of the knot holding the prior's 0.5."""


@dataclass(frozen=True, slots=True)
class Calibration:
    """Knots ``(raw, probability)``, raw strictly increasing, probability non-decreasing."""

    knots: tuple[tuple[float, float], ...]
    provenance: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        xs = [x for x, _ in self.knots]
        ps = [p for _, p in self.knots]
        if not self.knots:
            raise ValueError("calibration needs at least one knot")
        if any(b <= a for a, b in zip(xs, xs[1:], strict=False)):
            raise ValueError("calibration knots must have strictly increasing raw scores")
        if any(b < a for a, b in zip(ps, ps[1:], strict=False)) or not all(
            0.0 <= p <= 1.0 for p in ps
        ):
            raise ValueError("calibration probabilities must be non-decreasing within 0..1")

    def __call__(self, raw: float) -> float:
        """The probability for ``raw``: clamped at the ends, linear between knots."""
        return round(self._mapped(raw), 4)

    def _mapped(self, raw: float) -> float:
        xs = [x for x, _ in self.knots]
        i = bisect_right(xs, raw)
        if i == 0:
            return self.knots[0][1]
        if i == len(xs):
            return self.knots[-1][1]
        (x0, p0), (x1, p1) = self.knots[i - 1], self.knots[i]
        return round(p0 + (p1 - p0) * (raw - x0) / (x1 - x0), 4)

    def to_dict(self) -> dict[str, Any]:
        return {"provenance": self.provenance, "knots": [list(k) for k in self.knots]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibration:
        return cls(
            knots=tuple((float(x), float(p)) for x, p in data["knots"]),
            provenance=dict(data.get("provenance") or {}),
        )


@lru_cache(maxsize=1)
def shipped() -> Calibration:
    """The mapping shipped with mercwatch (``link/data/calibration.json``)."""
    text = resources.files("mercwatch.link").joinpath("data", DATA_FILE).read_text("utf-8")
    return Calibration.from_dict(json.loads(text))


def fit(samples: Iterable[tuple[float, bool]], prior: float = 1.0) -> Calibration:
    """P(true | raw) as the shrunk rate of true operations at or below each raw score.

    Args:
        samples: (raw score, was it a true operation) per reported operation.
        prior: pseudo-counts of each outcome (Beta(prior, prior)).

    Returns:
        One knot per distinct raw score plus one just under the lowest (the prior's
        0.5, or less when a higher score's value is less: it holds for every score
        under the fitted ones), each value the least of its own rate and every
        higher score's, so the mapping never decreases.
    """
    points = sorted((float(x), bool(y)) for x, y in samples)
    if not points:
        raise ValueError("no samples to fit a calibration on")
    cumulative: list[tuple[float, float]] = []
    true, n = 0, 0
    for i, (x, y) in enumerate(points):
        true, n = true + y, n + 1
        if i + 1 == len(points) or points[i + 1][0] != x:
            cumulative.append((x, (true + prior) / (n + 2 * prior)))
    if cumulative[0][0] > PRIOR_GAP:  # under every fitted score: the prior alone
        cumulative.insert(0, (round(cumulative[0][0] - PRIOR_GAP, 6), 0.5))
    knots: list[tuple[float, float]] = []
    least = 1.0
    for x, p in reversed(cumulative):
        least = min(least, p)
        knots.append((x, round(least, 4)))
    return Calibration(tuple(reversed(knots)))
