"""Social standing: accounts with an ordinary life on the platform before the window.

Why (issue 11, authentic coordination): an office team, a family on shared devices or
the customers behind one carrier NAT look coordinated — one address, one tablet, the
same people looked up — yet every member is a long-lived account with friends made
long before anything we observe. The personas an operation runs are made or bought
for the job: they have no friendships of their own from before the window (they may
befriend their targets during it, which is the operation, not a history). So an
account is **established** when at least ``LinkConfig.established_min_friends``
friendships existed before the window (the contract's ``friendships``; one whose
``since`` falls inside the window does not count) with accounts that vouch for it:
accounts outside the candidate set, or candidates established themselves (standing
spreads from outside in, so personas befriending each other never gain it). An
account with at least one such friend is **rooted**. A group whose members are all
rooted and mostly established is a community (a team with a new hire, a family with
a teenager's new account), and :mod:`~.corroboration` asks it for evidence a
community does not produce.

Without a ``friendships`` table nobody is established and the rule is inert: an
export that does not tell us about social lives cannot clear anyone. An operation
that hijacks or buys accounts with real friends evades this rule only if every
member is such an account; its malicious links still make it an operation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import ibis

from mercwatch.link.context import LinkContext, fetch, keys_table


def established_accounts(
    con: ibis.BaseBackend, ctx: LinkContext, candidates: Iterable[str]
) -> frozenset[str]:
    """Candidates with ``established_min_friends`` pre-window friends who vouch for them."""
    return social_standing(con, ctx, candidates).established


def settled_accounts(
    con: ibis.BaseBackend, ctx: LinkContext, candidates: Iterable[str]
) -> frozenset[str]:
    """Candidates with any vouching pre-window friend (established or rooted)."""
    standing = social_standing(con, ctx, candidates)
    return standing.established | standing.rooted


@dataclass(frozen=True, slots=True)
class Standing:
    """Candidates with a social life from before the window.

    ``established``: at least ``established_min_friends`` pre-window friends that vouch
    (an account outside the candidates, or an established candidate); ``rooted``: at
    least one. Personas made for the job are neither.
    """

    established: frozenset[str] = frozenset()
    rooted: frozenset[str] = frozenset()


def social_standing(con: ibis.BaseBackend, ctx: LinkContext, candidates: Iterable[str]) -> Standing:
    """Who among ``candidates`` is established or rooted (see :class:`Standing`).

    Why friends inside the candidate set count once they are established themselves:
    an office's staff are each other's friends, and when the office looks people up
    together most of them become candidates; a colleague whose other friends are all
    colleagues is no less a person with a history. A ring of personas cannot lift
    itself this way: standing starts from friends outside the candidates and spreads
    only through accounts that already have it, so personas without friends of their
    own never reach it, however much they befriend each other.
    """
    wanted = sorted(set(candidates))
    minimum = ctx.config.established_min_friends
    if not wanted or minimum <= 0:
        return Standing()
    rows = _pre_window_friends(con, ctx, wanted)
    if rows is None:
        return Standing()
    inside = set(wanted)
    outside: dict[str, int] = defaultdict(int)
    peers: dict[str, set[str]] = defaultdict(set)
    for account, friend in rows:
        if friend in inside:
            peers[account].add(friend)
        else:
            outside[account] += 1
    established = {a for a in wanted if outside[a] >= minimum}
    grew = True
    while grew:  # monotone: each pass only adds, so it ends
        fresh = {
            a
            for a in wanted
            if a not in established and outside[a] + len(peers[a] & established) >= minimum
        }
        established |= fresh
        grew = bool(fresh)
    rooted = {a for a in wanted if outside[a] + len(peers[a] & established) >= 1}
    return Standing(frozenset(established), frozenset(rooted | established))


def _pre_window_friends(
    con: ibis.BaseBackend, ctx: LinkContext, wanted: list[str]
) -> list[tuple[str, str]] | None:
    """(candidate, friend) for every friendship from before the window; ``None`` when
    the export has no usable ``friendships`` table."""
    try:
        friendships = con.table("friendships")
    except Exception:  # backends raise their own "no such table" types
        return None
    if not {"a", "b"} <= set(friendships.columns):
        return None
    # The contract's friendships are connections from before the window; one dated
    # inside it anyway (an export that also lists new ones) does not count.
    before = friendships
    if "since" in friendships.columns:
        start = ctx.events.ts.min()
        before = friendships.filter(friendships.since.isnull() | (friendships.since < start))
    # Each direction is narrowed to the candidates before the union: the distinct
    # step then sees their friendships only, not the platform's (same rows).
    keys = keys_table("account", wanted)
    ab = before.semi_join(keys, before.a == keys.account).select(account="a", friend="b")
    ba = before.semi_join(keys, before.b == keys.account).select(account="b", friend="a")
    mine = ab.union(ba, distinct=True)
    return [(row["account"], row["friend"]) for row in fetch(mine.order_by(["account", "friend"]))]
