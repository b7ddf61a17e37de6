"""Targeted watching: attention that concentrates on at-risk people and those close to them.

Looking at a journalist's public profile is what an audience does; looking at the
journalist, and at the journalist's family and friends, again and again, while none
of them ever looks, writes or befriends back, is how an operation profiles a target
(Meta, Dec 2021: reconnaissance of targets "and the people close to them").

Each watched person is weighted by how unusual it is to look at them: ``ln(V / n) /
ln(V)`` for a person looked at by ``n`` of the ``V`` viewers on the platform, so a
public figure's big audience weighs little and a private contact's profile weighs
almost one. Three pieces of evidence, all measured against the population itself:

* **rarity-weighted breadth**: the sum of those weights over the people a viewer
  watches without reciprocity, against a high quantile of the same sum over accounts;
* **circle depth**: most people watched inside one at-risk user's circle (the user
  plus close contacts who are not at-risk themselves), against the population's
  quantile (ordinary audiences look at the public figure, not at the circle);
* **focus**: the share of the viewer's views on protected people against the share
  of ordinary attention they get; it scales the score, so busy people who also look
  at a few journalists stay low. The share is shrunk toward the population's by the
  median viewer's number of views, so two views out of two are not "100% focus".

Focus as a ratio of shares has a ceiling: where ordinary attention already lands mostly
on protected people (altsim: at-risk users' close contacts are so many that ordinary
viewers spend 63-66 % of their views on them), 100 % against 66 % is a lift of at most
1.5x, a focus of at most 0.3, whatever a watch crew does. As **odds** (1:0 against 2:1)
there is no ceiling, but odds also make a handful of views in one burst score like a
campaign (sim, 50,000 users: a spam account viewing 5 people within minutes, 83 %
protected against an ordinary 38 %, went from 0.42 to 0.89 and, with one weak link,
made a false operation). The odds ratio is the share ratio times
``(1 - ordinary) / (1 - share)``; that second factor is counted only in proportion to
**persistence**, the share of the watched people the viewer came back to at least
``return_hours`` after first looking (a later sitting, not a second click in the same
one). A watcher returns to the same people, sitting after sitting; a burst, or an
ordinary user who looked at each person once, has persistence 0 and keeps the
share-ratio focus exactly. An hour, not a day: altsim crews with a two-day recon window
(hosted-infra 96401, op-5) come back within the day, and at 12 hours only some of their
members crossed, leaving the crew in two records.

Logged-out addresses are viewers too (no reciprocity is possible), divided by the
number of people behind the address (:func:`~mercwatch.detectors.recon._shared.crowd`),
so an office NAT is judged per person.

So are logged-out *browsers* (device fingerprints): a watcher that rotates residential
exits leaves no address that crosses the bar, but its one automated browser watched
everyone (altsim low-and-slow 85302: one browser, 194 people, 4 networks). Only a
browser nobody ever signed in on is such a viewer (a family tablet or a person's own
browser is judged as the accounts on it), and it is judged by the same yardsticks, so
a library, café or kiosk browser that many readers share is no watcher: what it shows
is an audience's attention, public figures mostly, which neither concentrates on
protected people (focus) nor on rarely viewed ones (rarity). The browser's networks
are named in its evidence.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from mercwatch.detectors.base import DetectionContext, Detector
from mercwatch.detectors.recon._shared import (
    ACCOUNT,
    DEVICE,
    IP,
    audience,
    base_rates,
    crowd,
    device_views,
    device_watch_pairs,
    join_on,
    people_behind,
    views,
    watch_pairs,
)
from mercwatch.detectors.scoring import clamp01, excess, fmt, fmt_pct, noisy_or
from mercwatch.detectors.shared import at_risk, close_contacts
from mercwatch.model import Phase
from mercwatch.store.exprs import epoch_seconds

VIEWER = ["viewer_type", "viewer"]


def rarity(ctx: DetectionContext) -> ir.Table:
    """``target``, ``rarity``: how unusual it is to look at each person (0..1)."""
    aud = audience(ctx).cross_join(base_rates(ctx).select("all_viewers"))
    total = ibis.greatest(aud.all_viewers, 2).cast("float64")
    weight = (total / ibis.greatest(aud.viewers, 1)).ln() / total.ln()
    return aud.select("target", rarity=clamp01(weight))


def circles(ctx: DetectionContext) -> ir.Table:
    """``member``, ``of``: each at-risk user's circle, the user and close contacts not at-risk."""
    risk = at_risk(ctx).select("account_id")
    contacts = close_contacts(ctx)
    contacts = contacts.anti_join(risk, contacts.account_id == risk.account_id)
    own = risk.select(member=risk.account_id, of=risk.account_id)
    return own.union(contacts.select(member=contacts.account_id, of=contacts.of)).distinct()


