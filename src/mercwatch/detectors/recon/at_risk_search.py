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
    version = 2
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
        hits = self._hits(ctx)
        per = hits.group_by(["searcher_type", "searcher"]).aggregate(
            # Namesakes: one query matching two at-risk users looked up one person at most.
            people=ibis.least(hits.account_id.nunique(), hits.query.nunique()),
            searches=hits.event_id.nunique(),
            partial=hits.event_id.nunique(where=~hits.full),
        )
        per = per.filter(per.people >= self.p(ctx, "min_people"))
        return per.select(
            subject_type=per.searcher_type,
            subject=per.searcher,
            score=saturating(per.people, self.p(ctx, "half")),
            detail=ibis.literal("searched by name for ")
            + per.people.cast("string")
            + " different at-risk users ("
            + per.searches.cast("string")
            + " searches, "
            + per.partial.cast("string")
            + " by a distinctive part of the name or handle)",
        )

    def _searches(self, ctx: DetectionContext) -> ir.Table:
        events = ctx.table("events")
        s = events.filter((events.type == "search") & events.text.notnull())
        s = s.mutate(
            query=normalise(s.text),
            searcher=ibis.coalesce(s.actor_id, s.ip),
            searcher_type=ibis.ifelse(s.actor_id.notnull(), "account", "ip"),
        )
        return s.filter(s.searcher.notnull())

    def _hits(self, ctx: DetectionContext) -> ir.Table:
        """``event_id``, searcher, ``account_id`` named, ``full`` (whole name matched)."""
        min_len = self.p(ctx, "min_token_len")
        keep = ["event_id", "searcher_type", "searcher", "query"]
        query = tokens(self._searches(ctx), "text", keep, min_len)
        risk = at_risk(ctx)
        name = tokens(
            risk.filter(risk.display_name.notnull()), "display_name", ["account_id"], min_len
        )
        handle = risk.select("account_id", token=normalise(risk.account_id))
        size = name.group_by("account_id").aggregate(n_tokens=name.count())
        matched = query.join(name, "token")
        per = matched.group_by([*keep, "account_id"]).aggregate(matched=matched.token.nunique())
        per = per.join(size, "account_id")
        full = per.filter(per.matched >= per.n_tokens).select(
            *keep, "account_id", full=ibis.literal(True)
        )
        distinctive = self._distinctive(ctx, name)
        part = query.join(distinctive, "token").select(
            *keep, "account_id", full=ibis.literal(False)
        )
        by_handle = query.join(handle, "token").select(
            *keep, "account_id", full=ibis.literal(False)
        )
        hits = ibis.union(full, part, by_handle)
        # A search that names someone fully is a full match even if a part also matched.
        return hits.group_by([*keep, "account_id"]).aggregate(full=hits.full.max())

    def _distinctive(self, ctx: DetectionContext, name: ir.Table) -> ir.Table:
        """Tokens of at-risk names that no other account's display name holds."""
        accounts = ctx.table("accounts")
        everyone = tokens(
            accounts.filter(accounts.display_name.notnull()),
            "display_name",
            ["account_id"],
            self.p(ctx, "min_token_len"),
        )
        holders = everyone.group_by("token").aggregate(holders=everyone.account_id.nunique())
        unique = holders.filter(holders.holders == 1)
        long_enough = name.filter(name.token.length() >= self.p(ctx, "distinctive_len"))
        return long_enough.semi_join(unique, "token")
