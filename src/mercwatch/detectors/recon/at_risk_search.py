"""Searches for at-risk users by name, by accounts or logged-out addresses."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from mercwatch.detectors.base import DetectionContext, Detector, saturating
from mercwatch.detectors.shared import at_risk
from mercwatch.model import Phase


class AtRiskSearch(Detector):
    """Who looks up several at-risk people by name.

    One search for a journalist's name is ordinary; an account (or, logged out, an
    address) searching for several different at-risk people is compiling a list.
    """

    id = "recon.at_risk_search"
    version = 1
    phase = Phase.RECONNAISSANCE
    reads = ("events", "accounts")
    description = "Searches for the names of several different at-risk users by one account or address."
    defaults = {"min_people": 2, "half": 3.0}

    def detect(self, ctx: DetectionContext) -> ir.Table:
        events = ctx.table("events")
        searches = events.filter((events.type == "search") & events.text.notnull())
        searches = searches.mutate(
            query=searches.text.lower().strip(),
            searcher=ibis.coalesce(searches.actor_id, searches.ip),
            searcher_type=ibis.ifelse(searches.actor_id.notnull(), "account", "ip"),
        )
        risk = at_risk(ctx)
        risk = risk.filter(risk.display_name.notnull()).mutate(name=risk.display_name.lower().strip())
        hits = searches.join(risk, searches.query == risk.name)
        per = hits.group_by(["searcher_type", "searcher"]).aggregate(
            people=hits.account_id.nunique(), searches=hits.count()
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
            + " searches)",
        )