class TargetedWatching(Detector):
    """Accounts, addresses and signed-out browsers watching at-risk people and their
    circles without reciprocity."""

    id = "recon.targeted_watching"
    version = 3
    phase = Phase.RECONNAISSANCE
    reads = ("events", "accounts", "friendships")
    description = (
        "Views concentrated on at-risk users and their close contacts, unanswered, beyond what "
        "ordinary audiences show."
    )
    defaults = {
        "person_quantile": 0.9,  # robust to operations up to a tenth of the viewers
        "min_mass_floor": 1.0,  # breadth yardstick floor: one unusual person is never enough
        "min_people": 2,  # a viewer must watch at least this many protected people
        "min_score": 0.2,
        "return_hours": 1.0,  # a second look this long after the first is a return, not a burst
    }

    def detect(self, ctx: DetectionContext) -> ir.Table:
        everyone = self._per_viewer(ctx)
        per = everyone.filter(everyone.people >= self.p(ctx, "min_people"))
        per = per.cross_join(self._reference(ctx, everyone)).cross_join(base_rates(ctx))
        # A viewer with two views, both on protected people, has a share of 100% by chance:
        # shrink each share toward the population's by a typical viewer's number of views.
        prior = per.ref_views.cast("float64")
        share = (per.protected_views + prior * per.audience_interest) / (per.all_views + prior)
        base = per.audience_interest
        share_lift = share / ibis.greatest(base, 1e-9)
        # Odds = share lift x room factor; the room factor only for sustained watching
        # (persistence 0: a burst keeps the share lift, and its 0.3-ish ceiling, exactly).
        room = (1.0 - base) / ibis.greatest(1.0 - share, 1e-9)
        persistence = per.revisited.cast("float64") / ibis.greatest(per.people, 1)
        lift = share_lift * ibis.greatest(room, 1.0).pow(persistence)
        focus = clamp01(ibis.greatest(lift, 1e-9).log2() / 2.0)
        e_mass = excess(per.mass, per.ref_mass)
        e_circle = excess(per.depth, per.ref_depth, doublings=2.0)
        per = per.mutate(lift=lift, score=focus * noisy_or([(e_mass, 1.0), (e_circle, 1.0)]))
        per = per.filter(per.score >= self.p(ctx, "min_score"))
        return per.select(
            subject_type=per.viewer_type,
            subject=per.viewer,
            score=per.score,
            detail=self._detail(per),
        )

    def _per_viewer(self, ctx: DetectionContext) -> ir.Table:
        pairs = _all_pairs(ctx)
        unanswered = pairs.filter(~pairs.mutual)
        weights = rarity(ctx)
        unanswered = join_on(unanswered, weights, ["target"])
        span = epoch_seconds(unanswered.last) - epoch_seconds(unanswered.first)
        returned = span >= self.p(ctx, "return_hours") * 3600.0
        per = unanswered.group_by(VIEWER).aggregate(
            people=unanswered.target.nunique(),
            revisited=unanswered.target.nunique(where=returned),
            at_risk=unanswered.target.nunique(where=unanswered.kind == "at_risk"),
            watched_views=unanswered.views.sum(),
            raw_mass=unanswered.rarity.sum(),
            days=(
                (epoch_seconds(unanswered.last) - epoch_seconds(unanswered.first)).max() / 86400.0
            ),
        )
        answered = (
            pairs.filter(pairs.mutual).group_by(VIEWER).aggregate(mutual=pairs.target.nunique())
        )
        per = join_on(per, answered, VIEWER, "left")
        per = join_on(per, self._depth(ctx, unanswered), VIEWER)
        per = join_on(per, self._totals(ctx), VIEWER)
        behind = people_behind(ctx)
        behind = behind.filter(behind.subject_type == IP).select(b_ip="subject", behind="people")
        per = per.left_join(behind, (per.viewer_type == IP) & (per.viewer == behind.b_ip))
        per = per.drop("b_ip")
        # A browser is one person's at most (none signed in on it: device_views).
        behind_n = ibis.ifelse(per.viewer_type == IP, crowd(per.behind, per.browsers), 1)
        return per.mutate(
            behind=behind_n,
            mass=per.raw_mass / behind_n,
            mutual=per.mutual.fill_null(0),
            share=per.protected_views.cast("float64") / ibis.greatest(per.all_views, 1),
        )

    @staticmethod
    def _depth(ctx: DetectionContext, unanswered: ir.Table) -> ir.Table:
        """Most people a viewer watches inside one at-risk user's circle."""
        circle = circles(ctx)
        inside = unanswered.join(circle, unanswered.target == circle.member)
        per_circle = inside.group_by([*VIEWER, "of"]).aggregate(n=inside.member.nunique())
        return per_circle.group_by(VIEWER).aggregate(
            depth=per_circle.n.max(), deep_circles=(per_circle.n >= 2).sum()
        )

    @staticmethod
    def _totals(ctx: DetectionContext) -> ir.Table:
        """All of a viewer's views, and those on protected people (answered or not)."""
        v = views(ctx).union(device_views(ctx), distinct=False)
        pairs = _all_pairs(ctx)
        protected = pairs.group_by(VIEWER).aggregate(protected_views=pairs.views.sum())
        network = v.asn.cast("string").fill_null("?")
        total = v.group_by(VIEWER).aggregate(
            all_views=v.count(),
            browsers=v.browser.nunique(),
            networks=network.nunique(),
            asns=("AS" + network).collect(distinct=True).sort().join(", "),
        )
        return join_on(total, protected, VIEWER)

    def _reference(self, ctx: DetectionContext, per: ir.Table) -> ir.Table:
        """What ordinary accounts do: quantiles over every account that watches anyone."""
        q = self.p(ctx, "person_quantile")
        base = per.filter(per.viewer_type == ACCOUNT)
        ref = base.aggregate(
            ref_mass=base.mass.quantile(q),
            ref_depth=base.depth.quantile(q),
            ref_views=base.all_views.quantile(0.5),
        )
        return ref.select(
            ref_mass=ibis.greatest(ref.ref_mass.fill_null(0), self.p(ctx, "min_mass_floor")),
            ref_depth=ibis.greatest(ref.ref_depth.fill_null(1), 1),
            ref_views=ibis.greatest(ref.ref_views.fill_null(1), 1),
        )

    @staticmethod
    def _detail(s: ir.Table) -> ir.StringValue:
        return (
            "watched "
            + s.people.cast("string")
            + " at-risk users or close contacts ("
            + s.at_risk.cast("string")
            + " at-risk) "
            + s.watched_views.cast("string")
            + " times over "
            + fmt(s.days, 1)
            + " days, unanswered ("
            + s.mutual.cast("string")
            + " others who answer back not counted); rarity-weighted "
            + fmt(s.mass, 2)
            + " per person behind it (population p90 "
            + fmt(s.ref_mass, 2)
            + "); up to "
            + s.depth.cast("string")
            + " people in one at-risk user's circle (p90 "
            + fmt(s.ref_depth, 1)
            + ", "
            + s.deep_circles.cast("string")
            + " circles watched in depth); "
            + fmt_pct(s.share)
            + " of its views on protected people (ordinary "
            + fmt_pct(s.audience_interest)
            + ", "
            + fmt(s.lift, 1)
            + "x, came back to "
            + s.revisited.cast("string")
            + " of the people it watched); "
            + s.behind.cast("string")
            + " account(s) behind it"
            + ibis.ifelse(
                s.viewer_type == DEVICE,
                "; a signed-out browser seen from "
                + s.networks.cast("string")
                + " network(s): "
                + s.asns,
                "",
            )
        )


def _all_pairs(ctx: DetectionContext) -> ir.Table:
    """Watch pairs of every viewer: accounts and addresses, and signed-out browsers."""
    return watch_pairs(ctx).union(device_watch_pairs(ctx), distinct=False)
