"""Reconnaissance rings: personas that only watch, run from the same phones.

:func:`~.cluster.persona_ring` lets a group without one damning member be an
operation when personas each seen *approaching* at-risk strangers share rarely shared
devices. An operation hired only to watch never approaches anyone: altsim
``hosted-infra`` tuning seed 85301 has a 19-persona crew of one vendor that only views
and searches the people it studies, from four-account phones and two addresses only
it uses. Its members' own reconnaissance evidence reaches 0.58-0.62 (no one account is
damning: 0.73 own score at best, under ``strong_threshold``) and it has no approach
evidence, so no ring rule kept it and the whole operation was lost, with its targets.

The same argument holds for watching as for approaching: independent people do not
share phones *and* each research at-risk strangers. Two guards keep benign crowds
out, each for a reason:

* every ring member is a **persona** (no friend from before the window,
  :mod:`~.standing`): a newsroom's colleagues research at-risk people for a living and
  may share an office laptop, but they are people with a social life (the altsim
  ``all`` office team of tuning seed 74102 is rooted and established);
* members are joined by **device** ties only (an address or a photo in common is not
  enough: carrier NAT and fan crowds share those), and the ring needs
  ``ring_min_members`` of them with a noisy-or of their reconnaissance evidence at
  ``strong_threshold``, the bar of an approach ring.

Like every strength rule this is checked only after the group is corroborated
(:mod:`~.corroboration`), and membership is still judged member by member after it
(:mod:`~.membership`).
"""

from __future__ import annotations

from collections.abc import Mapping

from mercwatch.graphs import components
from mercwatch.link.candidates import Candidate
from mercwatch.link.config import LinkConfig
from mercwatch.link.context import noisy_or
from mercwatch.link.graph import TieGraph
from mercwatch.link.similarity import pair

RECON_FAMILY = "reconnaissance"


def recon_score(candidate: Candidate) -> float:
    """The candidate's own reconnaissance evidence (0 without any)."""
    return max((s for f, s in candidate.families if f == RECON_FAMILY), default=0.0)


def recon_ring(
    group: tuple[str, ...],
    tie_graph: TieGraph,
    candidates: Mapping[str, Candidate],
    config: LinkConfig,
) -> tuple[str, ...]:
    """The largest set of watching personas run from the same devices, if it is a ring
    (module docstring); ``()`` otherwise."""
    core = sorted(
        a
        for a in group
        if not (candidates[a].rooted or candidates[a].established)
        and recon_score(candidates[a]) >= config.ring_member_score
    )
    joined = [
        (i, j)
        for i, a in enumerate(core)
        for j in range(i + 1, len(core))
        if tie_graph.ties.get(pair(a, core[j]), {}).get("device", 0.0) >= config.min_edge_weight
    ]
    best: tuple[str, ...] = ()
    for part in components(len(core), joined):
        members = tuple(core[i] for i in part)
        if len(members) < config.ring_min_members:
            continue
        if noisy_or([recon_score(candidates[a]) for a in members]) >= config.strong_threshold:
            best = max(best, members, key=len)
    return best


__all__ = ["RECON_FAMILY", "recon_ring", "recon_score"]
