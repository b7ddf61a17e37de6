"""How sure we are of an operation, and the evidence we show for it.

Confidence (0..1), with members' own scores ``s1 >= s2 >= ...`` (signals and malicious
deliveries, see :mod:`mercwatch.link.candidates`), ``i`` the strongest flag of
infrastructure its accounts acted through, ``k`` the number of distinct tie kinds
holding it together, ``p`` the number of kill-chain phases reached and ``a`` whether
imported intelligence attributes it::

    direct     = 1 - (1 - s1) * (1 - s2 / 2) * (1 - i / 2)
    confidence = 1 - (1 - direct) * 0.85**k * 0.85**(p - 1) * (0.5 if a else 1)

The strongest member carries the score (an operation is as credible as its clearest
account); a second strong member and flagged infrastructure corroborate at half
weight; every independent tie kind (device, photo, template ...) and every further
phase removes 15% of the remaining doubt; a peer's attribution halves it. Weak
groups never get here: :func:`mercwatch.link.cluster.keep_group` has dropped them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from mercwatch.link.candidates import Candidate
from mercwatch.model import Evidence, Phase

TIE_FACTOR = 0.85
PHASE_FACTOR = 0.85
ATTRIBUTION_FACTOR = 0.5


def confidence(
    group: Iterable[str],
    candidates: Mapping[str, Candidate],
    tie_kinds: int,
    phases: int,
    attributed: bool,
) -> float:
    """The operation's confidence, by the formula in this module's docstring."""
    members = [candidates[a] for a in group]
    own = sorted((m.own_score for m in members), reverse=True) + [0.0]
    infra = max(m.infra_score for m in members)
    direct = 1.0 - (1.0 - own[0]) * (1.0 - own[1] / 2.0) * (1.0 - infra / 2.0)
    doubt = (1.0 - direct) * TIE_FACTOR**tie_kinds * PHASE_FACTOR ** max(phases - 1, 0)
    if attributed:
        doubt *= ATTRIBUTION_FACTOR
    return round(min(max(1.0 - doubt, 0.0), 1.0), 4)


def select_evidence(items: Iterable[Evidence], per_detector: int) -> tuple[Evidence, ...]:
    """The strongest ``per_detector`` items of each detector, strongest first.

    The cap keeps one prolific detector (a scraper flagged on 10,000 views) from
    drowning the rest; order is total so reruns produce identical output.
    """
    by_detector: dict[str, set[Evidence]] = defaultdict(set)
    for item in items:
        by_detector[item.detector].add(item)
    kept: list[Evidence] = []
    for found in by_detector.values():
        kept.extend(sorted(found, key=_order)[:per_detector])
    return tuple(sorted(kept, key=_order))


def _order(item: Evidence) -> tuple:
    return (-item.score, item.detector, item.subject, item.phase.rank, item.detail)


def phases_reached(
    evidence: Iterable[Evidence],
    levels: Mapping[str, Phase],
    delivered: bool,
    acted: set[Phase] | None = None,
    infra_evidence: Iterable[Evidence] = (),
) -> tuple[Phase, ...]:
    """Kill-chain phases the operation reached, in kill-chain order.

    A phase is reached by what the operation did: every phase it acted in against
    someone (``acted``: viewing, approaching, delivering), what its own
    infrastructure was caught doing (``infra_evidence``: e.g. logged-out scraping
    from its addresses), and exploitation whenever it delivered a malicious link
    (even one posted publicly, to no one). Which detector noticed an account is not a
    phase: a coordination signal on a crew that only watched does not make it an
    engagement. Without ``acted`` (older callers) the detectors' phases are used.
    """
    if acted is None:
        found = {item.phase for item in evidence} | set(levels.values())
    else:
        found = set(acted) | {item.phase for item in infra_evidence} | set(levels.values())
        if not found:
            found = {item.phase for item in evidence}
    if delivered:
        found.add(Phase.EXPLOITATION)
    return tuple(sorted(found, key=lambda phase: phase.rank))
