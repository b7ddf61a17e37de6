"""Social standing: accounts with an ordinary life on the platform before the window.

Why (issue 11, authentic coordination): an office team, a family on shared devices or
the customers behind one carrier NAT look coordinated — one address, one tablet, the
same people looked up — yet every member is a long-lived account with friends made
long before anything we observe. The personas an operation runs are made or bought
for the job: they have no friendships of their own from before the window (they may
befriend their targets during it, which is the operation, not a history). So an
account is **established** when at least ``LinkConfig.established_min_friends``
friendships with accounts outside the candidate set existed before the window (the
contract's ``friendships``; one whose ``since`` falls inside the window does not
count). A group made only of established accounts is a community, and
:mod:`~.corroboration` asks it for evidence a community does not produce.

Without a ``friendships`` table nobody is established and the rule is inert: an
export that does not tell us about social lives cannot clear anyone. An operation
that hijacks or buys accounts with real friends evades this rule only if every
member is such an account; its malicious links still make it an operation.
"""

from __future__ import annotations

from collections.abc import Iterable

import ibis

from mercwatch.link.context import LinkContext, fetch, keys_table


def established_accounts(
    con: ibis.BaseBackend, ctx: LinkContext, candidates: Iterable[str]
) -> frozenset[str]:
    """Candidates with ``established_min_friends`` pre-window friends outside the candidates."""
    wanted = sorted(set(candidates))
    minimum = ctx.config.established_min_friends
    if not wanted or minimum <= 0:
        return frozenset()
    try:
        friendships = con.table("friendships")
    except Exception:  # backends raise their own "no such table" types
        return frozenset()
    if not {"a", "b"} <= set(friendships.columns):
        return frozenset()
    # The contract's friendships are connections from before the window; one dated
    # inside it anyway (an export that also lists new ones) does not count.
    before = friendships
    if "since" in friendships.columns:
        start = ctx.events.ts.min()
        before = friendships.filter(friendships.since.isnull() | (friendships.since < start))
    both = before.select(account="a", friend="b").union(
        before.select(account="b", friend="a"), distinct=True
    )
    keys = keys_table("account", wanted)
    mine = both.semi_join(keys, both.account == keys.account)
    outside = keys.select(friend="account")
    mine = mine.anti_join(outside, mine.friend == outside.friend)
    counts = mine.group_by("account").agg(friends=mine.friend.nunique())
    rows = fetch(counts.filter(counts.friends >= minimum))
    return frozenset(row["account"] for row in rows)
