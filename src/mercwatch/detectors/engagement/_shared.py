"""Derived tables the engagement and exploitation detectors share, built once per run.

* :func:`prior_friends` — friendships that existed before the exported window.
* :func:`approaches` — friend requests and messages to people the actor was not
  already connected to, flagged when the target is at-risk or a close contact.
* :func:`freshness` — accounts that are new, or old but with no connections (dormant
  shells), relative to the exported window.
* :func:`photo_groups` — accounts whose profile photos are identical or near
  duplicates (64-bit pHash, Hamming distance), with how tightly in time the group's
  accounts were created compared to chance.

Every definition lives here once so the detectors agree on what "stranger", "new"
or "same photo" means.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from mercwatch.detectors.base import DetectionContext, shared_table
from mercwatch.detectors.engagement.phash import group_table
from mercwatch.detectors.scoring import clamp01
from mercwatch.detectors.shared import accepts, both_directions, interest
from mercwatch.store.exprs import epoch_seconds

DAY_S = 86_400.0
# Event types by which an account approaches another person directly.
APPROACH_TYPES = ("friend_request", "message")


@shared_table("eng_prior_friends")
def prior_friends(ctx: DetectionContext) -> ir.Table:
    """Columns ``a``, ``b``: pre-window friendships, listed in both directions."""
    return both_directions(ctx.table("friendships").select(a="a", b="b"))


@shared_table("eng_approaches")
def approaches(ctx: DetectionContext) -> ir.Table:
    """Friend requests and messages to non-friends who had not written to the actor first.

    Columns ``event_id``, ``ts``, ``type``, ``actor``, ``target``, ``text``, ``url``,
    ``interest`` (the target is at-risk or a close contact) and ``kind``
    (``at_risk`` | ``contact`` | null).
    """
    events = ctx.table("events")
    ev = events.filter(
        events.type.isin(APPROACH_TYPES)
        & events.actor_id.notnull()
        & events.target_id.notnull()
        & (events.actor_id != events.target_id)
    ).select(
        event_id="event_id",
        ts="ts",
        type="type",
        actor="actor_id",
        target="target_id",
        text="text",
        url="url",
        at=epoch_seconds(events.ts),
    )
    cuts = _approach_cutoffs(ctx)
    ev = ev.anti_join(cuts, [ev.actor == cuts.a, ev.target == cuts.b, cuts.cut < ev.at])
    people = interest(ctx)
    ev = ev.left_join(people, ev.target == people.account_id)
    return ev.select(
        "event_id",
        "ts",
        "type",
        "actor",
        "target",
        "text",
        "url",
        interest=people.kind.notnull(),
        kind=people.kind,
    )


def _approach_cutoffs(ctx: DetectionContext) -> ir.Table:
    """Rows ``(a, b, cut)``: from time ``cut`` on, ``a`` writing to ``b`` is no approach.

    Three reasons in one table so the events pass one anti-join instead of four
    (each carried the message texts through its hash table):
    they were friends before the window (always), one accepted the other's request
    (from then on), or ``b`` wrote to ``a`` first (answering is a reply).
    """
    events = ctx.table("events")
    friends = prior_friends(ctx)
    always = friends.select(a="a", b="b", cut=ibis.literal(-1e18, type="float64"))
    acc = accepts(ctx)
    accepted = acc.select(a="by", b="of", cut="at")
    accepted = accepted.union(acc.select(a="of", b="by", cut="at"))
    first = events.filter(events.type.isin(APPROACH_TYPES))
    first_at = epoch_seconds(first.ts)
    answered = first.select(a=first.target_id, b=first.actor_id, cut=first_at)
    cuts = ibis.union(always, accepted, answered, distinct=False)
    # No grouping: the anti-join only asks whether any cut-off precedes the event.
    return cuts.filter(cuts.a.notnull() & cuts.b.notnull())


@shared_table("eng_freshness")
def freshness(
    ctx: DetectionContext, new_days: float = 30.0, dormant_days: float = 180.0
) -> ir.Table:
    """Columns ``account_id``, ``age_days`` (at the window start), ``kind``.

    ``kind`` is ``new`` (created at most ``new_days`` before the first exported event,
    or during the window), ``dormant`` (older than ``dormant_days``, no connection
    before the window, yet active in it) or null.
    """
    events = ctx.table("events")
    start = events.aggregate(window_start=epoch_seconds(events.ts.min()))
    acts = events.filter(events.actor_id.notnull())
    first = acts.group_by(account_id=acts.actor_id).aggregate(first_seen=acts.ts.min())
    accounts = ctx.table("accounts")
    friends = ctx.table("friendships")
    linked = friends.select(x="a").union(friends.select(x="b")).distinct()
    acc = accounts.left_join(first, accounts.account_id == first.account_id).select(
        account_id=accounts.account_id, created_at=accounts.created_at, first_seen=first.first_seen
    )
    acc = acc.left_join(linked, acc.account_id == linked.x).cross_join(start)
    window_start = acc.window_start
    created = epoch_seconds(acc.created_at)
    age_days = (window_start - created) / DAY_S
    is_new = age_days <= new_days
    dormant = (age_days >= dormant_days) & linked.x.isnull() & acc.first_seen.notnull()
    return acc.select(
        account_id=acc.account_id,
        age_days=age_days.cast("float64"),
        kind=ibis.cases((is_new, "new"), (dormant, "dormant"), else_=ibis.null("string")),
    )


@shared_table("eng_photo_groups")
def photo_groups(ctx: DetectionContext, max_distance: int = 6) -> ir.Table:
    """Accounts whose profile photo is shared, exactly or nearly, with other accounts.

    Columns ``account_id``, ``group`` (id of the near-duplicate photo group),
    ``accounts`` (distinct accounts in the group), ``hashes`` (distinct hashes),
    ``span_days`` (between the first and last account creation), ``span_share`` (the
    share of all accounts created in that span) and ``tightness`` = 1 − span_share /
    ((k−1)/(k+1)), the latter being the share expected between the first and last of
    k accounts drawn at random, clipped to 0..1: near 1 for a batch of accounts made
    together, near 0 for fans of a celebrity reusing a photo over years.
    """
    accounts = ctx.table("accounts")
    with_photo = accounts.filter(accounts.photo_hash.notnull())
    hashes = with_photo.select(h=with_photo.photo_hash.lower()).distinct().to_pyarrow()["h"]
    mapping = ibis.memtable(group_table(hashes.combine_chunks(), max_distance))
    # Creation time as a population quantile, so "close together" follows the
    # platform's real sign-up curve instead of a fixed number of days.
    ranked = accounts.mutate(q=ibis.percent_rank().over(ibis.window(order_by=accounts.created_at)))
    ranked = ranked.filter(ranked.photo_hash.notnull())
    a = ranked.select(
        account_id="account_id", created_at="created_at", q="q", h=ranked.photo_hash.lower()
    )
    joined = a.join(mapping, a.h == mapping.h).select("account_id", "created_at", "q", "group", a.h)
    created = epoch_seconds(joined.created_at)
    stats = joined.group_by("group").aggregate(
        accounts=joined.account_id.nunique(),
        hashes=joined.h.nunique(),
        span_days=((created.max() - created.min()) / DAY_S).cast("float64"),
        span_share=(joined.q.max() - joined.q.min()).cast("float64"),
    )
    stats = stats.filter(stats.accounts >= 2)
    out = joined.join(stats, "group")
    k = out.accounts.cast("float64")
    # Expected share of the population between the first and last of k random accounts.
    expected = (k - 1.0) / (k + 1.0)
    return out.select(
        "account_id",
        "group",
        "accounts",
        "hashes",
        "span_days",
        "span_share",
        tightness=clamp01(1.0 - out.span_share / expected),
    )
