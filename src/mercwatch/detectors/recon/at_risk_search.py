"""Searches for at-risk users by name, by accounts or logged-out addresses.

Names are compared as normalised tokens (lower case, punctuation and ``_`` as
separators), so ``"haddad omar"``, ``"Omar Haddad reuters"`` and ``"omar_haddad"`` all
find Omar Haddad. A search names a person when it holds every token of their display
name, or one token that no other account's name holds (a distinctive surname), or
their account id (a handle). Common first names alone never match: whether a token
is distinctive is measured on the platform's own names.

Readers search journalists too, so naming two at-risk people is not enough. Each
searched person is weighted by how unusual it is to search for them, ``ln(S / n) /
ln(S)`` for a person named by ``n`` of the platform's ``S`` searchers (the weighting
``recon.targeted_watching`` gives viewed people), and a searcher is measured against
the population's own searchers:

* **rarity-weighted breadth**: the sum of those weights over the people it named,
  against a high quantile of the same sum over accounts naming anyone at-risk;
* **one sitting**: most people it named within ``sitting_hours``, against the same
  quantile (a list is worked through in one go; a reader searches as news comes);
* **focus**: the share of its distinct queries naming at-risk people against the
  population's share, shrunk by the median searcher's number of queries; it scales
  the score, so busy searchers who also look up a few journalists stay low.

A logged-out address stands for the people behind it
(:func:`~mercwatch.detectors.recon._shared.crowd`), so an office NAT where each
colleague looks up one person is not one searcher with a list.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from mercwatch.detectors.base import DetectionContext, Detector
from mercwatch.detectors.recon._shared import ACCOUNT, IP, crowd, join_on
from mercwatch.detectors.scoring import clamp01, excess, fmt, fmt_pct, noisy_or
from mercwatch.detectors.shared import at_risk
from mercwatch.model import Phase
from mercwatch.store.exprs import epoch_seconds, trim

_SEPARATORS = r"[^\p{L}\p{N}]+"
SEARCHER = ["searcher_type", "searcher"]
SLOTS = ["slot0", "slot1"]  # two cuts of time into sittings, half a window apart


def normalise(text: ir.StringValue) -> ir.StringValue:
    """Lower case, every run of non-letters/digits (``_`` included) as one space."""
    return trim(text.lower().re_replace(_SEPARATORS, " "))


def tokens(table: ir.Table, column: str, keep: list[str], min_len: int) -> ir.Table:
    """One row per distinct token of ``column`` (normalised), with the ``keep`` columns."""
    split = table.select(*keep, token=normalise(table[column]).split(" ").unnest())
    return split.filter(split.token.length() >= min_len).distinct()


class AtRiskSearch(Detector):
    """Who looks up several at-risk people by name, beyond what their audience does.

    One search for a journalist's name is ordinary, and so is a reader's search for two
    famous names that many others search too. An operation compiles a list: people few
    others look up, or many people, often in one sitting, with little else searched.
    """

    id = "recon.at_risk_search"
    version = 4
    phase = Phase.RECONNAISSANCE
    reads = ("events", "accounts")
    description = (
        "Searches for the names of several different at-risk users by one account or address, "
        "weighted by how few others search them, beyond what ordinary searchers show."
    )
    defaults = {
        "min_people": 2,
        "min_token_len": 2,  # shorter tokens ("d", "j") never identify anyone
        "distinctive_len": 4,  # a single distinctive token must be at least this long
        "person_quantile": 0.9,  # robust to operations up to a tenth of the searchers
        "min_mass_floor": 1.0,  # breadth yardstick floor: one unusual person is never enough
        "mass_doublings": 2.0,  # breadth is full at 2**this times the population's
        "sitting_hours": 24,  # "in one sitting": searches at most this far apart
        "sitting_doublings": 2.0,
        "min_score": 0.4,
    }

    def detect(self, ctx: DetectionContext) -> ir.Table:
        searches = self._searches(ctx)
        # Searchers repeat their queries: match each distinct query once, count events after
        # (one row per query and time slot, so sittings can still be told apart).
        asked = searches.group_by([*SEARCHER, "query", *SLOTS]).aggregate(n=searches.count())
        queries = asked.group_by(SEARCHER).aggregate(queries=asked.query.nunique())
        matches = self._matches(ctx, asked.select("query").distinct())
        # Namesakes: a query naming several at-risk users looked up one person at most; its
        # person is the first of them, so nothing downstream fans out over namesakes.
        named_as = matches.group_by("query").aggregate(
            person=matches.account_id.min(), full=matches.full.max()
        )
        # A projection, not the bare join: Ibis shares a projection between its several
        # uses as one CTE, while each use of a bare join would repeat the matching.
        hits = asked.join(named_as, "query").select(
            *SEARCHER, "query", *SLOTS, "n", "person", "full"
        )
        everyone = _per_searcher(hits, queries)
        per = everyone.filter(everyone.people >= self.p(ctx, "min_people"))
        per = _per_person_behind(ctx, per)
        per = per.cross_join(self._reference(ctx, everyone, queries))
        # Two queries out of two naming at-risk people is "100%" by chance: shrink each
        # share toward the population's by a typical searcher's number of queries.
        prior = per.ref_queries.cast("float64")
        share = (per.risk_queries + prior * per.ref_share) / (per.queries + prior)
        lift = share / ibis.greatest(per.ref_share, 1e-9)
        focus = clamp01(ibis.greatest(lift, 1e-9).log2() / 2.0)
        e_mass = excess(per.mass, per.ref_mass, self.p(ctx, "mass_doublings"))
        e_sitting = excess(per.sitting, per.ref_sitting, self.p(ctx, "sitting_doublings"))
        per = per.mutate(lift=lift, score=focus * noisy_or([(e_mass, 1.0), (e_sitting, 1.0)]))
        per = per.filter(per.score >= self.p(ctx, "min_score"))
        return per.select(
            subject_type=per.searcher_type,
            subject=per.searcher,
            score=per.score,
            detail=_detail(per),
        )

    def _searches(self, ctx: DetectionContext) -> ir.Table:
        """One row per search: normalised ``query``, the searcher, and its two time slots.

        Time is cut into windows of ``sitting_hours`` twice, the second cut shifted by
        half a window, so two searches less than half a window apart share a slot.
        """
        events = ctx.table("events")
        s = events.filter((events.type == "search") & events.text.notnull())
        window = float(self.p(ctx, "sitting_hours")) * 3600.0
        es = epoch_seconds(s.ts)
        s = s.select(
            query=normalise(s.text),
            searcher=ibis.coalesce(s.actor_id, s.ip),
            searcher_type=ibis.ifelse(s.actor_id.notnull(), ACCOUNT, IP),
            slot0=(es / window).floor().cast("int64"),
            slot1=((es + window / 2) / window).floor().cast("int64"),
        )
        return s.filter(s.searcher.notnull() & (s.query != ""))

    def _reference(self, ctx: DetectionContext, everyone: ir.Table, queries: ir.Table) -> ir.Table:
        """What ordinary accounts do: quantiles over every account naming an at-risk
        person, and the share of all accounts' distinct queries that name one."""
        q = self.p(ctx, "person_quantile")
        base = everyone.filter(everyone.searcher_type == ACCOUNT)
        ref = base.aggregate(
            ref_mass=base.mass.quantile(q),
            ref_sitting=base.sitting.quantile(q),
            risk_queries=base.risk_queries.sum(),
        )
        mine = queries.filter(queries.searcher_type == ACCOUNT)
        typical = mine.aggregate(
            ref_queries=mine.queries.quantile(0.5), all_queries=mine.queries.sum()
        )
        rates = ref.cross_join(typical)
        return rates.select(
            ref_mass=ibis.greatest(rates.ref_mass.fill_null(0), self.p(ctx, "min_mass_floor")),
            ref_sitting=ibis.greatest(rates.ref_sitting.fill_null(1), 1),
            ref_queries=ibis.greatest(rates.ref_queries.fill_null(1), 1),
            ref_share=rates.risk_queries.fill_null(0).cast("float64")
            / ibis.greatest(rates.all_queries, 1).cast("float64"),
        )

    def _matches(self, ctx: DetectionContext, queries: ir.Table) -> ir.Table:
        """``query``, ``account_id`` it names, ``full`` (the whole name, not a part).

        Work is on distinct queries and distinct names, and each name is looked up by
        its rarest token only (its anchor) before the rest of its tokens are checked:
        a common first name never fans a query out to every namesake's name.
        """
        min_len = self.p(ctx, "min_token_len")
        query_tokens = tokens(queries, "query", ["query"], min_len)
        risk = at_risk(ctx).filter(lambda t: t.display_name.notnull())
        risk = risk.mutate(name=normalise(risk.display_name))
        names = risk.select("name").distinct()
        name_tokens = tokens(names, "name", ["name"], min_len)
        holders = name_tokens.group_by("token").aggregate(holders=name_tokens.count())
        ranked = name_tokens.join(holders, "token")
        ranked = ranked.mutate(
            rarity=ibis.row_number().over(
                ibis.window(group_by=ranked.name, order_by=[ranked.holders, ranked.token])
            ),
            n_tokens=ranked.count().over(ibis.window(group_by=ranked.name)),
        )
        anchors = ranked.filter(ranked.rarity == 0).select("name", "token", "n_tokens")
        candidates = query_tokens.join(anchors, "token").select("query", "name", "n_tokens")
        # Every token of the name must be among the query's tokens.
        check = candidates.join(name_tokens, "name").select("query", "name", "n_tokens", "token")
        present = check.semi_join(query_tokens, ["query", "token"])
        counted = present.group_by(["query", "name", "n_tokens"]).aggregate(found=present.count())
        full_names = counted.filter(counted.found >= counted.n_tokens)
        full = full_names.join(risk, "name").select("query", "account_id", full=ibis.literal(True))
        part = query_tokens.join(self._distinctive(ctx, risk), "token").select(
            "query", "account_id", full=ibis.literal(False)
        )
        handles = risk.select("account_id", token=normalise(risk.account_id))
        by_handle = query_tokens.join(handles, "token").select(
            "query", "account_id", full=ibis.literal(False)
        )
        hits = ibis.union(full, part, by_handle)
        # A query that names someone fully is a full match even if a part also matched.
        return hits.group_by(["query", "account_id"]).aggregate(full=hits.full.max())

    def _distinctive(self, ctx: DetectionContext, risk: ir.Table) -> ir.Table:
        """``token``, ``account_id``: at-risk name tokens no other account's name holds."""
        accounts = ctx.table("accounts")
        named = accounts.filter(accounts.display_name.notnull())
        named = named.select(name=normalise(named.display_name))
        per_name = named.group_by("name").aggregate(accounts=named.count())
        min_len = self.p(ctx, "min_token_len")
        name_tokens = tokens(per_name, "name", ["name", "accounts"], min_len)
        holders = name_tokens.group_by("token").aggregate(holders=name_tokens.accounts.sum())
        unique = holders.filter(holders.holders == 1)
        own = tokens(risk, "name", ["account_id"], self.p(ctx, "distinctive_len"))
        return own.semi_join(unique, "token")


