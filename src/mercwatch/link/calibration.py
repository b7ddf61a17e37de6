"""Operation confidence as a probability: P(true operation | the link stage's raw score).

Why (issue 11, item 4): enforcement thresholds are stated as probabilities ("auto-apply
at 0.9 = at most one wrongful takedown in ten"), so an operation reported at confidence
c must be a true operation about c of the time on platforms we never tuned on. The
formula of :mod:`~.scoring` orders operations sensibly but is not a probability (on
the independent generator operations at 0.95-1.0 were true half the time).

The mapping is a monotone step function fitted by isotonic regression (pool adjacent
violators) on reported operations of the TUNING seeds of both generators
(:mod:`mercwatch.evalsets`), each block's rate shrunk by a uniform Beta(1, 1) prior
— ``(true + 1) / (n + 2)`` — so a handful of all-true operations never claims
certainty. It ships as ``data/calibration.json`` with its provenance (generators,
seeds, sizes, counts, the code commit it was fitted on); ``bench/fit_calibration.py``
refits it. Fitting needs nothing beyond the standard library, and neither does
applying it. Between knots the probability is interpolated linearly, so ties in raw
score stay ties and order is kept (never reversed, though it may flatten).
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

DATA_FILE = "calibration.json"


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
        """The probability for ``raw``: clamped at the ends, linear between knots, and
        never above ``raw`` itself.

        Why never above: the mapping may lower a confidence the tuning platforms show is
        over-stated, but must not raise one. The fit of December 2026 saw 158 tuning
        operations, all true, and came out flat at 0.994: applied as is, an operation the
        link stage scores 0.35 (a ring of one-message personas, or any weakly tied
        group) would clear the 0.9 auto-apply threshold, on the strength of platforms
        that never produced a low-scoring false operation to learn from. A fit without
        false operations cannot say how often a weak operation is false, so the
        evidence's own score stays the ceiling.
        """
        return round(min(float(raw), self._mapped(raw)), 4)

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
    """Isotonic fit of P(true | raw) with a Beta(prior, prior) shrinkage per block.

    Args:
        samples: (raw score, was it a true operation) per reported operation.
        prior: pseudo-counts of each outcome added to every block.
    """
    points = sorted((float(x), bool(y)) for x, y in samples)
    if not points:
        raise ValueError("no samples to fit a calibration on")
    # One block per distinct raw score, then pool adjacent violators on the raw rate.
    blocks: list[list[float]] = []  # [x_low, x_high, true, n]
    for x, y in points:
        if blocks and blocks[-1][1] == x:
            blocks[-1][2] += y
            blocks[-1][3] += 1
        else:
            blocks.append([x, x, float(y), 1.0])
    pooled = _pool(blocks, lambda b: b[2] / b[3])
    # Shrink each block, then pool again: shrinking can reverse two small blocks.
    shrunk = [[b[0], b[1], b[2] + prior, b[3] + 2 * prior] for b in pooled]
    final = _pool(shrunk, lambda b: b[2] / b[3])
    knots = [((b[0] + b[1]) / 2.0, round(b[2] / b[3], 4)) for b in final]
    return Calibration(tuple(knots))


def _pool(blocks: Sequence[list[float]], rate) -> list[list[float]]:
    out: list[list[float]] = []
    for block in blocks:
        out.append(list(block))
        while len(out) > 1 and rate(out[-2]) >= rate(out[-1]):
            last = out.pop()
            prev = out[-1]
            out[-1] = [prev[0], last[1], prev[2] + last[2], prev[3] + last[3]]
    return out
