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

**Scripts cut into pieces, pooled by rig** (:func:`rig_pools`). A firm's script is two
or three openers paraphrased many ways, so near-duplicate components of one firm's job
contacts often fall under ``CREW_MIN_SENDERS`` (altsim ops-as-crowds 97503 at 10k: one
firm's 30 in components of 6, 5, 4, 4, 3, 3 and five of 1; at 50k several firms send no
link, so nothing else catches the pieces). The rig is the stronger evidence: each piece
goes to the narrowest rig that watched all its recipients, and within one rig's
senders the pieces are joined by a looser likeness (``CREW_POOL_SIMILARITY``: the rig
already says who fed them, the words need only say "one script", not "one paraphrase";
it also recovers near-duplicate pairs the MinHash index missed). A joined group of
``CREW_MIN_SENDERS`` or more is the rig's crew. Five newcomers who each wrote once to
people a rig watched, in words that share nothing (small talk, their own questions),
stay out.
A component no rig and no pair of rigs covers is **cut by rig** instead of dropped whole:
each sender goes to the narrowest rig that watched its recipient, and the senders of one
rig are a piece. Firms' scripts bridged by a few shared-opener-and-topic pairs (altsim
ops-as-crowds 97503 at 50k: 59 senders of three firms joined by 4 of 133 pairs) then go
each to its own firm's rig, not lost together. A crowd still needs newcomers with no
friend and no other act, writing to people a signed-out rig scraped.

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
from mercwatch.link.similarity import shingles, template_pairs

JOB_MAX_ACTS = 1
"""Non-login events a job contact may have: the one message it was made to send."""

CREW_MIN_SENDERS = 5
"""Job contacts a script needs to be a crew (fewer: a coincidence of a few newcomers)."""

CREW_POOL_SIMILARITY = 0.2
"""Word 3-shingle Jaccard from which two job contacts of ONE rig paraphrase one script
(:func:`rig_pools`): one firm's openers and paraphrase prefixes share a fifth of their
shingles (altsim ops-as-crowds 97503: 0.19-0.44 between one firm's pieces at 10k); two
newcomers' small talk or unrelated questions share none."""

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


def cut_by_rig(
    recipient: Mapping[str, set[str]], script: Sequence[str], found: Rigs
) -> dict[str, list[str]]:
    """``script``'s senders by the narrowest rig that watched all their recipients (a
    sender no rig covers is left out): the pieces of a script no rig covers whole."""
    out: dict[str, list[str]] = defaultdict(list)
    for sender in script:
        rig = narrowest_rig(recipient[sender], found)
        if rig is not None:
            out[rig].append(sender)
    return dict(out)


def _alike(
    senders: Sequence[str], text: Mapping[str, str], min_tokens: int
) -> list[tuple[str, str]]:
    """Pairs of ``senders`` whose messages share ``CREW_POOL_SIMILARITY`` of their word
    3-shingles, compared exactly: one rig's job contacts are few (tens to hundreds), and
    near the bound a MinHash index misses pairs (altsim ops-as-crowds 97503: one firm's
    pieces at Jaccard 0.42-0.44 that the index never paired at 0.3)."""
    sets = [(a, s) for a in senders if (s := shingles(text[a], min_tokens))]
    return [
        (a, b)
        for i, (a, first) in enumerate(sets)
        for b, second in sets[i + 1 :]
        if _jaccard(first, second) >= CREW_POOL_SIMILARITY
    ]


