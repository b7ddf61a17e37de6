"""Lure rings of a crew: a lure ring whose every recipient one crew's rig alone watched
is that crew's.

A persona crew (:mod:`~.persona_crews`) is found through its script: the job contacts'
near-duplicate messages. When the firm's script comes in many variants (two openers
times several intros), its contacts fall into script components too small to be a
crew (``CREW_MIN_SENDERS``); those of them that deliver a lure are still found, as the
lure ring of their domain (:mod:`~.shared_infrastructure`), and a ring sharing a
sender with the crew joins it (:func:`~.shared_infrastructure.merge_rings`). A ring
whose senders all fell outside the crew had nothing to join it by, and became a second
record of the same operation (altsim ``ops-as-crowds`` tuning seed 97503: the six
senders of ``login-shopquay.online`` cut from their firm's crew, fragmentation 1.17).

What still ties such a ring to its crew is the rig: the ring's recipients were chosen
from the same signed-out reconnaissance. A lure ring **belongs to a crew** when

* none of its senders is a member of any crew (a ring that shares a sender with one
  crew already joins it; letting it reach a second crew by its rig would bridge two);
* it delivered to at least ``CREW_MIN_SENDERS`` people — the bound a script needs to
  be a crew of a rig: the lure domain plays the part the script plays there;
* every one of those people was watched by one rig of that crew (its rig, or a part's);
* and by **no rig of anyone else**: every rig that watched all of them is that crew's.
  Firms that watch overlapping people (ops-as-crowds: a rig covering 80-90 % of the
  next firm's targets) leave a ring whose recipients two rigs both cover unjoined,
  since the narrowest of them need not be its own (the merges of the same seed).

The join is one record, as for rings that share a sender: no account gains evidence
by it, and the ring stays a ring (its own corroboration) whether it joins or not.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from mercwatch.link.context import LinkContext, fetch
from mercwatch.link.hosts import link_events, match_domains
from mercwatch.link.persona_crews import CREW_MIN_SENDERS, PersonaCrew, Rigs
from mercwatch.link.shared_infrastructure import DIRECT_TYPES, LureRing


@dataclass(frozen=True, slots=True)
class RingOfCrew:
    """A lure ring joined to the crew whose rig alone watched all its recipients.

    ``senders`` holds the ring's senders and the crew's, so that
    :func:`~.shared_infrastructure.merge_rings` makes one record of them.
    """

    domain: str
    rig: str
    senders: tuple[str, ...]


def _recipients(ctx: LinkContext, rings: Sequence[LureRing]) -> dict[str, set[str]]:
    """Lure domain -> the people its ring's senders handed it to by direct message."""
    links = link_events(ctx)
    links = links.filter(links.type.isin(list(DIRECT_TYPES)) & links.target_id.notnull())
    matched = match_domains(links, {ring.domain for ring in rings})
    senders = {ring.domain: set(ring.senders) for ring in rings}
    out: dict[str, set[str]] = defaultdict(set)
    for row in fetch(matched.select("domain", "actor_id", "target_id").distinct()):
        if row["actor_id"] in senders.get(row["domain"], ()):
            out[row["domain"]].add(row["target_id"])
    return dict(out)


def rings_of_crews(
    ctx: LinkContext, rings: Sequence[LureRing], crews: Sequence[PersonaCrew], found: Rigs
) -> list[RingOfCrew]:
    """Every lure ring that belongs to a crew (module docstring), sorted by domain."""
    in_crew = {a for crew in crews for a in crew.senders}
    loose = [ring for ring in rings if not in_crew.intersection(ring.senders)]
    if not loose or not crews:
        return []
    crew_of_rig: dict[str, int] = {}
    for ci, crew in enumerate(crews):
        for rig in (crew.rig, *(rig for rig, _ in crew.parts)):
            crew_of_rig.setdefault(rig, ci)
    recipients = _recipients(ctx, loose)
    out = []
    for ring in sorted(loose, key=lambda r: r.domain):
        people = recipients.get(ring.domain, set())
        if len(people) < CREW_MIN_SENDERS:
            continue
        covering = {rig for rig, (watched, _) in found.items() if people <= watched}
        owners = {crew_of_rig.get(rig) for rig in covering}
        owner = next(iter(owners), None)
        if len(owners) != 1 or owner is None:
            continue
        crew, rig = crews[owner], min(covering)
        out.append(RingOfCrew(ring.domain, rig, tuple(sorted({*ring.senders, *crew.senders}))))
    return out


__all__ = ["RingOfCrew", "rings_of_crews"]
