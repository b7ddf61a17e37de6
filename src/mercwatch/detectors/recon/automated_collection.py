"""Automated collection: profile viewing at a rate, breadth, regularity or order no person shows.

Subjects are logged-in accounts and, for logged-out traffic, each address, each IPv4
/24 and each ASN (``AS64500``), so that a scraper rotating addresses inside one network
is still one subject.

Every yardstick comes from the data, not from a constant tuned to one platform:

* **breadth and rate** are compared with the population of logged-in accounts (a high
  quantile of distinct profiles viewed and of the busiest hour), and an address's
  numbers are divided by the people behind it (the smaller of the accounts that
  logged in through it and the browsers in its logged-out views), so an office or
  carrier NAT is judged per person, not as one superhuman;
* **timing regularity** is the coefficient of variation (CV) of the gaps between views
  inside a session. Independent people merged behind one address approach a Poisson
  process (CV 1) and a person alone is burstier (CV > 1); a clock-driven loop is far
  below. The yardstick is a low quantile of the accounts' own CVs (at most 1), or half
  of Poisson's when too few people browse long enough to measure;
* **list order**: consecutive views stepping through profile ids in one direction.
  Random browsing steps up or down with equal odds; the z-score of the imbalance
  counts as evidence from ``order_z`` standard deviations on;
* **concentration**: the share of views on at-risk users and their close contacts,
  against the share of ordinary (logged-in, non-crawler) attention they get. A
  declared crawler (user-agent token from the operator's own ASN, see
  ``data/crawlers.yaml``) that spreads its views over the population like a uniform
  sample is left alone; collection that concentrates on particular people scores
  highest.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from mercwatch.detectors.base import DetectionContext, Detector, clamp01
from mercwatch.detectors.recon._shared import (
    ACCOUNT,
    IP,
    NETWORK,
    base_rates,
    crowd,
    excess,
    fmt_num,
    fmt_pct,
    noisy_or,
    people_behind,
    views,
)
from mercwatch.detectors.shared import interest
from mercwatch.model import Phase

KEY = ["subject_type", "subject"]


class AutomatedCollection(Detector):
    """Accounts, addresses and networks that collect profiles like a program."""

    id = "recon.automated_collection"
    version = 1
    phase = Phase.RECONNAISSANCE
    reads = ("events", "accounts", "friendships")
    description = (
        "Profile viewing beyond a person's rate, breadth or timing regularity, or in list "
        "order; declared crawlers viewing evenly are excused, collection focused on "
        "at-risk people scores highest."
    )
    defaults = {
        "person_quantile": 0.99,  # accounts above this quantile are the busiest people
        "min_targets_floor": 20,  # floor of the breadth yardstick on tiny exports
        "min_peak_floor": 15,  # floor of the views-per-hour yardstick on tiny exports
        "session_gap_s": 1800,  # gaps longer than this separate sessions (timing is per session)
        "min_gaps": 15,  # regularity and order need this many steps to mean anything
        "cv_quantile": 0.05,  # the most regular people the population shows
        "min_reference": 50,  # people with min_gaps needed before their CVs are the yardstick
        "cv_fallback": 0.5,  # regularity yardstick without enough measured people (Poisson = 1)
        "order_z": 3.0,  # list order counts from this many standard deviations from random
        "crawler_min_share": 0.9,  # views from a declared crawler for the subject to be one
        "crawler_max_lift": 2.0,  # a crawler's focus on protected people vs a uniform sample
        "unfocused_weight": 0.5,  # score kept by collection with no focus on protected people
        "min_score": 0.2,
    }

    def detect(self, ctx: DetectionContext) -> ir.Table:
        units = self._units(ctx)
        stats = self._volume(units).join(self._peaks(units), KEY).join(self._steps(ctx, units), KEY)
        people = people_behind(ctx).rename(p_type="subject_type", p_subject="subject")
        stats = stats.left_join(
            people, [stats.subject_type == people.p_type, stats.subject == people.p_subject]
        )
        crowded = crowd(stats.people, stats.browsers)
        stats = stats.mutate(people=ibis.ifelse(stats.subject_type == ACCOUNT, 1, crowded)).drop(
            "p_type", "p_subject"
        )
        stats = stats.cross_join(self._reference(ctx, stats)).cross_join(base_rates(ctx))
        scored = self._score(ctx, stats)
        # A network seen through one address says nothing the address's own signal does not.
        scored = scored.filter(
            (scored.score >= self.p(ctx, "min_score"))
            & ((scored.subject_type != NETWORK) | (scored.ips >= 2))
        )
        return scored.select("subject_type", "subject", "score", detail=self._detail(scored))

    def _units(self, ctx: DetectionContext) -> ir.Table:
        """Views keyed by subject: the account, or the address, /24 and ASN of logged-out views."""
        v = views(ctx)
        people = interest(ctx)
        v = v.left_join(people, v.target == people.account_id)
        v = v.mutate(protected=v.kind.notnull()).drop("account_id", "kind")
        out = v.filter(v.viewer_type == IP)
        return ibis.union(
            v.filter(v.viewer_type == ACCOUNT).mutate(
                subject_type=ibis.literal(ACCOUNT), subject=v.viewer
            ),
            out.mutate(subject_type=ibis.literal(IP), subject=out.ip),
            out.filter(out.net.notnull()).mutate(
                subject_type=ibis.literal(NETWORK), subject=out.net
            ),
            out.filter(out.asn.notnull()).mutate(
                subject_type=ibis.literal(NETWORK),
                subject=ibis.literal("AS") + out.asn.cast("string"),
            ),
        )

    @staticmethod
    def _volume(units: ir.Table) -> ir.Table:
        return units.group_by(KEY).aggregate(
            views=units.count(),
            targets=units.target.nunique(),
            protected_views=units.protected.sum(),
            crawler_views=units.crawler.sum(),
            ips=units.ip.nunique(),
            browsers=units.browser.nunique(),
        )

    @staticmethod
    def _peaks(units: ir.Table) -> ir.Table:
        hourly = units.group_by([*KEY, (units.es // 3600).name("hour")]).aggregate(n=units.count())
        return hourly.group_by(KEY).aggregate(peak_hour=hourly.n.max(), active_hours=hourly.count())

    def _steps(self, ctx: DetectionContext, units: ir.Table) -> ir.Table:
        """Per subject: CV of in-session gaps, and id-order steps up vs down."""
        w = ibis.window(group_by=KEY, order_by=[units.es, units.event_id])
        seq = units.select(
            *KEY,
            es=units.es,
            t=units.target,
            prev_es=units.es.lag().over(w),
            prev_t=units.target.lag().over(w),
        )
        seq = seq.filter(seq.prev_es.notnull())
        gap = (seq.es - seq.prev_es).cast("float64")
        longer = seq.t.length() > seq.prev_t.length()
        same_len = seq.t.length() == seq.prev_t.length()
        up = longer | (same_len & (seq.t > seq.prev_t))
        down = (seq.t.length() < seq.prev_t.length()) | (same_len & (seq.t < seq.prev_t))
        in_session = gap <= self.p(ctx, "session_gap_s")
        return seq.group_by(KEY).aggregate(
            n_gaps=in_session.sum(),
            gap_mean=gap.mean(where=in_session),
            gap_std=gap.std(where=in_session),
            up=up.sum(),
            down=down.sum(),
        )

    def _reference(self, ctx: DetectionContext, stats: ir.Table) -> ir.Table:
        """What people do: quantiles over logged-in accounts that are not declared crawlers."""
        q = self.p(ctx, "person_quantile")
        people = stats.filter((stats.subject_type == ACCOUNT) & (stats.crawler_views == 0))
        cv = people.gap_std / ibis.greatest(people.gap_mean, 1e-9)
        enough = people.n_gaps >= self.p(ctx, "min_gaps")
        ref = people.aggregate(
            ref_targets=people.targets.quantile(q),
            ref_peak=people.peak_hour.quantile(q),
            ref_cv=cv.quantile(self.p(ctx, "cv_quantile"), where=enough),
            ref_n=enough.sum(),
        )
        # Too few people with long sessions to know their regularity: a fixed fraction of
        # Poisson's CV 1 stands in (people reading profiles have an offset, so CV ~ 0.8-1).
        fallback = self.p(ctx, "cv_fallback")
        measured = ibis.ifelse(ref.ref_n >= self.p(ctx, "min_reference"), ref.ref_cv, fallback)
        return ref.select(
            ref_targets=ibis.greatest(
                ref.ref_targets.fill_null(0), self.p(ctx, "min_targets_floor")
            ),
            ref_peak=ibis.greatest(ref.ref_peak.fill_null(0), self.p(ctx, "min_peak_floor")),
            ref_cv=ibis.least(measured.fill_null(fallback), 1.0),
        )

    def _score(self, ctx: DetectionContext, s: ir.Table) -> ir.Table:
        min_gaps = self.p(ctx, "min_gaps")
        z_min = self.p(ctx, "order_z")
        cv = s.gap_std / ibis.greatest(s.gap_mean, 1e-9)
        steps = (s.up + s.down).cast("float64")
        z = (s.up - s.down).abs().cast("float64") / ibis.greatest(steps, 1.0).sqrt()
        share = s.protected_views.cast("float64") / s.views
        s = s.mutate(
            cv=cv,
            z=z,
            share=share,
            e_breadth=excess(s.targets / s.people, s.ref_targets),
            e_rate=excess(s.peak_hour / s.people, s.ref_peak),
            e_regular=ibis.ifelse(s.n_gaps >= min_gaps, clamp01(1.0 - cv / s.ref_cv), 0.0),
            e_order=ibis.ifelse(steps >= min_gaps, clamp01((z - z_min) / z_min), 0.0),
            lift=share / ibis.greatest(s.audience_interest, 1e-9),
            lift_uniform=share / ibis.greatest(s.uniform_interest, 1e-9),
        )
        automation = noisy_or(s.e_breadth, s.e_rate, s.e_regular, s.e_order)
        focus = clamp01(ibis.greatest(s.lift, 1e-9).log2() / 2.0)
        crawler = (s.crawler_views >= s.views * self.p(ctx, "crawler_min_share")) & (
            s.lift_uniform <= self.p(ctx, "crawler_max_lift")
        )
        weight = self.p(ctx, "unfocused_weight")
        score = ibis.ifelse(crawler, 0.0, automation * (weight + (1.0 - weight) * focus))
        return s.mutate(automation=automation, focus=focus, score=score)

    @staticmethod
    def _detail(s: ir.Table) -> ir.StringValue:
        ordered = ibis.greatest(s.up, s.down)
        direction = ibis.ifelse(s.up >= s.down, " ascending", " descending")
        return (
            s.views.cast("string")
            + " profile views of "
            + s.targets.cast("string")
            + " people"
            + " (per person behind it: "
            + fmt_num(s.targets / s.people)
            + ", population p99 "
            + fmt_num(s.ref_targets)
            + "); busiest hour "
            + s.peak_hour.cast("string")
            + " views (per person "
            + fmt_num(s.peak_hour / s.people)
            + ", p99 "
            + fmt_num(s.ref_peak)
            + "); in-session gap CV "
            + fmt_num(s.cv.fill_null(-1), 2)
            + " over "
            + s.n_gaps.cast("string")
            + " gaps (reference "
            + fmt_num(s.ref_cv, 2)
            + "); ids"
            + direction
            + " in "
            + ordered.cast("string")
            + " of "
            + (s.up + s.down).cast("string")
            + " steps (z "
            + fmt_num(s.z)
            + "); "
            + fmt_pct(s.share)
            + " of views on at-risk users or close contacts (ordinary "
            + fmt_pct(s.audience_interest)
            + ", "
            + fmt_num(s.lift)
            + "x); "
            + s.people.cast("string")
            + " account(s) behind it; "
            + s.crawler_views.cast("string")
            + " declared-crawler views"
        )
