"""Scripted outreach: one lure, names swapped, sent to at-risk strangers.

Engagement usually opens with a scripted message — an interview request, a job
offer, a conference invitation — reused across targets and across the operation's
personas. Recruiters and marketers also message strangers from templates, so a
template counts only by how much more its recipients are at-risk users or their
contacts than the recipients of strangers' messages in general.

A script is few senders reaching many strangers; a crowd is many senders each writing
once (readers to a journalist, a petition, fans). So a template's weight is scaled by
its fan-out, recipients per sender: a phrase a hundred people each sent once has
fan-out 1 and is no script at all, however at-risk its recipients. This is by
construction, not a threshold: the crowd's own size is what clears it.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from mercwatch.detectors.base import DetectionContext, Detector
from mercwatch.detectors.engagement._shared import approaches
from mercwatch.detectors.engagement.templates import find_templates
from mercwatch.detectors.scoring import clamp01, fmt, noisy_or, saturating, shrunk_lift
from mercwatch.model import Phase

EXCERPT = 80


class ScriptedOutreach(Detector):
    """Senders of near-duplicate messages aimed at at-risk strangers beyond the base rate."""

    id = "engagement.scripted_outreach"
    version = 2
    phase = Phase.ENGAGEMENT
    reads = ("accounts", "friendships", "events")
    description = (
        "Near-duplicate messages (names and places swapped) sent to strangers who are "
        "at-risk users or their contacts more often than strangers' messages in general."
    )
    defaults = {
        "similarity": 0.5,  # Jaccard of word 3-gram shingles for one script
        "min_words": 5,  # unmasked words a text needs to count as a script
        "half_reuse": 2.0,  # extra recipients of a template for reuse evidence 0.5
        "half_senders": 1.0,  # extra senders of a template for spread evidence 0.5
        "w_senders": 0.6,
        "half_fanout": 0.25,  # recipients per sender beyond one for fan-out evidence 0.5
        "half_sender_targets": 0.25,  # a sender's own at-risk/contact recipients for 0.5
        "prior_weight": 1.0,
        "min_score": 0.1,
    }

    def detect(self, ctx: DetectionContext) -> ir.Table:
        msgs = self._stranger_messages(ctx)
        mapping = self._templates(ctx, msgs)
        used = msgs.join(mapping, msgs.text == mapping.text)
        base = msgs.select("actor", "target", "interest").distinct()
        base = base.aggregate(base_share=base.interest.cast("float64").mean())
        tpl = (
            used.group_by("template")
            .aggregate(
                senders=used.actor.nunique(),
                recipients=used.target.nunique(),
                interest_n=used.target.nunique(where=used.interest),
                masked=used.masked.min(),
            )
            .cross_join(base)
        )
        tpl = tpl.filter(tpl.recipients >= 2)
        p = lambda name: self.p(ctx, name)  # noqa: E731
        reuse = noisy_or(
            [
                (saturating(tpl.recipients - 1, p("half_reuse")), 1.0),
                (saturating(tpl.senders - 1, p("half_senders")), p("w_senders")),
            ]
        )
        lift = shrunk_lift(tpl.interest_n, tpl.recipients, tpl.base_share, p("prior_weight"))
        extra = (tpl.recipients - tpl.senders).cast("float64") / tpl.senders.cast("float64")
        fanout = saturating(extra.clip(lower=0.0), p("half_fanout"))
        tpl = tpl.mutate(tscore=reuse * lift * fanout, lift=lift)
        mine = used.group_by(["actor", "template"]).aggregate(
            sent=used.target.nunique(), sent_interest=used.target.nunique(where=used.interest)
        )
        mine = mine.join(tpl, "template")
        mine = mine.mutate(
            score=clamp01(mine.tscore * saturating(mine.sent_interest, p("half_sender_targets")))
        )
        best = mine.mutate(
            rank=ibis.row_number().over(
                ibis.window(group_by=mine.actor, order_by=[ibis.desc(mine.score), mine.template])
            )
        )
        best = best.filter((best["rank"] == 0) & (best.score >= p("min_score")))
        return best.select(
            subject_type=ibis.literal("account"),
            subject=best.actor,
            score=best.score,
            detail=self._detail(best),
        )

    @staticmethod
    def _stranger_messages(ctx: DetectionContext) -> ir.Table:
        ap = approaches(ctx)
        return ap.filter((ap.type == "message") & ap.text.notnull()).select(
            "actor", "target", "text", "interest"
        )

    def _templates(self, ctx: DetectionContext, msgs: ir.Table) -> ir.Table:
        """Text -> template id, computed over distinct texts of plausible script senders.

        Only texts that reached an at-risk user or contact, or whose sender wrote to
        several strangers, can belong to a scored template; the rest stay in the engine.
        A template is scored only once it reached two recipients, so one text alone in
        its template is kept only when it was sent twice or more.
        """
        per = msgs.group_by("actor").aggregate(
            strangers=msgs.target.nunique(), hits=msgs.interest.any()
        )
        keep = per.filter((per.strangers >= 2) | per.hits).select("actor")
        kept = msgs.semi_join(keep, "actor")
        sent = kept.group_by("text").aggregate(sends=kept.count()).to_pyarrow()
        texts = sent["text"].to_pylist()
        sends = dict(zip(texts, sent["sends"].to_pylist(), strict=True))
        found = find_templates(texts, self.p(ctx, "similarity"), self.p(ctx, "min_words"))
        columns: dict[str, list] = {"text": [], "template": [], "masked": []}
        for tpl in found:
            if len(tpl.texts) == 1 and sends[tpl.texts[0]] < 2:
                continue
            columns["text"].extend(tpl.texts)
            columns["template"].extend([tpl.template_id] * len(tpl.texts))
            columns["masked"].extend([tpl.masked] * len(tpl.texts))
        schema = pa.schema(
            [("text", pa.string()), ("template", pa.int64()), ("masked", pa.string())]
        )
        return ibis.memtable(pa.table(columns, schema=schema))

    @staticmethod
    def _detail(t: ir.Table) -> ir.StringValue:
        return (
            "sent a scripted message to "
            + t.sent_interest.cast("string")
            + " at-risk users/contacts ("
            + t.sent.cast("string")
            + " strangers); the script reached "
            + t.recipients.cast("string")
            + " strangers from "
            + t.senders.cast("string")
            + " accounts, "
            + t.interest_n.cast("string")
            + " of them at-risk users/contacts (base rate "
            + fmt(t.base_share * 100, 1)
            + "%): '"
            + t.masked.substr(0, EXCERPT)
            + "'"
        )