def _closest_rig(
    narrowest: str,
    piece: Sequence[str],
    recipient: Mapping[str, set[str]],
    found: Rigs,
    anchors: Mapping[str, set[str]],
    text: Mapping[str, str],
    config: LinkConfig,
) -> str | None:
    """The rig a small script piece goes to: the rig whose senders (``anchors``: every
    job contact first given to it, the piece's own left out) its words are closest
    to, at ``CREW_POOL_SIMILARITY`` or more, if that rig watched all its recipients,
    and none (the piece stays out) if it did not; a piece like no rig's senders goes
    to the narrowest rig that watched its recipients (``narrowest``).

    When firms' rigs watch largely the same people (altsim ops-as-crowds at 10k: each
    rig covers 80-90 % of the next firm's targets), the narrowest covering rig of a
    one- or two-sender piece is often another firm's; pooled there, the piece joins
    that firm's crew, and the lure ring it shares with its own firm joins two firms'
    records (ops-as-crowds 97502, 96402 at 10k, 97503 at 50k). The words say which
    firm wrote; the rig must agree, or the piece is not taken.
    """
    people = {p for a in piece for p in recipient[a]}
    own = set(piece)
    mine = [s for a in piece if (s := shingles(text[a], config.template_min_tokens))]
    best: tuple[float, int, str] | None = None
    for rig, members in sorted(anchors.items()):
        likeness = max(
            (
                _jaccard(first, second)
                for a in sorted(members - own)
                if (second := shingles(text[a], config.template_min_tokens))
                for first in mine
            ),
            default=0.0,
        )
        key = (-likeness, len(found[rig][0]), rig)
        if likeness >= CREW_POOL_SIMILARITY and (best is None or key < best):
            best = key
    if best is None:
        return narrowest
    return best[2] if people <= found[best[2]][0] else None


def _jaccard(first: set[str], second: set[str]) -> float:
    return len(first & second) / len(first | second)


def rig_pools(
    pieces: Iterable[tuple[str, Sequence[str]]], text: Mapping[str, str], config: LinkConfig
) -> dict[str, set[str]]:
    """Rig -> the senders of its script pieces that one script joins, for each rig where
    they number ``CREW_MIN_SENDERS`` or more (module docstring).

    Within one rig's senders a piece (kept whole) joins another when two of their
    messages are near-duplicates at ``CREW_POOL_SIMILARITY``: the rig already says who
    fed them, so the words need only say they paraphrase one script, not that they are
    the same paraphrase. Senders whose words share nothing with the rest stay out.
    """
    by_rig: dict[str, list[Sequence[str]]] = defaultdict(list)
    for rig, senders in pieces:
        by_rig[rig].append(senders)
    out: dict[str, set[str]] = {}
    for rig, parts in sorted(by_rig.items()):
        senders = sorted({a for part in parts for a in part})
        if len(senders) < CREW_MIN_SENDERS:
            continue
        pairs = _alike(senders, text, config.template_min_tokens)
        kept = [(part[0], a) for part in parts for a in part[1:]]
        groups = named_components(senders, [*pairs, *kept])
        taken = {a for group in groups if len(group) >= CREW_MIN_SENDERS for a in group}
        if taken:
            out[rig] = taken
    return out


def _pooled(
    pieces: Sequence[tuple[str, Sequence[str]]],
    whole: Mapping[str, set[str]],
    recipient: Mapping[str, set[str]],
    found: Rigs,
    text: Mapping[str, str],
    config: LinkConfig,
) -> dict[str, set[str]]:
    """:func:`rig_pools` of ``pieces``, each piece under ``CREW_MIN_SENDERS`` placed by
    :func:`_closest_rig` against every sender first given to each rig (the pieces'
    narrowest rigs, and ``whole``: rig parts)."""
    anchors: dict[str, set[str]] = defaultdict(set)
    for rig, senders in [*pieces, *whole.items()]:
        anchors[rig].update(senders)
    placed: list[tuple[str, Sequence[str]]] = []
    for rig, senders in pieces:
        if len(senders) >= CREW_MIN_SENDERS:
            placed.append((rig, senders))
        elif closest := _closest_rig(rig, senders, recipient, found, anchors, text, config):
            placed.append((closest, senders))
    return rig_pools(placed, text, config)


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
    pieces: list[tuple[str, Sequence[str]]] = []
    for script in _scripts(texts, ctx.config):
        rig = narrowest_rig({p for a in script for p in recipient[a]}, found)
        if rig is not None:
            pieces.append((rig, script))
            continue
        split = rig_parts(recipient, script, found)
        if not split:  # covered by no rig and no pair: cut by rig, not dropped whole
            pieces.extend(cut_by_rig(recipient, script, found).items())
            continue
        for part_rig, senders in split.items():
            by_rig[part_rig].update(senders)
        joined.extend(zip(sorted(split)[:-1], sorted(split)[1:], strict=True))
    for rig, pooled in _pooled(pieces, by_rig, recipient, found, dict(texts), ctx.config).items():
        by_rig[rig].update(pooled)
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
    "cut_by_rig",
    "narrowest_rig",
    "persona_crews",
    "rig_parts",
    "rig_pools",
    "with_crew_members",
]
