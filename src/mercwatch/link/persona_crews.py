"""Persona crews: one-message personas tied to each other by the rig that chose their
recipients and by the script they paraphrase.

An operation can imitate a crowd with no link to deliver: thirty to eighty personas,
each made for the job, each sending ONE paraphrased message to one at-risk person,
from its own address and device. No pair shares a key (:mod:`~.graph`), no lure domain
ties them (:mod:`~.shared_infrastructure`), no detector scores one of them. What the
tactic cannot hide is how the work is divided: someone watched the people first, and
every persona writes to one of the people watched, in the words of one script.

A **job contact** is an account that

* has no friend from before the window (neither established nor rooted,
  :mod:`~.standing`): a persona made for the job, not a reader with a life on the
  platform (a crowd of sources, supporters or fans is people with friends);
* did exactly one thing besides logging in (``JOB_MAX_ACTS``): a direct message;
* wrote it to someone a signed-out rig watched (:mod:`~.watchers`: one browser or
  pool exit, never used signed in, watching many people, many of them at risk). Not
  only its at-risk *subjects*: an operation also hires personas to approach the
  ordinary people around a case (a party to a lawsuit, a relative).

Job contacts whose messages are near-duplicates (word 3-shingle Jaccard at least
``CREW_TEXT_SIMILARITY``; a paraphrased opener keeps most of its shingles while a
crowd's small talk shares none) form a **script**. A script of ``CREW_MIN_SENDERS``
or more whose recipients were ALL watched by one rig is a **persona crew** of that
rig; when several rigs cover them, the narrowest one (fewest people watched) is taken, the
most specific reconnaissance that explains every recipient. Scripts of one rig are
one crew, one record: the same reconnaissance fed them.

A script no single rig covers may be **split between two rigs** (:func:`rig_parts`):
an operation that scraped its people with two browsers hands the one script to
personas writing to either rig's people (altsim ``all`` tuning seed 74101: one script
of 60 personas, 57 recipients, the widest rig covering 56 of them, so the whole script
was lost). When two rigs together cover every recipient and each rig's *part* (the
senders whose recipients it watched, each sender given to the narrower of the two
that covers it) has ``CREW_MIN_SENDERS`` or more, the parts are one crew, each part
with its own rig's targets: every part is a crew by itself, so no rule is loosened,
and the shared script says the two are one operation. A crowd split over two rigs
still needs five newcomers with no friends writing one script to the people of each.

Why this is corroborated (:mod:`~.corroboration`): two independent families in two
kinds of evidence — reconnaissance (the rig's signed-out watching of at-risk people)
and engagement (the messages), joined not by a shared address or template alone (the
everyday coordination of an office or an agency) but by the recipients: every one of
them was watched by the rig first. A benign crowd has the friends (excluded as job
contacts), or writes to people nobody scraped, or not all in one script.

The rig's viewers are never accused: the rig has no account. The crew's accounts are
the operation's; the rig's people are its targets (:func:`~.watchers.with_watched`).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from mercwatch.graphs import named_components
from mercwatch.link.candidates import Candidate
from mercwatch.link.config import LinkConfig
from mercwatch.link.context import LinkContext, fetch, keys_table
from mercwatch.link.shared_infrastructure import DIRECT_TYPES
from mercwatch.link.similarity import template_pairs

JOB_MAX_ACTS = 1
"""Non-login events a job contact may have: the one message it was made to send."""

CREW_MIN_SENDERS = 5
"""Job contacts a script needs to be a crew (fewer: a coincidence of a few newcomers)."""

CREW_TEXT_SIMILARITY = 0.3
"""Word 3-shingle Jaccard from which two one-message texts are one paraphrased script."""

CREW_MEMBER_SCORE = 0.6
"""Own engagement score given to a crew member (a message to a watched stranger)."""

REASON_CREW = "persona_crew"
"""Candidate reason: one-message persona of a rig's crew (see :class:`PersonaCrew`)."""

Rigs = Mapping[str, tuple[set[str], set[str]]]


@dataclass(frozen=True, slots=True)
class PersonaCrew:
    """The job contacts of one rig's scripts."""

    rig: str
    senders: tuple[str, ...]
    parts: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """(rig, its senders) when the crew spans several rigs (:func:`rig_parts`)."""


def _job_messages(ctx: LinkContext, watched: set[str]) -> list[dict]:
    """(actor_id, target_id, text): accounts whose only non-login act is one direct
    message, written to someone a rig watched."""
    ev = ctx.events
    acts = ev.filter(ev.actor_id.notnull() & (ev.type != "login"))
    counts = acts.group_by("actor_id").agg(n=acts.count())
    single = counts.filter(counts.n <= JOB_MAX_ACTS).select("actor_id")
    msgs = acts.filter(acts.type.isin(list(DIRECT_TYPES)) & acts.text.notnull())
    msgs = msgs.semi_join(single, msgs.actor_id == single.actor_id)
    people = keys_table("target_id", watched)
    msgs = msgs.semi_join(people, msgs.target_id == people.target_id)
    return fetch(msgs.select("actor_id", "target_id", "text").distinct().order_by("actor_id"))


