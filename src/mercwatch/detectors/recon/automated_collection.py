"""Automated collection: profile viewing at a pace, breadth, regularity or order no person shows.

Subjects are logged-in accounts and, for logged-out traffic, each address, each IPv4
/24 and each ASN (``AS64500``), so that a scraper rotating addresses inside one network
is still one subject.

Every yardstick comes from the data, not from a constant tuned to one platform:

* **rate and breadth** are compared with the population of logged-in accounts that
  view profiles (a high quantile of the busiest hour and of distinct profiles viewed),
  and an address's numbers are divided by the people behind it (the smaller of the
  accounts that logged in through it and the browsers in its logged-out views), so an
  office or carrier NAT is judged per person, not as one superhuman;
* **timing regularity** is the coefficient of variation (CV) of the gaps between views
  inside a session. Independent people merged behind one address approach a Poisson
  process (CV 1) and a person alone is burstier (CV > 1); a clock-driven loop is far
  below. The yardstick is a low quantile of the accounts' own CVs (at most 1), or half
  of Poisson's when too few people browse long enough to measure;
* **list order**: views inside a session stepping through profile ids in one
  direction. Random browsing steps up or down with equal odds; the z-score of the
  imbalance over *distinct* steps (the same step again, as when someone goes round the
  same bookmarks daily, is one observation) counts from ``order_z`` deviations on;
* **focus**: the share of views on at-risk users and their close contacts against the
  share of ordinary (logged-in, non-crawler) attention they get, from 0 (ordinary) to
  1 (nobody else viewed), and whether the distinct people viewed are such people
  significantly more often than ordinary attention (a binomial z from ``order_z`` on).

A busiest hour, a clock or a list beyond any person's are a program's and count on
their own, the more the more focused. Breadth is different: a busy person, a marketer
or a recruiter, browses more people in a month than the population's p99 without
being a program, so breadth counts only as far as it is significantly focused on
people worth protecting. A declared crawler (user-agent token from the operator's own
ASN, see ``data/crawlers.yaml``) that spreads its views over the population like a
uniform sample is left alone.

Only subjects with more views than the lowest floor of the yardsticks can exceed
any of them, so only those go through the per-view timeline: about one viewer in a
hundred on a large platform, plus the /24s and ASNs of logged-out views, each keyed
by its own column in its own window.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from mercwatch.detectors.base import DetectionContext, Detector
from mercwatch.detectors.recon._shared import (
    ACCOUNT,
    IP,
    NETWORK,
    base_rates,
    crowd,
    join_on,
    people_behind,
    views,
)
from mercwatch.detectors.scoring import clamp01, excess, fmt, fmt_pct, noisy_or
from mercwatch.detectors.shared import interest
from mercwatch.model import Phase

KEY = ["subject_type", "subject"]
COLS = {c: c for c in ("es", "target", "ip", "browser", "crawler")}  # what a view brings


def gap_cv(t: ir.Table) -> ir.FloatingValue:
    """CV (sample std / mean) of in-session gaps from their count, sum and sum of squares."""
    n = t.n_gaps.cast("float64")
    mean = t.g1 / ibis.greatest(n, 1.0)
    var = ibis.greatest(t.g2 - t.g1 * mean, 0.0) / ibis.greatest(n - 1.0, 1.0)
    return ibis.ifelse(n >= 2, var.sqrt() / ibis.greatest(mean, 1e-9), ibis.null("float64"))


class AutomatedCollection(Detector):
    """Accounts, addresses and networks that collect profiles like a program."""

    id = "recon.automated_collection"
    version = 3
    phase = Phase.RECONNAISSANCE
    reads = ("events", "accounts", "friendships")
    description = (
        "Profile viewing at a pace, timing regularity or list order no person shows, or "
        "beyond a person's breadth and focused on at-risk people; declared crawlers "
        "viewing evenly are excused, focused collection scores highest."
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
        scored = self.scored(ctx)
        # A network seen through one address says nothing the address's own signal does not.
        scored = scored.filter(
            (scored.score >= self.p(ctx, "min_score"))
            & ((scored.subject_type != NETWORK) | (scored.ips >= 2))
        )
        return scored.select("subject_type", "subject", "score", detail=self._detail(scored))

    def scored(self, ctx: DetectionContext) -> ir.Table:
        """Every subject with enough views to show any evidence, with its numbers and score."""
        v = views(ctx)
        least = self._least_views(ctx)
        counts = v.group_by(["viewer_type", "viewer"]).aggregate(
            n=v.count(), crawled=v.crawler.sum()
        )
        own = v.semi_join(counts.filter(counts.n >= least), ["viewer_type", "viewer"])
        own = own.select(subject_type=own.viewer_type, subject=own.viewer, **COLS)
        out = v.filter(v.viewer_type == IP).select("net", "asn", **COLS)
        parts = [self._subjects(ctx, own, KEY, own.filter(own.subject_type == IP))]
        parts += [self._networks(ctx, out, col, least) for col in ("net", "asn")]
        stats = self._per_person(ctx, ibis.union(*parts))
        # The same aggregates as the accounts' rows above, joined the other way round so
        # Ibis writes them once as common table expressions instead of twice.
        people = self._breadth(ctx, own, KEY).join(self._timeline(ctx, own, KEY), KEY)
        stats = stats.cross_join(self._reference(ctx, people, counts))
        return self._score(ctx, stats.cross_join(base_rates(ctx)))

    def _subjects(
        self, ctx: DetectionContext, rows: ir.Table, key: list[str], logged_out: ir.Table
    ) -> ir.Table:
        """One row per subject: timeline, breadth, id steps and spread of logged-out views."""
        stats = self._timeline(ctx, rows, key).join(self._breadth(ctx, rows, key), key)
        stats = join_on(stats, self._steps(ctx, rows, key), key, how="left")
        stats = join_on(stats, self._spread(logged_out, key), key, how="left")
        return stats.mutate(up=stats.up.fill_null(0), down=stats.down.fill_null(0))

    def _networks(self, ctx: DetectionContext, out: ir.Table, col: str, least: int) -> ir.Table:
        """Subjects of the busy /24s (``col`` net) or ASNs (``asn``) of logged-out views."""
        sizes = out.group_by(col).aggregate(n=out.count())
        busy = sizes.filter(sizes[col].notnull() & (sizes.n >= least))
        rows = out.semi_join(busy, col).select(col, **COLS)
        stats = self._subjects(ctx, rows, [col], rows)
        name = stats[col] if col == "net" else ibis.literal("AS") + stats[col].cast("string")
        return stats.mutate(subject_type=ibis.literal(NETWORK), subject=name).drop(col)

    @staticmethod
    def _per_person(ctx: DetectionContext, stats: ir.Table) -> ir.Table:
        """``people`` behind each subject: 1 for an account, the crowd behind an address."""
        people = people_behind(ctx).rename(p_type="subject_type", p_subject="subject")
        stats = stats.left_join(
            people, [stats.subject_type == people.p_type, stats.subject == people.p_subject]
        )
        crowded = crowd(stats.people, stats.browsers)
        return stats.mutate(people=ibis.ifelse(stats.subject_type == ACCOUNT, 1, crowded)).drop(
            "p_type", "p_subject"
        )

    def _least_views(self, ctx: DetectionContext) -> int:
        """Fewest views that can exceed a yardstick: above a floor, or enough steps to time."""
        return min(
            self.p(ctx, "min_targets_floor") + 1,
            self.p(ctx, "min_peak_floor") + 1,
            self.p(ctx, "min_gaps") + 1,
        )

    def _sequence(self, ctx: DetectionContext, rows: ir.Table, key: list[str]) -> ir.Table:
        """Each view with the gap since the subject's previous one and the id step from it.

        One ``lag`` does it; everything after is plain sums. A new session starts the
        list again, so only steps inside a session show its order.
        """
        w = ibis.window(group_by=key, order_by=[rows.es, rows.target])
        seq = rows.select(
            *key,
            es=rows.es,
            t=rows.target,
            crawler=rows.crawler.cast("int64"),
            prev_es=rows.es.lag().over(w),
            prev_t=rows.target.lag().over(w),
        )
        gap = (seq.es - seq.prev_es).cast("float64")
        in_session = seq.prev_es.notnull() & (gap <= self.p(ctx, "session_gap_s"))
        longer = seq.t.length() > seq.prev_t.length()
        shorter = seq.t.length() < seq.prev_t.length()
        same_len = seq.t.length() == seq.prev_t.length()
        return seq.mutate(
            gap=gap,
            in_session=in_session,
            up=in_session & (longer | (same_len & (seq.t > seq.prev_t))),
            down=in_session & (shorter | (same_len & (seq.t < seq.prev_t))),
        )

    def _timeline(self, ctx: DetectionContext, rows: ir.Table, key: list[str]) -> ir.Table:
        """Per subject: volume, busiest hour, and count, sum and sum of squares of gaps."""
        seq = self._sequence(ctx, rows, key)
        timed = seq.in_session
        hourly = seq.group_by([*key, (seq.es // 3600).name("hour")]).aggregate(
            n=seq.count(),
            crawled=seq.crawler.sum(),
            gaps=timed.cast("int64").sum(),
            g1=seq.gap.sum(where=timed),
            g2=(seq.gap * seq.gap).sum(where=timed),
        )
        return hourly.group_by(key).aggregate(
            views=hourly.n.sum(),
            peak_hour=hourly.n.max(),
            active_hours=hourly.count(),
            crawler_views=hourly.crawled.sum(),
            n_gaps=hourly.gaps.sum(),
            g1=hourly.g1.sum().fill_null(0.0),
            g2=hourly.g2.sum().fill_null(0.0),
        )

    def _steps(self, ctx: DetectionContext, rows: ir.Table, key: list[str]) -> ir.Table:
        """Per subject: distinct in-session id steps up and down.

        The same step taken again (going round the same bookmarks every day, a tool
        re-walking its list) is one observation, not new evidence of order.
        """
        seq = self._sequence(ctx, rows, key)
        seq = seq.filter(seq.up | seq.down)
        distinct = seq.group_by([*key, "prev_t", "t"]).aggregate(up=seq.up.max())
        return distinct.group_by(key).aggregate(
            up=distinct.count(where=distinct.up), down=distinct.count(where=~distinct.up)
        )

    @staticmethod
    def _breadth(ctx: DetectionContext, rows: ir.Table, key: list[str]) -> ir.Table:
        """Per subject: distinct people viewed, and views of at-risk users or close contacts."""
        pairs = rows.group_by([*key, "target"]).aggregate(n=rows.count())
        people = interest(ctx)
        pairs = pairs.left_join(people, pairs.target == people.account_id)
        return pairs.group_by(key).aggregate(
            targets=pairs.count(),
            protected_targets=pairs.count(where=pairs.kind.notnull()),
            protected_views=pairs.n.sum(where=pairs.kind.notnull()).fill_null(0),
        )

    @staticmethod
    def _spread(rows: ir.Table, key: list[str]) -> ir.Table:
        """Addresses and browsers of logged-out subjects (accounts need neither)."""
        return rows.group_by(key).aggregate(ips=rows.ip.nunique(), browsers=rows.browser.nunique())

    def _reference(self, ctx: DetectionContext, stats: ir.Table, counts: ir.Table) -> ir.Table:
        """What people do: quantiles over logged-in accounts that are not declared crawlers.

        Only busy accounts have stats, but every account counts in the population: the
        high quantiles are read by rank from the top, which the busy ones hold; when
        the rank falls among the rest, the floor (above all of them) stands in.
        """
        q = self.p(ctx, "person_quantile")
        humans = counts.filter((counts.viewer_type == ACCOUNT) & (counts.crawled == 0))
        population = humans.count()
        at = (population - (population * q).ceil()).as_scalar()  # 0-based rank from the top
        person = (stats.subject_type == ACCOUNT) & (stats.crawler_views == 0)
        ranked = stats.mutate(
            rank_t=ibis.row_number().over(order_by=[ibis.desc(person), ibis.desc(stats.targets)]),
            rank_p=ibis.row_number().over(order_by=[ibis.desc(person), ibis.desc(stats.peak_hour)]),
            person=person,
        )
        cv = gap_cv(ranked)
        enough = ranked.person & (ranked.n_gaps >= self.p(ctx, "min_gaps"))
        ref = ranked.aggregate(
            ref_targets=ranked.targets.max(where=ranked.person & (ranked.rank_t == at)),
            ref_peak=ranked.peak_hour.max(where=ranked.person & (ranked.rank_p == at)),
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
        """Pace, clock and list order are a program's; breadth alone is a busy person's.

        Evidence no person shows (rate, regularity, order) counts on its own, weighted
        up by focus; breadth beyond the busiest people counts only as far as it is
        focused, i.e. as far as the people viewed are at-risk users or their contacts
        significantly more often than ordinary attention lands on them.
        """
        min_gaps = self.p(ctx, "min_gaps")
        z_min = self.p(ctx, "order_z")
        steps = (s.up + s.down).cast("float64")
        z = (s.up - s.down).abs().cast("float64") / ibis.greatest(steps, 1.0).sqrt()
        share = s.protected_views.cast("float64") / s.views
        base = ibis.least(ibis.greatest(s.audience_interest, 1e-6), 1.0 - 1e-6)
        n = s.targets.cast("float64")
        z_focus = (s.protected_targets - n * base) / (n * base * (1.0 - base)).sqrt()
        s = s.mutate(
            cv=gap_cv(s),
            z=z,
            z_focus=z_focus,
            share=share,
            e_breadth=excess(s.targets / s.people, s.ref_targets),
            e_rate=excess(s.peak_hour / s.people, s.ref_peak),
            lift=share / ibis.greatest(s.audience_interest, 1e-9),
            lift_uniform=share / ibis.greatest(s.uniform_interest, 1e-9),
        )
        s = s.mutate(
            e_regular=ibis.ifelse(s.n_gaps >= min_gaps, clamp01(1.0 - s.cv / s.ref_cv), 0.0),
            e_order=ibis.ifelse(steps >= min_gaps, clamp01((z - z_min) / z_min), 0.0),
            # 0 at ordinary attention, 1 when every view is on someone worth protecting.
            focus=clamp01(ibis.greatest(s.lift, 1e-9).ln() / (1.0 / base).ln()),
            focused=clamp01((z_focus - z_min) / z_min),
        )
        # Rate is already per person; regularity and list order of a shared address
        # may be one program among several people, so they are shared out too (one
        # flagged ISP must not stand for every account that logs in through it).
        shared = 1.0 / s.people.cast("float64").sqrt()
        machine = noisy_or(
            [(s.e_rate, 1.0), (s.e_regular * shared, 1.0), (s.e_order * shared, 1.0)]
        )
        crawler = (s.crawler_views >= s.views * self.p(ctx, "crawler_min_share")) & (
            s.lift_uniform <= self.p(ctx, "crawler_max_lift")
        )
        weight = self.p(ctx, "unfocused_weight")
        focused_breadth = s.e_breadth * s.focus * s.focused
        score = noisy_or(
            [(machine * (weight + (1.0 - weight) * s.focus), 1.0), (focused_breadth, 1.0)]
        )
        return s.mutate(
            automation=noisy_or([(machine, 1.0), (s.e_breadth, 1.0)]),
            score=ibis.ifelse(crawler, 0.0, score),
        )

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
            + fmt(s.targets / s.people, 1)
            + ", population p99 "
            + fmt(s.ref_targets, 1)
            + "); busiest hour "
            + s.peak_hour.cast("string")
            + " views (per person "
            + fmt(s.peak_hour / s.people, 1)
            + ", p99 "
            + fmt(s.ref_peak, 1)
            + "); in-session gap CV "
            + fmt(s.cv.fill_null(-1), 2)
            + " over "
            + s.n_gaps.cast("string")
            + " gaps (reference "
            + fmt(s.ref_cv, 2)
            + "); ids"
            + direction
            + " in "
            + ordered.cast("string")
            + " of "
            + (s.up + s.down).cast("string")
            + " distinct steps (z "
            + fmt(s.z, 1)
            + "); "
            + fmt_pct(s.share)
            + " of views and "
            + s.protected_targets.cast("string")
            + " of the people on at-risk users or close contacts (ordinary "
            + fmt_pct(s.audience_interest)
            + ", "
            + fmt(s.lift, 1)
            + "x, z "
            + fmt(s.z_focus, 1)
            + "); "
            + s.people.cast("string")
            + " account(s) behind it; "
            + s.crawler_views.cast("string")
            + " declared-crawler views"
        )
