"""Watch rings: personas that only watch at-risk people, from infrastructure only they use.

:func:`~.cluster.persona_ring` lets a group without one damning member be an operation
when personas each seen *approaching* at-risk strangers are driven from the same rarely
shared devices. A crew hired only to watch never approaches anyone. altsim
``hosted-infra`` tuning seed 85301 has such a crew: 19 personas that only view and
search the people they study, from four-account phones and two addresses nobody else
uses; each member's own reconnaissance reaches 0.25-0.62, none is damning (0.73 own
score at best, under ``strong_threshold``), and without approach evidence no ring rule
kept it: the whole operation was lost, with its targets.

Watching alone is not enough, and the guard
``tests/link/test_operations.py::test_weak_ring_needs_approach_evidence`` says so:
personas on a shared laptop with a *generic collection* signal (a scraper's pace and
breadth, on people who are not at risk) are not a ring. A watch ring therefore needs
both of two things that crew has and the guard's scrapers, families, offices and
carrier NATs lack:

* **reconnaissance aimed at at-risk people.** A member counts only with its own signal
  from ``config.aimed_recon_detectors`` (``recon.at_risk_search``: searches naming
  several at-risk people few others search; ``recon.targeted_watching``: unanswered
  views of at-risk people and their circles, rarity-weighted) at
  ``ring_member_score`` (:func:`~.signals.aimed_recon_scores`). These detectors name
  whom the attention is for; the crew's evidence is all of this kind ("searched by
  name for 3 different at-risk users", "watched 8 at-risk users or close contacts").
  ``recon.automated_collection`` measures how a program browses, not whom for, so a
  scraper of anybody does not count, however many shared laptops it runs on.
* **infrastructure only personas use.** Members are joined only through an address or
  device (``TieGraph.exclusive_addresses``) that no account outside the candidates
  ever used, and no account with a social life (rooted or established,
  :mod:`~.standing`) uses. A newsroom's office network, a campus or carrier NAT and a
  family's tablet all have users with nothing to suspect or friends from before the
  window; a rented proxy or a crew's phone has only the crew. Ordinary device ties are
  not enough: a shared laptop is not proof of one operator when nobody is approached.

Every member is itself a persona (no friend from before the window: a journalist
researching at-risk people for a living has one), the ring needs
``ring_min_members`` of them, and the noisy-or of their aimed evidence must reach
``strong_threshold``, the bar of an approach ring. Like every strength rule it is
checked only after the group is corroborated (:mod:`~.corroboration`), and membership
is still judged member by member (:mod:`~.membership`).
"""

from __future__ import annotations

from collections.abc import Mapping

from mercwatch.graphs import components
from mercwatch.link.candidates import Candidate
from mercwatch.link.config import LinkConfig
from mercwatch.link.context import noisy_or
from mercwatch.link.graph import TieGraph


def _persona(candidate: Candidate | None) -> bool:
    return candidate is not None and candidate.persona


def own_addresses(tie_graph: TieGraph, candidates: Mapping[str, Candidate]) -> list[frozenset[str]]:
    """The users of each address or device that only personas ever used (sorted by key)."""
    return [
        who
        for _, who in sorted(tie_graph.exclusive_addresses.items())
        if all(_persona(candidates.get(a)) for a in who)
    ]


def watch_ring(
    group: tuple[str, ...],
    tie_graph: TieGraph,
    candidates: Mapping[str, Candidate],
    config: LinkConfig,
) -> tuple[str, ...]:
    """The largest set of members watching at-risk people from the same persona-only
    infrastructure, if it is a ring (module docstring); ``()`` otherwise."""
    core = sorted(
        a
        for a in group
        if _persona(candidates[a]) and candidates[a].aimed_recon >= config.ring_member_score
    )
    if len(core) < config.ring_min_members:
        return ()
    index = {a: i for i, a in enumerate(core)}
    joined: set[tuple[int, int]] = set()
    for who in own_addresses(tie_graph, candidates):
        here = sorted(index[a] for a in who if a in index)
        joined.update((here[0], j) for j in here[1:])
    best: tuple[str, ...] = ()
    for part in components(len(core), sorted(joined)):
        members = tuple(core[i] for i in part)
        if len(members) < config.ring_min_members:
            continue
        if noisy_or([candidates[a].aimed_recon for a in members]) >= config.strong_threshold:
            best = max(best, members, key=len)
    return best


__all__ = ["own_addresses", "watch_ring"]
