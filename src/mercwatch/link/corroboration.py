"""Corroboration before accusation: the one rule that lets a group become an operation.

An operation's outputs accuse people (accounts disabled) and alarm people (warnings),
so no single kind of evidence is enough. A group is corroborated when

* one member's own evidence spans at least two independent **families** —
  reconnaissance (watching, scraping, searching at-risk people), engagement
  (approaching them: personas, scripts), exploitation (delivering a flagged link) and
  infrastructure (acting through a flagged address or device few people use) and
  intel (delivering a domain or URL a peer's feed names: someone else's
  investigation) — each at ``corroboration_min_score`` or more; or
* at least two of its members are bound by one **strong infrastructure tie**: a
  rarely shared device with a member that has evidence of its own, or a link domain
  that only they, on the whole platform, ever sent (infrastructure they control).

Why: every family alone has an innocent crowd that produces it. Readers writing to a
journalist in the words of one viral post look like a script; a newsroom looks like
co-watching; a spammer delivers look-alike links; a household shares a device. What a
crowd does not do is several independent kinds of hostile acts at once, or drive its
accounts from the same phones and its own domains. A lone account can have no tie, so
it needs two families of its own: one flagged link from a spammer is abuse, not an
operation. Detectors listed in ``LinkConfig.tie_detectors`` restate shared
infrastructure and never count as a family (see :mod:`~.signals`).

A **community** — a group whose members all have friends made before the window and
most are established (:mod:`~.standing`, :func:`is_community`): an office team, a
family, neighbours behind one NAT — is held to more: it is corroborated only by what
a community does not do, delivering a link flagged malicious or sending a domain only
they ever send. Their shared address or tablet, their similar searches and their
looking at the same people are the ordinary life of people who know each other, not a
second family of evidence.

This is a necessary condition, checked in :func:`~.cluster.keep_group` on top of the
strength rules there; it never adds a group. It is about the group; whether each
member belongs to it is judged member by member in :mod:`~.membership`, by the same
bar (an operation grows only through ties of control, never through shared context).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mercwatch.link.candidates import REASON_LINK, Candidate
from mercwatch.link.config import LinkConfig
from mercwatch.link.graph import TieGraph
from mercwatch.link.similarity import pair

#: Families of evidence, independent of each other: a different act, seen by a
#: different detector on different events.
FAMILIES: tuple[str, ...] = (
    "reconnaissance",
    "engagement",
    "exploitation",
    "infrastructure",
    "intel",
)
#: Tie kinds strong enough alone: hard to share by accident or in a crowd.
STRONG_TIES: tuple[str, ...] = ("device", "own_domain")


@dataclass(frozen=True, slots=True)
class Corroboration:
    """What corroborates a group: its evidence families and its strong ties, sorted."""

    families: tuple[str, ...]
    strong_ties: tuple[str, ...]
    community: bool = False
    delivered_malicious: bool = False

    @property
    def corroborated(self) -> bool:
        """At least two families, or one strong infrastructure tie; for a community,
        a malicious delivery or a domain of its own."""
        if self.community:
            return self.delivered_malicious or "own_domain" in self.strong_ties
        return len(self.families) >= 2 or bool(self.strong_ties)


def families_of(
    group: tuple[str, ...], candidates: Mapping[str, Candidate], config: LinkConfig
) -> tuple[str, ...]:
    """The most evidence families one member reaches at ``config.corroboration_min_score``.

    Families add up within an account, not across a group held together by weak ties:
    in an office or a crowd one person watches and another writes, and an address or a
    phrase in common does not make them one actor. Across accounts, only a strong tie
    (:func:`strong_ties`) says that; it corroborates the group on its own.
    """
    best: set[str] = set()
    for account in group:
        found = {
            family
            for family, score in candidates[account].families
            if score >= config.corroboration_min_score
        }
        if len(found) > len(best) or (len(found) == len(best) and sorted(found) < sorted(best)):
            best = found
    return tuple(f for f in FAMILIES if f in best)


def strong_ties(
    group: tuple[str, ...],
    tie_graph: TieGraph | None,
    config: LinkConfig,
    candidates: Mapping[str, Candidate] | None = None,
) -> tuple[str, ...]:
    """Strong infrastructure ties binding two or more members of ``group``.

    A device tie corroborates only accounts that did something: at least one of the
    two carries own evidence (any family at ``corroboration_min_score``). A household
    sharing a tablet has none, and a neighbour on the same home line who searched for
    public figures is not made an operation by their tablet.
    """
    if tie_graph is None or len(group) < 2:
        return ()
    kinds: set[str] = set()
    members = set(group)
    if any(len(who) >= 2 and who <= members for who in tie_graph.exclusive.values()):
        kinds.add("own_domain")
    acting = sorted(
        a for a in group if candidates is None or _best_family(candidates[a]) >= _floor(config)
    )
    if any(
        tie_graph.ties.get(pair(a, b), {}).get("device", 0.0) >= config.min_edge_weight
        for a in acting
        for b in group
        if b != a
    ):
        kinds.add("device")
    return tuple(k for k in STRONG_TIES if k in kinds)


def _best_family(candidate: Candidate) -> float:
    return max((score for _, score in candidate.families), default=0.0)


def _floor(config: LinkConfig) -> float:
    return config.corroboration_min_score


def is_community(members: Sequence[Candidate]) -> bool:
    """Every member rooted (a friend from before the window) and most established.

    Why not all established: a team has a new hire, a family a teenager's new account,
    a marketing agency a junior with two friends; each still has a history on the
    platform. A persona made for the job has none, so one persona in a group makes it
    no community (see :mod:`~.standing`).
    """
    if not members or not all(m.rooted or m.established for m in members):
        return False
    return 2 * sum(m.established for m in members) > len(members)


def corroboration(
    group: tuple[str, ...],
    candidates: Mapping[str, Candidate],
    config: LinkConfig,
    tie_graph: TieGraph | None = None,
) -> Corroboration:
    """The corroboration of ``group`` (see the module docstring for the rule)."""
    members = [candidates[a] for a in group]
    return Corroboration(
        families_of(group, candidates, config),
        strong_ties(group, tie_graph, config, candidates),
        community=is_community(members),
        delivered_malicious=any(REASON_LINK in m.reasons for m in members),
    )