def _scripts(texts: Sequence[tuple[str, str]], config: LinkConfig) -> list[list[str]]:
    """Accounts grouped by near-duplicate text (components of the template pairs)."""
    pairs = template_pairs(
        [(a, t, 1) for a, t in texts],
        CREW_TEXT_SIMILARITY,
        config.template_min_tokens,
        config.template_num_perm,
        config.seed,
    )
    return [list(group) for group in named_components((a for a, _ in texts), pairs)]


def narrowest_rig(recipients: set[str], found: Rigs) -> str | None:
    """The rig that watched the fewest people among those that watched every recipient."""
    covering = [(len(people), key) for key, (people, _) in found.items() if recipients <= people]
    return min(covering)[1] if covering else None


def rig_parts(
    recipient: Mapping[str, set[str]], script: Sequence[str], found: Rigs
) -> dict[str, list[str]]:
    """``script``'s senders split between two rigs that together watched every
    recipient, each part at least ``CREW_MIN_SENDERS`` senders (module docstring);
    empty when no pair of rigs does. Each sender goes to the narrower rig of the pair
    that watched all its recipients; of several qualifying pairs the narrowest (fewest
    people watched in all, then by key) is taken."""
    rigs = sorted(found.items(), key=lambda kv: (len(kv[1][0]), kv[0]))
    best: tuple[int, str, dict[str, list[str]]] | None = None
    for i, (first, (people1, _)) in enumerate(rigs):
        for second, (people2, _) in rigs[i + 1 :]:
            parts: dict[str, list[str]] = {first: [], second: []}
            for sender in script:
                if recipient[sender] <= people1:
                    parts[first].append(sender)
                elif recipient[sender] <= people2:
                    parts[second].append(sender)
                else:
                    break
            else:
                if all(len(p) >= CREW_MIN_SENDERS for p in parts.values()):
                    key = (len(people1) + len(people2), f"{first}\n{second}", parts)
                    if best is None or key[:2] < best[:2]:
                        best = key
    return best[2] if best else {}


def persona_crews(
    ctx: LinkContext,
    found: Rigs,
    settled_of: Callable[[Sequence[str]], Iterable[str]],
) -> list[PersonaCrew]:
    """Every persona crew of the platform (see the module docstring), sorted by rig.

    ``settled_of(accounts)`` returns those with any friend from before the window
    (established or rooted, :mod:`~.standing`); asked once, for the job contacts.
    """
    watched = {p for people, _ in found.values() for p in people}
    if not watched:
        return []
    rows = _job_messages(ctx, watched)
    settled = set(settled_of(sorted({r["actor_id"] for r in rows})))
    rows = [r for r in rows if r["actor_id"] not in settled]
    recipient: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        recipient[r["actor_id"]].add(r["target_id"])
    texts = sorted({(r["actor_id"], r["text"]) for r in rows})
    by_rig: dict[str, set[str]] = defaultdict(set)
    joined: list[tuple[str, str]] = []  # rigs whose parts share one script
    for script in _scripts(texts, ctx.config):
        if len(script) < CREW_MIN_SENDERS:
            continue
        rig = narrowest_rig({p for a in script for p in recipient[a]}, found)
        if rig is not None:
            by_rig[rig].update(script)
            continue
        split = rig_parts(recipient, script, found)
        for part_rig, senders in split.items():
            by_rig[part_rig].update(senders)
        joined.extend(zip(sorted(split)[:-1], sorted(split)[1:], strict=True))
    crews = []
    for rigs in named_components(sorted(by_rig), joined):
        who = {a for rig in rigs for a in by_rig[rig]}
        parts = tuple((rig, tuple(sorted(by_rig[rig]))) for rig in sorted(rigs))
        crews.append(PersonaCrew(min(rigs), tuple(sorted(who)), parts if len(parts) > 1 else ()))
    return sorted(crews, key=lambda crew: crew.rig)


def with_crew_members(
    candidates: Mapping[str, Candidate], crews: Sequence[PersonaCrew]
) -> dict[str, Candidate]:
    """``candidates`` plus every crew member: its message to a watched stranger is its
    engagement evidence, the rig's watching the crew's reconnaissance."""
    out = dict(candidates)
    score = CREW_MEMBER_SCORE
    families = (("engagement", score), ("reconnaissance", score))
    for crew in crews:
        for account in crew.senders:
            known = out.get(account)
            if known is None:
                out[account] = Candidate(account, score, 0.0, (REASON_CREW,), families=families)
            elif REASON_CREW not in known.reasons:
                out[account] = dataclasses.replace(
                    known, reasons=tuple(sorted((*known.reasons, REASON_CREW)))
                )
    return out


def crew_rigs(crews: Sequence[PersonaCrew]) -> dict[str, str]:
    """Crew member -> its rig (its part's, for a crew spanning rigs), so the rig's
    people become the crew's operation's targets."""
    out = {a: crew.rig for crew in crews for a in crew.senders}
    out.update({a: rig for crew in crews for rig, senders in crew.parts for a in senders})
    return out


__all__ = [
    "PersonaCrew",
    "crew_rigs",
    "narrowest_rig",
    "persona_crews",
    "rig_parts",
    "with_crew_members",
]
