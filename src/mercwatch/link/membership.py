"""Who is a member of an operation: growth only through evidence of control.

Community detection puts every candidate somewhere, and the ties that hold a group
together include everyday shared context: the office or carrier NAT address many
people use, the same at-risk people looked up (a newsroom, a fandom), one viral link,
an agency's template. A true operation that works near an office team would otherwise
take the whole team in (altsim ``all`` tuning seed 74102: eleven office colleagues,
two carrier-NAT neighbours and a fan joined a persona crew's operation through
co-targeting ties alone, and two were disabled). The group's corroboration
(:mod:`~.corroboration`) says the *operation* exists; it says nothing about each
member. So, after the cut, each member's place is judged on its own:

* **corroborated** members carry, themselves, what founding an operation needs, and
  an account with a social life (a friend from before the window, :mod:`~.standing`)
  what founding one *of a community* needs (:mod:`~.corroboration`): it delivered a
  link flagged malicious, or sends a link domain only the group ever sent. Two
  evidence families are enough only for a persona (no such friend): an NGO or
  newsroom colleague researches at-risk people and shares links for a living (altsim
  ``all`` 74102: an office member with at-risk search 1.0 and one weak link delivery
  at 0.30). Also corroborated: the members of a construct whose own rule joins
  reconnaissance and engagement or delivery (persona crews, lure rings), and an
  acting persona on a rarely shared device another acting member uses (the group's
  strong tie of :mod:`~.corroboration`; two colleagues with friends on one office
  laptop are a community's, and found nothing);
* members reached from a corroborated one through a **control tie** are corroborated
  too: a device or photo set at most ``infra_max_accounts`` accounts use, a link
  domain only the group sends, and between two personas (neither rooted) an address
  at most ``infra_max_accounts`` accounts use or the same script sent to the same
  people (a template tie *and* a co-targeting tie). A photo counts only as a *set*
  (:func:`is_control_tie`): a persona steals a real user's picture, so one copied
  photo between two accounts is as often thief and victim as two hands of one crew;
* everyone else is held by **context** only (an address, a target, a phrase, a link
  in common). A rooted account (a friend from before the window: a person with a
  social life) held by context is not a member: it is dropped from the operation. A
  persona held by context stays a member, *uncorroborated*: listed in
  :attr:`~mercwatch.model.Operation.uncorroborated_accounts`, and enforcement never
  disables it on its own (review at most, :mod:`mercwatch.enforce.policy`).

Why not a threshold: an office colleague who looks up the same journalists as a
persona crew has reconnaissance evidence as strong as the crew's (at-risk search 1.0);
no score tells them apart. What does is the kind of tie: a crew's personas share
phones, scripts sent to the same people, their own domains; a colleague shares only
what colleagues share. A group left with too little after this (no member, or failing
:func:`~.cluster.keep_group`) is no operation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from mercwatch.graphs import named_components
from mercwatch.link.candidates import REASON_LINK, Candidate
from mercwatch.link.config import LinkConfig
from mercwatch.link.context import popularity_discount
from mercwatch.link.graph import TieGraph
from mercwatch.link.similarity import Pair

#: Tie kinds that say "run by the same hands" whoever the two accounts are, when the
#: key is rarely shared (at most ``infra_max_accounts`` accounts platform-wide). A
#: photo does so only as a set (see :func:`is_control_tie`).
CONTROL_TIES: tuple[str, ...] = ("device", "photo")
#: The tie kind that is a control tie only as a set or beside another tie.
PHOTO_TIE = "photo"
#: Tie kinds that say so only between two personas (accounts with no friend from
#: before the window): a small address only they use; a template tie counts together
#: with a co-targeting tie (the same script to the same people).
PERSONA_CONTROL_TIES: tuple[str, ...] = ("ip",)


@dataclass(frozen=True, slots=True)
class Membership:
    """The groups as judged member by member.

    Attributes:
        groups: each input group without its context-only rooted accounts, sorted;
            groups left empty are gone.
        uncorroborated: kept members (personas) whose membership rests on context
            ties only: never disabled without review.
        dropped: rooted accounts removed as context, not members.
    """

    groups: list[tuple[str, ...]]
    uncorroborated: frozenset[str]
    dropped: frozenset[str]


def rare_tie_weight(kind: str, config: LinkConfig) -> float:
    """Weight of a ``kind`` tie through a key ``infra_max_accounts`` accounts share:
    graph weights are the kind's base weight times the key's popularity discount, so a
    tie at least this heavy is through something few accounts use."""
    return config.tie_weight(kind) * popularity_discount(config.infra_max_accounts) - 1e-9


def _families(candidate: Candidate, config: LinkConfig) -> int:
    return sum(1 for _, score in candidate.families if score >= config.corroboration_min_score)


def is_control_tie(
    kinds: Mapping[str, float],
    a: Candidate,
    b: Candidate,
    config: LinkConfig,
    photo_set: bool = True,
) -> bool:
    """Whether a tie between ``a`` and ``b`` is evidence of common control (see the
    module docstring); everyday context (a popular address, targets or a phrase in
    common between people with friends) is not.

    A rare photo says "same hands" only when it is not the one-to-one copy of a real
    person's picture: personas steal a real user's photo (sim baseline 9763 at 50k: a
    new account whose photo a persona wore was reached through that tie alone and
    disabled). So a photo tie counts when ``photo_set`` (the photo is an operation's
    stock set: three or more members of the group wear it, or three or more accounts
    platform-wide) or when the pair shares another tie of at least
    ``min_edge_weight`` (a thief and its victim share a picture, not a life).
    """
    for kind in CONTROL_TIES:
        if kinds.get(kind, 0.0) < rare_tie_weight(kind, config):
            continue
        if kind != PHOTO_TIE or photo_set or _beside_photo(kinds, config):
            return True
    if not (a.persona and b.persona):
        return False
    if any(kinds.get(k, 0.0) >= rare_tie_weight(k, config) for k in PERSONA_CONTROL_TIES):
        return True
    floor = config.min_edge_weight
    return kinds.get("template", 0.0) >= floor and kinds.get("cotarget", 0.0) >= floor


def _beside_photo(kinds: Mapping[str, float], config: LinkConfig) -> bool:
    """Whether a pair tied by a photo also has another tie of its own weight."""
    return any(w >= config.min_edge_weight for k, w in kinds.items() if k != PHOTO_TIE)


def _photo_sets(ties: Sequence[tuple[Pair, Mapping[str, float]]], config: LinkConfig) -> set[str]:
    """Members wearing a rare photo that three or more accounts wear: three or more
    members joined by rare photo ties, or a photo tie lighter than a two-account one
    (its key is worn by three or more accounts platform-wide). A stolen picture is
    copied once per persona; an operation's stock photo is worn by its crew."""
    floor = rare_tie_weight(PHOTO_TIE, config)
    pair_weight = config.tie_weight(PHOTO_TIE) - 1e-9
    photo = [(pair, kinds[PHOTO_TIE]) for pair, kinds in ties if kinds.get(PHOTO_TIE, 0.0) >= floor]
    widely = {x for pair, weight in photo if weight < pair_weight for x in pair}
    sets = named_components((), (pair for pair, _ in photo))
    return widely | {x for group in sets if len(group) >= 3 for x in group}