def _per_searcher(hits: ir.Table, queries: ir.Table) -> ir.Table:
    """Per searcher naming at least one at-risk person: ``people``, ``mass`` (rarity
    weighted), ``sitting`` (most people named in one sitting), ``risk_queries`` and
    ``queries`` (distinct), ``searches`` naming at-risk people, ``partial`` among them."""
    named = hits.group_by(SEARCHER).aggregate(
        people=hits.person.nunique(),
        risk_queries=hits.query.nunique(),
        searches=hits.n.sum(),
        partial=hits.n.sum(where=~hits.full),
    )
    pairs = hits.select(*SEARCHER, "person").distinct()
    pairs = pairs.join(_rarity(pairs, queries), "person")
    mass = pairs.group_by(SEARCHER).aggregate(mass=pairs.rarity.sum())
    per = join_on(join_on(named, mass, SEARCHER), _sitting(hits), SEARCHER)
    return join_on(per, queries, SEARCHER)


def _rarity(pairs: ir.Table, queries: ir.Table) -> ir.Table:
    """``person``, ``rarity``: how unusual it is to search for each person (0..1).

    The weighting of ``recon.targeted_watching`` over searchers instead of viewers:
    ``ln(S / n) / ln(S)`` for a person named by ``n`` of the platform's ``S``
    searchers, so a name thousands look up weighs little and one nobody else looks
    up weighs one.
    """
    total = queries.aggregate(searchers=queries.count())
    searched = pairs.group_by("person").aggregate(n=pairs.count()).cross_join(total)
    s = ibis.greatest(searched.searchers, 2).cast("float64")
    return searched.select(
        "person", rarity=clamp01((s / ibis.greatest(searched.n, 1)).ln() / s.ln())
    )


