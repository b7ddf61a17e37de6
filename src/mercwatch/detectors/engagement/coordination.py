"""Coordination: accounts that share infrastructure and approach the same people together.

An operation runs its personas from a few machines and rented addresses. Two
accounts sharing rare infrastructure (an address few others use, a device, an
uncommon e-mail domain) that both approach at-risk people more than their peers do
— and, stronger still, first approach the same people within a few days of each
other, as SynchroTrap (Cao et al., CCS 2014) looks for loosely synchronised actions
on the same objects — are probably run by one operator. Shared addresses are weighted
down by how many accounts use them (office and carrier NAT, via ``ip_breadth``),
devices and e-mail domains by their frequency in the data; candidate pairs come from
shared items only, so no all-pairs join is ever built.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from mercwatch.detectors.base import DetectionContext, Detector
from mercwatch.detectors.engagement._shared import approaches, prior_friends
from mercwatch.detectors.scoring import (
    clamp01,
    combine_partners,
    exact_sum,
    fmt,
    noisy_or,
    saturating,
    shrunk_lift,
)
from mercwatch.detectors.shared import account_addresses, interest, ip_breadth
from mercwatch.model import Phase
from mercwatch.store.exprs import epoch_seconds

# Ways of acting on a specific person.
TOUCH_TYPES = ("friend_request", "message", "view_profile", "share_link", "post")


class Coordination(Detector):
    """Pairs of accounts on shared uncommon infrastructure that both work on at-risk people."""

    id = "engagement.coordination"
    version = 1
    phase = Phase.ENGAGEMENT
    reads = ("accounts", "friendships", "events")
    description = (
        "Accounts sharing uncommon IPs, devices or e-mail domains that approach at-risk "
        "people and their contacts, above their peers' rate, often the same people."
    )
    defaults = {
        "window_hours": 72.0,  # first touches of one person this close count as synchronous
        "max_infra_accounts": 50,  # addresses/devices/domains shared more widely are NAT or popular
        "half_infra": 0.5,
        "half_targets": 1.5,  # at-risk/contact people approached for engagement 0.5
        "half_common": 1.0,  # people co-approached in synchrony for 0.5
        "w_engaged": 0.8,  # both accounts engage at-risk people (not necessarily the same)
        "w_sync": 0.9,  # they approach the same people within the window
        "prior_weight": 1.0,
        "min_score": 0.1,
    }

    def detect(self, ctx: DetectionContext) -> ir.Table:
        eng = self._engagement(ctx)
        ea = eng.select(a="account", eng_a="eng", n_a="interest_n")
        eb = eng.select(b="account", eng_b="eng", n_b="interest_n")
        # Pairs of accounts that both approached someone, and only their touches, are
        # materialised before timing: left to one query, the planner joins every two
        # touches of a popular person (or filters every touch by friendship) first.
        pairs = ctx.shared(
            "eng_coordination_pairs", lambda _: self._infra_pairs(ctx).join(ea, "a").join(eb, "b")
        )
        involved = pairs.select(actor="a").union(pairs.select(actor="b"))
        touches = ctx.shared("eng_coordination_touches", lambda _: self._touches(ctx, involved))
        pairs = self._with_sync(ctx, pairs, touches)
        p = lambda name: self.p(ctx, name)  # noqa: E731
        infra = saturating(pairs.infra_w, p("half_infra"))
        both = (pairs.eng_a * pairs.eng_b).sqrt()
        sync = saturating(pairs.common, p("half_common"))
        pairs = pairs.mutate(
            pair=clamp01(infra * noisy_or([(both, p("w_engaged")), (sync, p("w_sync"))]))
        )
        cols = dict(pair="pair", common="common", shared="shared")
        return self._per_account(
            ctx,
            pairs.select(account="a", partner="b", n_partner="n_b", **cols).union(
                pairs.select(account="b", partner="a", n_partner="n_a", **cols)
            ),
        )

    def _touches(self, ctx: DetectionContext, actors: ir.Table) -> ir.Table:
        """First touch (epoch seconds) of each non-friend by each of ``actors``."""
        events = ctx.table("events")
        ev = events.filter(
            events.type.isin(TOUCH_TYPES)
            & events.actor_id.notnull()
            & events.target_id.notnull()
            & (events.actor_id != events.target_id)
        )
        ev = ev.semi_join(actors, ev.actor_id == actors.actor)
        first = ev.group_by(actor=ev.actor_id, target=ev.target_id).aggregate(
            t=epoch_seconds(ev.ts).min()
        )
        fr = prior_friends(ctx)
        return first.anti_join(fr, (first.actor == fr.a) & (first.target == fr.b))

    def _engagement(self, ctx: DetectionContext) -> ir.Table:
        """Per account: at-risk/contact people approached, lifted over peers' base rate.

        Peers are accounts of the same standing: journalists and activists write to
        each other as a matter of course, so their rate is judged against theirs.
        """
        ap = approaches(ctx)
        people = interest(ctx)
        pairs = ap.select("actor", "target", "interest").distinct()
        pairs = pairs.left_join(people, pairs.actor == people.account_id)
        pairs = pairs.select("actor", "target", "interest", peer=people.kind.fill_null("other"))
        base = pairs.group_by("peer").aggregate(base_share=pairs.interest.cast("float64").mean())
        per = pairs.group_by(["actor", "peer"]).aggregate(
            n=pairs.target.nunique(), interest_n=pairs.target.nunique(where=pairs.interest)
        )
        per = per.join(base, "peer")
        lift = shrunk_lift(per.interest_n, per.n, per.base_share, self.p(ctx, "prior_weight"))
        return per.select(
            account=per.actor,
            interest_n=per.interest_n,
            eng=saturating(per.interest_n, self.p(ctx, "half_targets")) * lift,
        )

    def _with_sync(self, ctx: DetectionContext, pairs: ir.Table, touches: ir.Table) -> ir.Table:
        """People both accounts of a pair first approached within the window of each other."""
        window = float(self.p(ctx, "window_hours")) * 3600.0
        x = touches.select(xa="actor", target="target", ta="t")
        y = touches.select(yb="actor", y_target="target", tb="t")
        j = (
            pairs.select("a", "b")
            .join(x, ibis._.a == x.xa)
            .join(
                y,
                [ibis._.b == y.yb, ibis._.target == y.y_target, (ibis._.ta - y.tb).abs() <= window],
            )
        )
        common = j.group_by(["a", "b"]).aggregate(common=j.target.nunique())
        out = pairs.left_join(common, ["a", "b"]).select(pairs, common=ibis._.common)
        return out.mutate(common=out.common.fill_null(0))

    def _infra_items(self, ctx: DetectionContext) -> ir.Table:
        """(account, item, weight): uncommon addresses, devices and e-mail domains."""
        cap = self.p(ctx, "max_infra_accounts")
        events = ctx.table("events").filter(lambda e: e.actor_id.notnull())
        seen = account_addresses(ctx)
        ips = seen.select(account="actor", item="ip").distinct()
        breadth = ip_breadth(ctx)
        ips = ips.join(breadth, ips.item == breadth.ip).select("account", item="ip", n="accounts")
        ips = ips.mutate(kind=ibis.literal("ip"))
        dev = (
            events.filter(events.device_id.notnull())
            .select(account="actor_id", item="device_id")
            .distinct()
        )
        # Rows are distinct (account, item), so a windowed count is the number of
        # accounts per item; Spark has no DISTINCT window aggregates.
        dev = dev.mutate(
            n=dev.account.count().over(ibis.window(group_by=dev.item)),
            kind=ibis.literal("device"),
        )
        acc = ctx.table("accounts")
        dom = acc.filter(acc.email_domain.notnull()).select(
            account="account_id", item=acc.email_domain.lower()
        )
        dom = dom.mutate(
            n=dom.account.count().over(ibis.window(group_by=dom.item)),
            kind=ibis.literal("email domain"),
        )
        cols = ("account", "item", "n", "kind")
        items = ips.select(*cols).union(dev.select(*cols)).union(dom.select(*cols))
        items = items.filter((items.n >= 2) & (items.n <= cap))
        return items.mutate(w=1.0 / (items.n - 1).cast("float64").sqrt())

    def _infra_pairs(self, ctx: DetectionContext) -> ir.Table:
        """Account pairs sharing uncommon items, with summed weights and item kinds."""
        items = self._infra_items(ctx)
        ia = items.select(a="account", item="item", kind="kind", w="w")
        ib = items.select(b="account", item_b="item", kind_b="kind")
        shared = ia.join(ib, [ia.item == ib.item_b, ia.kind == ib.kind_b, ia.a < ib.b])
        return shared.group_by(["a", "b"]).aggregate(
            infra_w=exact_sum(shared.w),
            shared=shared.kind.collect(distinct=True).sort().join(", "),
        )

    def _per_account(self, ctx: DetectionContext, both: ir.Table) -> ir.Table:
        per = combine_partners(both, keep=("common", "n_partner", "shared"))
        per = per.filter(per.score >= self.p(ctx, "min_score"))
        detail = (
            "shares infrastructure with "
            + per.partners.cast("string")
            + " accounts that also approach "
            + "at-risk people; strongest with "
            + per.best_partner
            + " (shared "
            + per.best_shared
            + "; it "
            + "approached "
            + per.best_n_partner.cast("string")
            + " at-risk users/contacts, "
            + per.best_common.cast("string")
            + " of the same people within the window; pair score "
            + fmt(per.best)
            + ")"
        )
        return per.select(
            subject_type=ibis.literal("account"),
            subject=per.account,
            score=per.score,
            detail=detail,
        )