def founders(
    group: Sequence[str],
    candidates: Mapping[str, Candidate],
    tie_graph: TieGraph,
    config: LinkConfig,
    constructs: frozenset[str] = frozenset(),
    ties: Sequence[tuple[Pair, Mapping[str, float]]] = (),
) -> set[str]:
    """Members whose own evidence or own infrastructure corroborates their membership,
    before any tie to another member is followed (``ties``: the group's inner ties)."""
    members = set(group)
    found = {
        a
        for a in group
        if a in constructs
        or REASON_LINK in candidates[a].reasons
        or (candidates[a].persona and _families(candidates[a], config) >= 2)
    }
    for senders in tie_graph.exclusive.values():
        if len(senders) >= 2 and senders <= members:
            found |= senders
    device_floor = rare_tie_weight("device", config)
    for (a, b), kinds in ties:
        if kinds.get("device", 0.0) >= device_floor and all(
            _families(candidates[x], config) for x in (a, b)
        ):
            found |= {x for x in (a, b) if candidates[x].persona}
    return found


def judge_members(
    groups: Iterable[tuple[str, ...]],
    candidates: Mapping[str, Candidate],
    tie_graph: TieGraph,
    config: LinkConfig,
    constructs: frozenset[str] = frozenset(),
) -> Membership:
    """Each group with its members judged (module docstring): corroborated members and
    what control ties reach from them stay; personas held by context stay,
    uncorroborated; rooted accounts held by context leave."""
    groups = list(groups)
    inner = _inner_ties(groups, tie_graph)
    kept: list[tuple[str, ...]] = []
    uncorroborated: set[str] = set()
    dropped: set[str] = set()
    for gi, group in enumerate(groups):
        ties = inner.get(gi, [])
        start = founders(group, candidates, tie_graph, config, constructs, ties)
        sure = _reach(start, ties, candidates, config)
        rest = [a for a in group if a not in sure]
        context = {a for a in rest if not candidates[a].persona}
        dropped |= context
        uncorroborated |= set(rest) - context
        left = tuple(sorted(a for a in group if a not in context))
        if left:
            kept.append(left)
    return Membership(sorted(kept), frozenset(uncorroborated), frozenset(dropped))


def _inner_ties(
    groups: Sequence[tuple[str, ...]], tie_graph: TieGraph
) -> dict[int, list[tuple[Pair, Mapping[str, float]]]]:
    """Ties between two members of one group, bucketed by group in one pass."""
    owner = {a: gi for gi, group in enumerate(groups) for a in group}
    inner: dict[int, list[tuple[Pair, Mapping[str, float]]]] = {}
    for tie, kinds in sorted(tie_graph.ties.items()):
        ga = owner.get(tie[0])
        if ga is not None and ga == owner.get(tie[1]):
            inner.setdefault(ga, []).append((tie, kinds))
    return inner


def _reach(
    start: set[str],
    ties: Sequence[tuple[Pair, Mapping[str, float]]],
    candidates: Mapping[str, Candidate],
    config: LinkConfig,
) -> set[str]:
    """``start`` and every member reached from it through control ties."""
    control: dict[str, list[str]] = {}
    sets = _photo_sets(ties, config)
    for (a, b), kinds in ties:
        in_set = a in sets and b in sets
        if is_control_tie(kinds, candidates[a], candidates[b], config, in_set):
            control.setdefault(a, []).append(b)
            control.setdefault(b, []).append(a)
    sure = set(start)
    frontier = sorted(sure)
    while frontier:
        nxt = sorted({b for a in frontier for b in control.get(a, ()) if b not in sure})
        sure.update(nxt)
        frontier = nxt
    return sure


__all__ = [
    "CONTROL_TIES",
    "PERSONA_CONTROL_TIES",
    "Membership",
    "founders",
    "is_control_tie",
    "judge_members",
    "rare_tie_weight",
]
