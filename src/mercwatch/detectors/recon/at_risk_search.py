"""Searches for at-risk users by name, by accounts or logged-out addresses.

Names are compared as normalised tokens (lower case, punctuation and ``_`` as
separators), so ``"haddad omar"``, ``"Omar Haddad reuters"`` and ``"omar_haddad"`` all
find Omar Haddad. A search names a person when it holds every token of their display
name, or one token that no other account's name holds (a distinctive surname), or
their account id (a handle). Common first names alone never match: whether a token
is distinctive is measured on the platform's own names.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from mercwatch.detectors.base import DetectionContext, Detector, saturating
from mercwatch.detectors.shared import at_risk
from mercwatch.model import Phase
from mercwatch.store.exprs import trim

_SEPARATORS = r"[^\p{L}\p{N}]+"


def normalise(text: ir.StringValue) -> ir.StringValue:
    """Lower case, every run of non-letters/digits (``_`` included) as one space."""
    return trim(text.lower().re_replace(_SEPARATORS, " "))


def tokens(table: ir.Table, column: str, keep: list[str], min_len: int) -> ir.Table:
    """One row per distinct token of ``column`` (normalised), with the ``keep`` columns."""
    split = table.select(*keep, token=normalise(table[column]).split(" ").unnest())
    return split.filter(split.token.length() >= min_len).distinct()


class AtRiskSearch(Detector):
    """Who looks up several at-risk people by name.

    One search for a journalist's name is ordinary; an account (or, logged out, an
    address) searching for several different at-risk people is compiling a list.
    """

    id = "recon.at_risk_search"
    version = 3
    phase = Phase.RECONNAISSANCE
    reads = ("events", "accounts")
    description = (
        "Searches for the names of several different at-risk users by one account or address."
    )
    defaults = {
        "min_people": 2,
        "half": 3.0,
        "min_token_len": 2,  # shorter tokens ("d", "j") never identify anyone
        "distinctive_len": 4,  # a single distinctive token must be at least this long
    }

    def detect(self, ctx: DetectionContext) -> ir.Table:
        searches = self._searches(ctx)
        keys = ["searcher_type", "searcher"]
        # Searchers repeat their queries: match each distinct query once, count events after.
        asked = searches.group_by([*keys, "query"]).aggregate(n=searches.count())
        matches = self._matches(ctx, asked.select("query").distinct())
        hits = asked.join(matches, "query")
        people = hits.group_by(keys).aggregate(
            # Namesakes: one query matching two at-risk users looked up one person at most.
            people=ibis.least(hits.account_id.nunique(), hits.query.nunique()),
        )
        full = matches.group_by("query").aggregate(full=matches.full.max())
        counted = asked.join(full, "query")
        counts = counted.group_by(keys).aggregate(
            searches=counted.n.sum(), partial=counted.n.sum(where=~counted.full)
        )
        per = people.filter(people.people >= self.p(ctx, "min_people")).join(counts, keys)
        return per.select(
            subject_type=per.searcher_type,
            subject=per.searcher,
            score=saturating(per.people, self.p(ctx, "half")),
            detail=ibis.literal("searched by name for ")
            + per.people.cast("string")
            + " different at-risk users ("
            + per.searches.cast("string")
            + " searches, "
            + per.partial.fill_null(0).cast("string")
            + " by a distinctive part of the name or handle)",
        )

    def _searches(self, ctx: DetectionContext) -> ir.Table:
        events = ctx.table("events")
        s = events.filter((events.type == "search") & events.text.notnull())
        s = s.select(
            query=normalise(s.text),
            searcher=ibis.coalesce(s.actor_id, s.ip),
            searcher_type=ibis.ifelse(s.actor_id.notnull(), "account", "ip"),
        )
        return s.filter(s.searcher.notnull() & (s.query != ""))

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
        counted = present.group_by(["query", "name", "n_tokens"]).aggregate(
            found=present.count()
        )
        full_names = counted.filter(counted.found >= counted.n_tokens)
        full = full_names.join(risk, "name").select(
            "query", "account_id", full=ibis.literal(True)
        )
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
