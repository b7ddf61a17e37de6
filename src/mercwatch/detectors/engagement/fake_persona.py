"""Fake personas: made-up people approaching at-risk users and those close to them.

Meta's report describes operations building personas (journalists, recruiters,
students, NGO workers) on new or long-dormant accounts, often with photos reused
across the ring, that send friend requests to targets and their friends; targets
rarely accept and sometimes report them. Each of those traits is common on its own
(real journalists exist, new users send requests, fans reuse celebrity photos), so
the score needs two things at once: *persona evidence* and *targeting* of people
worth protecting beyond the platform's base rate.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from mercwatch.detectors.base import DetectionContext, Detector
from mercwatch.detectors.engagement._shared import approaches, freshness, photo_groups
from mercwatch.detectors.engagement.claims import claimed_role_text
from mercwatch.detectors.scoring import clamp01, fmt, noisy_or, saturating, shrunk_lift
from mercwatch.detectors.shared import accepts
from mercwatch.model import Phase


class FakePersona(Detector):
    """Accounts with persona traits that approach at-risk people more than others do."""

    id = "engagement.fake_persona"
    version = 1
    phase = Phase.ENGAGEMENT
    reads = ("accounts", "friendships", "events")
    description = (
        "New or dormant accounts with reused photos or role claims sending unanswered "
        "friend requests to at-risk users and their contacts."
    )
    defaults = {
        "max_photo_distance": 6,  # pHash bits: re-encoded copies are 0-4 apart, other photos ~32
        "max_ring": 25,  # photo groups larger than this look like fandom, discounted by size
        "new_days": 30.0,
        "dormant_days": 180.0,
        "half_targets": 1.5,  # distinct at-risk/contact people approached for targeting 0.5
        "prior_weight": 1.0,  # pseudo-count shrinking small samples to the base rate
        "w_ring": 0.8,
        "w_claim": 0.35,
        "w_fresh": 0.35,
        "w_reject": 0.45,
        "w_reports": 0.6,
        "ring_alone": 0.35,  # score of a tight photo ring that has not approached anyone
        "min_score": 0.1,
    }

    def detect(self, ctx: DetectionContext) -> ir.Table:
        acc = self._targeting(ctx)
        acc = self._with_persona(ctx, acc)
        p = lambda name: self.p(ctx, name)  # noqa: E731
        persona = noisy_or(
            [
                (acc.ring, p("w_ring")),
                (acc.claim.notnull().cast("float64"), p("w_claim")),
                (acc.fresh.notnull().cast("float64"), p("w_fresh")),
                (acc.rejection, p("w_reject")),
                (acc.reports_score, p("w_reports")),
            ]
        )
        score = ibis.greatest((acc.targeting * persona).sqrt(), acc.ring * p("ring_alone"))
        acc = acc.mutate(score=clamp01(score))
        acc = acc.filter(acc.score >= p("min_score"))
        return acc.select(
            subject_type=ibis.literal("account"),
            subject=acc.account_id,
            score=acc.score,
            detail=self._detail(acc),
        )

    def _targeting(self, ctx: DetectionContext) -> ir.Table:
        """Per approaching account: interest targets, lift over base rate, rejection."""
        ap = approaches(ctx)
        pairs = ap.group_by(["actor", "target"]).aggregate(
            interest=ap.interest.any(), requested=(ap.type == "friend_request").any()
        )
        acc = accepts(ctx)
        acc = acc.select("by", "of").distinct()
        pairs = pairs.left_join(acc, (pairs.target == acc.by) & (pairs.actor == acc.of))
        pairs = pairs.select(
            "actor", "interest", "requested", accepted=pairs.by.notnull() & pairs.requested
        )
        # Base rates as a one-row table joined on: scalar subqueries do not compile everywhere.
        base = pairs.aggregate(
            base_share=pairs.interest.cast("float64").mean(),
            base_accept=pairs.accepted.cast("float64").sum()
            / pairs.requested.cast("float64").sum(),
        )
        per = (
            pairs.group_by("actor")
            .aggregate(
                approached=pairs.count(),
                interest_n=pairs.interest.cast("int64").sum(),
                req_interest=(pairs.requested & pairs.interest).cast("int64").sum(),
                acc_interest=(pairs.accepted & pairs.interest).cast("int64").sum(),
            )
            .cross_join(base)
        )
        base_share, base_accept = per.base_share, per.base_accept.fill_null(0.0)
        m = self.p(ctx, "prior_weight")
        lift = shrunk_lift(per.interest_n, per.approached, base_share, m)
        rate = (per.acc_interest + m * base_accept) / (per.req_interest + m)
        rejection = ibis.ifelse(base_accept > 0, clamp01((base_accept - rate) / base_accept), 0.0)
        return per.select(
            account_id=per.actor,
            approached=per.approached,
            interest_n=per.interest_n,
            req_interest=per.req_interest,
            acc_interest=per.acc_interest,
            targeting=saturating(per.interest_n, self.p(ctx, "half_targets")) * lift,
            rejection=ibis.ifelse(per.req_interest > 0, rejection, 0.0),
            base_share=base_share,
        )

    def _with_persona(self, ctx: DetectionContext, acc: ir.Table) -> ir.Table:
        """Outer-join targeting with photo groups, claims, freshness and reports received."""
        photos = photo_groups(ctx, self.p(ctx, "max_photo_distance"))
        max_ring = float(self.p(ctx, "max_ring"))
        ring = photos.select(
            rid="account_id",
            group_accounts="accounts",
            span_days="span_days",
            ring=photos.tightness * ibis.least(1.0, max_ring / photos.accounts.cast("float64")),
        )
        subjects = acc.select(sid="account_id").union(ring.select(sid="rid")).distinct()
        accounts = ctx.table("accounts")
        fresh = freshness(ctx, self.p(ctx, "new_days"), self.p(ctx, "dormant_days"))
        received = self._reports_received(ctx)
        claims = accounts.select(aid="account_id", claim=claimed_role_text(accounts))
        fresh = fresh.select(fid="account_id", fresh="kind")
        t = subjects.left_join(acc, subjects.sid == acc.account_id).drop("account_id")
        t = t.left_join(ring, t.sid == ring.rid).drop("rid")
        t = t.left_join(claims, t.sid == claims.aid).drop("aid")
        t = t.left_join(fresh, t.sid == fresh.fid).drop("fid")
        t = t.left_join(received, t.sid == received.reported).drop("reported")
        return t.mutate(
            account_id=t.sid,
            targeting=t.targeting.fill_null(0.0),
            rejection=t.rejection.fill_null(0.0),
            ring=t.ring.fill_null(0.0),
            reporters=t.reporters.fill_null(0),
            reports_score=saturating(t.reporters.fill_null(0), 1.0),
            approached=t.approached.fill_null(0),
            interest_n=t.interest_n.fill_null(0),
            req_interest=t.req_interest.fill_null(0),
            acc_interest=t.acc_interest.fill_null(0),
        )

    @staticmethod
    def _reports_received(ctx: DetectionContext) -> ir.Table:
        events = ctx.table("events")
        rep = events.filter(events.type.isin(("report", "block")) & events.actor_id.notnull())
        return rep.group_by(reported=rep.target_id).aggregate(reporters=rep.actor_id.nunique())

    @staticmethod
    def _detail(t: ir.Table) -> ir.StringValue:
        photo = ibis.ifelse(
            t.group_accounts.notnull(),
            "; photo shared by "
            + t.group_accounts.cast("string")
            + " accounts created within "
            + fmt(t.span_days, 1)
            + " days",
            "",
        )
        return (
            "approached "
            + t.interest_n.cast("string")
            + " at-risk users/contacts of "
            + t.approached.cast("string")
            + " strangers (base rate "
            + fmt(t.base_share.fill_null(0.0) * 100, 1)
            + "%); "
            + t.acc_interest.cast("string")
            + " of "
            + t.req_interest.cast("string")
            + " friend requests to them accepted; reported/blocked by "
            + t.reporters.cast("string")
            + photo
            + ibis.ifelse(t.claim.notnull(), "; claims '" + t.claim + "'", "")
            + ibis.ifelse(t.fresh.notnull(), "; " + t.fresh + " account", "")
        )
