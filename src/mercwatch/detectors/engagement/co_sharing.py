"""Co-sharing: accounts that share the same rare link, or rare site, close together in time.

An operation's personas deliver the same lure: often the very same URL (personalised
only in its query string), or pages of one look-alike domain, in one wave. Sharing
the same link within a short window is the commonest coordination signal in the
literature (QUT's coordination-network-toolkit calls it a co-link network), and the
commonest benign look-alike of it is a viral link: many unrelated people sharing one
article. What tells them apart is rarity: a viral link has hundreds of sharers, a
lure a handful. Each shared item (a normalised URL, or a registrable domain from the
bundled Public Suffix List) therefore weighs ``1 / (sharers - 1)`` — the pairs among
its ``n`` sharers split one unit per account — and items shared by more than
``max_sharers`` accounts platform-wide weigh nothing. A URL shared by two accounts
within ``url_window_hours`` counts, a domain within ``domain_window_hours``.

Only items with at most ``max_sharers`` sharers ever reach the self-join, so the join
is bounded by ``max_sharers`` squared per item, never all pairs. The signal says
"shares links with these accounts": the link stage lists this detector among its tie
detectors, so it makes candidates but is never an account's own evidence.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from mercwatch.detectors.base import DetectionContext, Detector, shared_table
from mercwatch.detectors.exploitation._links import link_events
from mercwatch.detectors.scoring import combine_partners, exact_sum, fmt, noisy_or, saturating
from mercwatch.iocs import registrable_domain
from mercwatch.model import Phase
from mercwatch.store.exprs import epoch_seconds

#: Scheme and authority of a URL (what ``link_events``' host already holds).
_AUTHORITY = r"^([A-Za-z][A-Za-z0-9+.\-]*://)?[^/?#]*"


def url_key(url: ir.StringValue, host: ir.StringValue) -> ir.StringValue:
    """A URL as the same page: host without ``www.``, path without query, fragment or
    trailing slashes.

    Query strings are where tracking and per-target personalisation live (a lure sent
    as ``/verify?u=alice`` and ``/verify?u=bob`` is one page); a popular path such as
    ``/watch`` that loses its video id this way is shared by so many accounts that it
    weighs nothing.
    """
    path = url.re_replace(_AUTHORITY, "").re_replace(r"[?#].*$", "").re_replace(r"/+$", "")
    return host.re_replace(r"^www\.", "") + path


@shared_table("eng_cosharing_domains")
def host_domains(ctx: DetectionContext) -> ir.Table:
    """Columns ``host``, ``domain``: each distinct link host's registrable domain (PSL).

    Python over distinct hosts only (tens of thousands on a large platform), through
    the one PSL reader in :mod:`mercwatch.iocs`.
    """
    hosts = link_events(ctx).select("host").distinct().order_by("host").to_pyarrow()
    names = hosts["host"].to_pylist()
    rows = {"host": names, "domain": [registrable_domain(h) for h in names]}
    schema = pa.schema([("host", pa.string()), ("domain", pa.string())])
    return ibis.memtable(pa.Table.from_pydict(rows, schema=schema))


@shared_table("eng_cosharing_shares")
def shares(ctx: DetectionContext) -> ir.Table:
    """Columns ``actor``, ``kind`` (``url`` | ``domain``), ``item``, ``t`` (epoch s), ``ts``.

    One row per account, item and moment it was shared (repeats at one moment once).
    """
    ev = link_events(ctx)
    doms = host_domains(ctx)
    ev = ev.join(doms, "host")
    cols = dict(actor=ev.actor, t=epoch_seconds(ev.ts), ts=ev.ts)
    urls = ev.select(kind=ibis.literal("url"), item=url_key(ev.url, ev.host), **cols)
    domains = ev.select(kind=ibis.literal("domain"), item=ev.domain, **cols)
    return urls.union(domains).distinct()


def rare_shares(ctx: DetectionContext, max_sharers: int | None) -> ir.Table:
    """:func:`shares` with ``n`` (distinct sharers of the item platform-wide) and weight
    ``w = 1 / (n - 1)``, keeping items shared by 2 to ``max_sharers`` accounts (no upper
    bound when ``None``)."""
    s = shares(ctx)
    sharers = s.select("actor", "kind", "item").distinct()
    sharers = sharers.group_by(["kind", "item"]).aggregate(n=sharers.actor.count())
    keep = sharers.n >= 2
    if max_sharers is not None:
        keep = keep & (sharers.n <= int(max_sharers))
    sharers = sharers.filter(keep)
    s = s.join(sharers, ["kind", "item"])
    return s.mutate(w=1.0 / (s.n - 1).cast("float64"))


def shared_items(
    ctx: DetectionContext,
    url_window_s: float,
    domain_window_s: float,
    max_sharers: int | None,
) -> ir.Table:
    """One row per account pair ``a < b`` and item both shared within the item kind's window.

    Columns ``a``, ``b``, ``kind``, ``item``, ``n``, ``w``, ``ta``, ``tb`` (the closest
    two moments, epoch seconds) and ``ts_a``, ``ts_b`` (the same as timestamps).
    """
    s = rare_shares(ctx, max_sharers)
    x = s.select(a="actor", kind="kind", item="item", n="n", w="w", ta="t", ts_a="ts")
    y = s.select(b="actor", kind_b="kind", item_b="item", tb="t", ts_b="ts")
    window = ibis.ifelse(x.kind == "url", float(url_window_s), float(domain_window_s))
    j = x.join(
        y,
        [x.kind == y.kind_b, x.item == y.item_b, x.a < y.b, (x.ta - y.tb).abs() <= window],
    )
    j = j.mutate(gap=(j.ta - j.tb).abs())
    # The closest two moments per pair and item, ties broken by time so engines agree.
    order = ibis.window(group_by=["a", "b", "kind", "item"], order_by=["gap", "ta", "tb"])
    j = j.mutate(rank=ibis.row_number().over(order))
    return j.filter(j["rank"] == 0).select(
        "a", "b", "kind", "item", "n", "w", "ta", "tb", "ts_a", "ts_b"
    )


def _minute(ts: ir.TimestampValue) -> ir.StringValue:
    """``2021-09-03 10:05`` (UTC), spelled the same by every engine."""
    return (
        ts.date().cast("string")
        + " "
        + ts.hour().cast("string").lpad(2, "0")
        + ":"
        + ts.minute().cast("string").lpad(2, "0")
    )


class CoSharing(Detector):
    """Accounts that share rare URLs or rare link domains with each other within a window."""

    id = "engagement.co_sharing"
    version = 1
    phase = Phase.ENGAGEMENT
    reads = ("events",)
    description = (
        "Accounts sharing the same URL (within an hour) or registrable domain (within a "
        "day) as few other accounts do, weighted by how rare the link is."
    )
    defaults = {
        "url_window_hours": 1.0,
        "domain_window_hours": 24.0,
        "max_sharers": 20,  # items shared more widely are viral or popular: weight 0
        "half_url": 1.0,  # summed URL weight of a pair for 0.5
        "half_domain": 0.5,
        "w_url": 0.9,
        "w_domain": 0.6,
        "min_pair": 0.1,  # weaker pairs are chance: many of them are no more than one
        "min_score": 0.1,
    }

    def detect(self, ctx: DetectionContext) -> ir.Table:
        p = lambda name: self.p(ctx, name)  # noqa: E731
        items = shared_items(
            ctx,
            float(p("url_window_hours")) * 3600.0,
            float(p("domain_window_hours")) * 3600.0,
            int(p("max_sharers")),
        )
        items = items.mutate(
            # URLs written with a scheme, so the report's safety pass (shareable_text)
            # recognises them and reduces a personalised path to its shape.
            line=items.kind
            + " "
            + ibis.ifelse(items.kind == "url", "https://" + items.item, items.item)
            + " ("
            + items.n.cast("string")
            + " sharers; "
            + _minute(items.ts_a)
            + " and "
            + _minute(items.ts_b)
            + " UTC)"
        )
        pairs = items.group_by(["a", "b"]).aggregate(
            url_w=exact_sum(items.w, where=items.kind == "url"),
            domain_w=exact_sum(items.w, where=items.kind == "domain"),
            n_items=items.item.count(),
            shared=items.line.collect().sort().join("; "),
        )
        pairs = pairs.mutate(
            url_w=pairs.url_w.fill_null(0.0), domain_w=pairs.domain_w.fill_null(0.0)
        )
        pairs = pairs.mutate(
            pair=noisy_or(
                [
                    (saturating(pairs.url_w, p("half_url")), p("w_url")),
                    (saturating(pairs.domain_w, p("half_domain")), p("w_domain")),
                ]
            )
        )
        cols = dict(pair="pair", n_items="n_items", shared="shared")
        both = pairs.select(account="a", partner="b", **cols).union(
            pairs.select(account="b", partner="a", **cols)
        )
        return self._per_account(ctx, both)

    def _per_account(self, ctx: DetectionContext, both: ir.Table) -> ir.Table:
        """Noisy-or over partners; the strongest partner's shared items as evidence.

        Pairs that only share a widely shared item are dropped, not combined: a dozen
        people who each posted the same small site once are not a dozen witnesses.
        """
        per = combine_partners(both, keep=("shared",), min_pair=self.p(ctx, "min_pair"))
        per = per.filter(per.score >= self.p(ctx, "min_score"))
        detail = (
            "shares rare links with "
            + per.partners.cast("string")
            + " accounts; strongest with "
            + per.best_partner
            + " (pair score "
            + fmt(per.best)
            + "): "
            + per.best_shared
        )
        return per.select(
            subject_type=ibis.literal("account"),
            subject=per.account,
            score=per.score,
            detail=detail,
        )
