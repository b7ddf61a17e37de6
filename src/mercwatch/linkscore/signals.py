"""A signal is one observed trick with its weight; signals combine by noisy-OR.

Noisy-OR (score = 1 - prod(1 - w)) reads each weight as "the chance this trick alone
means a hostile link": independent hints add up without ever exceeding 1, one strong
trick dominates, and the order of evaluation does not matter.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Signal:
    """One observed trick.

    Attributes:
        name: stable signal id (a key of ``data/weights.yaml``).
        weight: 0..1, how much this trick alone means a hostile link.
        reason: short text for people (``"typosquat of WhatsApp"``).
    """

    name: str
    weight: float
    reason: str


def combine(signals: Iterable[Signal]) -> float:
    """Noisy-OR of the signals' weights, in 0..1 (0 when there are none)."""
    keep = 1.0
    for sig in signals:
        keep *= 1.0 - min(max(sig.weight, 0.0), 1.0)
    return 1.0 - keep


def reasons(signals: Iterable[Signal], limit: int = 6) -> tuple[str, ...]:
    """Distinct reasons, strongest first, at most ``limit`` of them."""
    seen: dict[str, float] = {}
    for sig in signals:
        seen[sig.reason] = max(seen.get(sig.reason, 0.0), sig.weight)
    if len(seen) < 2:  # most names: nothing to order (the same tuple as below)
        return tuple(seen)[:limit]
    ordered = sorted(seen.items(), key=_strongest_first)
    return tuple(text for text, _ in ordered[:limit])


def _strongest_first(item: tuple[str, float]) -> tuple[float, str]:
    return -item[1], item[0]
