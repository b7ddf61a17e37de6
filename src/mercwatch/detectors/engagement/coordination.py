"""Coordination: accounts that share infrastructure and approach the same people together.

SynchroTrap (Cao et al., CCS 2014) finds account groups by their loosely synchronised
actions on the same objects; here the objects are people. Two accounts that first
touch several of the same strangers within a time window, and also share rare
infrastructure (an address few others use, a device, an uncommon e-mail domain),
are probably run by one operator. Shared addresses are weighted down by how many
accounts use them (office and carrier NAT), e-mail domains by their frequency in the
data, and targets that very many strangers approach (celebrities) are left out.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from mercwatch.detectors.base import DetectionContext, Detector, clamp01, saturating
from mercwatch.detectors.engagement.scoring import fmt, shrunk_lift
from mercwatch.detectors.shared import interest, ip_breadth
from mercwatch.model import Phase

# Ways of acting on a specific person.
TOUCH_TYPES = ("friend_request", "message", "view_profile", "share_link", "post")


class Coordination(Detector):
    """Pairs of accounts co-targeting the same strangers in synchrony over shared infrastructure."""

    id = "engagement.coordination"
    version = 1
    phase = Phase.ENGAGEMENT
    reads = ("accounts", "friendships", "events")
    description = ("Accounts sharing uncommon IPs, devices or e-mail domains that approach the same "
                   "people within hours of each other.")
    defaults = {
        "window_hours": 24.0,  # first touches of one person this close count as synchronous
        "max_target_actors": 50,  # people approached by more strangers are treated as public figures
        "max_infra_accounts": 50,  # addresses/devices/domains shared more widely are NAT or popular
        "min_common": 2,  # people a pair must co-target
        "half_common": 2.0,
        "half_infra": 0.5,
        "infra_floor": 0.3,  # weight of synchrony with no shared infrastructure
        "target_floor": 0.3,  # weight of synchrony on people no more at-risk than usual
        "prior_weight": 1.0,
        "min_score": 0.1,
    }

    def detect(self, ctx: DetectionContext) -> ir.Table:
        touches = self._touches(ctx)
        pairs = self._sync_pairs(ctx, touches)
        pairs = self._with_infra(ctx, pairs)
        p = lambda name: self.p(ctx, name)  # noqa: E731
        sync = saturating(pairs.common, p("half_common")) * (0.5 + 0.5 * pairs.jaccard)
        infra = saturating(pairs.infra_w, p("half_infra"))
        lift = shrunk_lift(pairs.common_interest, pairs.common, pairs.base_share, p("prior_weight"))
        pair_score = sync * (p("infra_floor") + (1 - p("infra_floor")) * infra) \
            * (p("target_floor") + (1 - p("target_floor")) * lift)
        pairs = pairs.mutate(pair=clamp01(pair_score))
        both = pairs.select(account="a", partner="b", pair="pair", common="common",
                            common_interest="common_interest", shared="shared").union(
            pairs.select(account="b", partner="a", pair="pair", common="common",
                         common_interest="common_interest", shared="shared"))
        return self._per_account(ctx, both)

    def _touches(self, ctx: DetectionContext) -> ir.Table:
        """First touch of each stranger by each account, for people not crowded by strangers."""
        events = ctx.table("events")
        ev = events.filter(events.type.isin(TOUCH_TYPES) & events.actor_id.notnull() & events.target_id.notnull()
                           & (events.actor_id != events.target_id))
        fr = ctx.table("friendships")
        ev = ev.anti_join(fr, ((ev.actor_id == fr.a) & (ev.target_id == fr.b))
                          | ((ev.actor_id == fr.b) & (ev.target_id == fr.a)))
        first = ev.group_by(actor=ev.actor_id, target=ev.target_id).aggregate(t=ev.ts.epoch_seconds().min())
        crowd = first.group_by("target").aggregate(actors=first.actor.nunique())
        crowd = crowd.filter(crowd.actors > self.p(ctx, "max_target_actors"))
        first = first.anti_join(crowd, "target")
        people = interest(ctx)
        first = first.left_join(people, first.target == people.account_id)
        return first.select("actor", "target", "t", interest=people.kind.notnull())

    def _sync_pairs(self, ctx: DetectionContext, touches: ir.Table) -> ir.Table:
        window = float(self.p(ctx, "window_hours")) * 3600.0
        x = touches.select(a="actor", target="target", ta="t", interest="interest")
        y = touches.select(b="actor", tb_target="target", tb="t")
        j = x.join(y, [x.target == y.tb_target, x.a < y.b, (x.ta - y.tb).abs() <= window])
        pairs = j.group_by(["a", "b"]).aggregate(
            common=j.target.nunique(), common_interest=j.target.nunique(where=j.interest))
        pairs = pairs.filter(pairs.common >= self.p(ctx, "min_common"))
        sizes = touches.group_by("actor").aggregate(n=touches.target.nunique())
        sa, sb = sizes.select(a="actor", na="n"), sizes.select(b="actor", nb="n")
        pairs = pairs.join(sa, "a").join(sb, "b")
        base = touches.aggregate(base_share=touches.interest.cast("float64").mean())
        return pairs.mutate(
            jaccard=pairs.common.cast("float64") / (pairs.na + pairs.nb - pairs.common).cast("float64")
        ).cross_join(base)

    def _infra_items(self, ctx: DetectionContext) -> ir.Table:
        """(account, item, weight): uncommon addresses, devices and e-mail domains."""
        cap = self.p(ctx, "max_infra_accounts")
        events = ctx.table("events").filter(lambda e: e.actor_id.notnull())
        ips = events.filter(events.ip.notnull()).select(account="actor_id", item="ip").distinct()
        breadth = ip_breadth(ctx)
        ips = ips.join(breadth, ips.item == breadth.ip).select("account", item="ip", n="accounts")
        ips = ips.mutate(kind=ibis.literal("ip"))
        dev = events.filter(events.device_id.notnull()).select(account="actor_id", item="device_id").distinct()
        dev = dev.mutate(n=dev.account.nunique().over(ibis.window(group_by=dev.item)), kind=ibis.literal("device"))
        acc = ctx.table("accounts")
        dom = acc.filter(acc.email_domain.notnull()).select(account="account_id", item=acc.email_domain.lower())
        dom = dom.mutate(n=dom.account.nunique().over(ibis.window(group_by=dom.item)),
                         kind=ibis.literal("email domain"))
        cols = ("account", "item", "n", "kind")
        items = ips.select(*cols).union(dev.select(*cols)).union(dom.select(*cols))
        items = items.filter((items.n >= 2) & (items.n <= cap))
        return items.mutate(w=1.0 / (items.n - 1).cast("float64").sqrt())

    def _with_infra(self, ctx: DetectionContext, pairs: ir.Table) -> ir.Table:
        items = self._infra_items(ctx)
        ia = items.select(a="account", item="item", kind="kind", w="w")
        ib = items.select(b="account", item_b="item", kind_b="kind")
        cand = pairs.select("a", "b")
        shared = cand.join(ia, "a").join(ib, [ibis._.b == ib.b, ibis._.item == ib.item_b, ibis._.kind == ib.kind_b])
        infra = shared.group_by(["a", "b"]).aggregate(
            infra_w=shared.w.sum(),
            shared=shared.kind.collect(distinct=True).sort().join(", "),
        )
        out = pairs.left_join(infra, ["a", "b"]).drop("a_right", "b_right")
        return out.mutate(infra_w=out.infra_w.fill_null(0.0), shared=out.shared.fill_null("none"))

    def _per_account(self, ctx: DetectionContext, both: ir.Table) -> ir.Table:
        # Independent pairs combine as a noisy-or: 1 - exp(sum(log(1 - pair))).
        per = both.group_by("account").aggregate(
            miss=(1.0 - both.pair.clip(upper=0.99)).ln().sum(),
            partners=both.partner.nunique(),
            best=both.pair.max(),
            best_partner=both.partner.argmax(both.pair),
            best_common=both.common.argmax(both.pair),
            best_interest=both.common_interest.argmax(both.pair),
            best_shared=both.shared.argmax(both.pair),
        )
        per = per.mutate(score=clamp01(1.0 - per.miss.exp()))
        per = per.filter(per.score >= self.p(ctx, "min_score"))
        detail = ("approached the same people within hours as " + per.partners.cast("string")
                  + " other accounts; strongest with " + per.best_partner + ": " + per.best_common.cast("string")
                  + " people in common (" + per.best_interest.cast("string") + " at-risk/contacts), shared "
                  + "infrastructure: " + per.best_shared + " (pair score " + fmt(per.best) + ")")
        return per.select(subject_type=ibis.literal("account"), subject=per.account, score=per.score,
                          detail=detail)