def _sitting(hits: ir.Table) -> ir.Table:
    """``sitting``: most at-risk people a searcher named in one time slot."""
    parts = [
        hits.select(*SEARCHER, "person", cut=ibis.literal(k), slot=hits[slot])
        for k, slot in enumerate(SLOTS)
    ]
    slots = ibis.union(*parts)
    per_slot = slots.group_by([*SEARCHER, "cut", "slot"]).aggregate(n=slots.person.nunique())
    return per_slot.group_by(SEARCHER).aggregate(sitting=per_slot.n.max().cast("float64"))


def _per_person_behind(ctx: DetectionContext, per: ir.Table) -> ir.Table:
    """``mass`` and ``sitting`` per person behind a logged-out address.

    An address stands for the smaller of the accounts that log in through it and the
    browsers searching from it logged out (``recon._shared.crowd``): an office NAT is
    judged per person. Counted only for the few addresses that reach this point.
    """
    ips = per.filter(per.searcher_type == IP).select(b_ip="searcher")
    events = ctx.table("events")
    seen = events.join(ips, events.ip == ips.b_ip)
    logged_out = (seen.type == "search") & seen.actor_id.isnull()
    browser = ibis.coalesce(seen.device_id, seen.user_agent, ibis.literal(""))
    known = seen.group_by("b_ip").aggregate(
        accounts=seen.actor_id.nunique(), browsers=browser.nunique(where=logged_out)
    )
    per = per.left_join(known, (per.searcher_type == IP) & (per.searcher == known.b_ip))
    behind = ibis.ifelse(per.searcher_type == IP, crowd(per.accounts, per.browsers), 1)
    per = per.mutate(behind=behind).drop("b_ip", "accounts", "browsers")
    return per.mutate(mass=per.mass / per.behind, sitting=per.sitting / per.behind)


def _detail(s: ir.Table) -> ir.StringValue:
    return (
        ibis.literal("searched by name for ")
        + s.people.cast("string")
        + " different at-risk users ("
        + s.searches.cast("string")
        + " searches, "
        + s.partial.fill_null(0).cast("string")
        + " by a distinctive part of the name or handle); rarity-weighted "
        + fmt(s.mass, 2)
        + " per person behind it (population p90 "
        + fmt(s.ref_mass, 2)
        + "); up to "
        + fmt(s.sitting, 1)
        + " in one sitting (p90 "
        + fmt(s.ref_sitting, 1)
        + "); "
        + fmt_pct(s.risk_queries.cast("float64") / ibis.greatest(s.queries, 1))
        + " of its "
        + s.queries.cast("string")
        + " distinct queries name at-risk users (ordinary "
        + fmt_pct(s.ref_share)
        + ", "
        + fmt(s.lift, 1)
        + "x); "
        + s.behind.cast("string")
        + " account(s) behind it"
    )
