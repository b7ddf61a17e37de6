"""Derived tables the reconnaissance detectors share, each built once per run.

They complement :mod:`mercwatch.detectors.shared` (at-risk users, close contacts,
friendships) with the view-level facts reconnaissance needs: who viewed whom from
where, which viewing is a declared crawler, how many people stand behind an address,
which viewed people answer back, and the population's base rates that every
threshold is measured against.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import ibis
import ibis.expr.types as ir
import yaml

from mercwatch.detectors.base import DetectionContext, shared_table
from mercwatch.detectors.shared import account_addresses, at_risk, friend_pairs, interest
from mercwatch.errors import ConfigError
from mercwatch.store.exprs import epoch_seconds

#: Viewer kinds: a logged-in account, a logged-out address, or (``device_views`` only)
#: the browser fingerprint of logged-out views.
ACCOUNT, IP, NETWORK, DEVICE = "account", "ip", "network", "device"
_IPV4_24 = r"^(\d{1,3}\.\d{1,3}\.\d{1,3})\.\d{1,3}$"


@dataclass(frozen=True, slots=True)
class CrawlerRule:
    """A declared crawler: user-agent token (lower case) and the ASNs it crawls from."""

    token: str
    operator: str
    asns: tuple[int, ...]


@cache
def crawler_rules() -> tuple[CrawlerRule, ...]:
    """The declared crawlers of ``recon/data/crawlers.yaml``.

    Raises:
        ConfigError: the bundled file is unreadable or malformed.
    """
    try:
        text = resources.files(__package__).joinpath("data/crawlers.yaml").read_text("utf-8")
        rows = yaml.safe_load(text)["crawlers"]
        return tuple(
            CrawlerRule(
                str(r["token"]).lower(),
                str(r["operator"]),
                tuple(int(a) for a in r.get("asns", ())),
            )
            for r in rows
        )
    except (OSError, KeyError, TypeError, ValueError, yaml.YAMLError) as exc:
        raise ConfigError(f"bundled crawler list is unreadable: {exc}") from exc


def declared_crawler(user_agent: ir.StringValue, asn: ir.IntegerValue) -> ir.BooleanValue:
    """Whether a view comes from a crawler that says what it is, from its own network.

    A crawler token from a network its operator does not crawl from is a copied user
    agent, so it does not count as a declaration.
    """
    ua = user_agent.lower()
    declared = ibis.literal(False)
    for rule in crawler_rules():
        claim = ua.contains(rule.token)
        if rule.asns:
            claim = claim & asn.isin(list(rule.asns))
        declared = declared | claim
    return declared.fill_null(False)


def net24(ip: ir.StringValue) -> ir.StringValue:
    """The IPv4 /24 holding ``ip`` as CIDR text (null for IPv6 or missing)."""
    head = ip.re_extract(_IPV4_24, 1)
    return ibis.ifelse(head.isnull() | (head == ""), ibis.null("string"), head + ".0/24")


@shared_table("recon_views")
def views(ctx: DetectionContext) -> ir.Table:
    """Profile views: ``viewer_type`` (account | ip), ``viewer``, ``target``, ``ts``, ``es``
    (epoch seconds), ``ip``, ``asn``, ``net`` (/24 of logged-out views), ``device_id``,
    ``browser`` (device id, else user agent), ``crawler`` (declared crawler), ``event_id``.
    Self-views are left out."""
    events = ctx.table("events")
    v = events.filter((events.type == "view_profile") & events.target_id.notnull())
    logged_in = v.actor_id.notnull()
    out = v.select(
        event_id=v.event_id,
        ts=v.ts,
        es=epoch_seconds(v.ts),
        target=v.target_id,
        viewer_type=ibis.ifelse(logged_in, ACCOUNT, IP),
        viewer=ibis.coalesce(v.actor_id, v.ip),
        ip=v.ip,
        asn=v.asn,
        net=ibis.ifelse(logged_in, ibis.null("string"), net24(v.ip)),
        device_id=v.device_id,
        browser=ibis.coalesce(v.device_id, v.user_agent, ibis.literal("")),
        crawler=declared_crawler(v.user_agent, v.asn),
    )
    return out.filter(out.viewer.notnull() & (out.viewer != out.target))


@shared_table("recon_device_views")
def device_views(ctx: DetectionContext) -> ir.Table:
    """The logged-out views that carry a browser fingerprint no account ever signed in
    on, as that browser's views: the columns of :func:`views` with ``viewer_type``
    ``device`` and ``viewer`` the device id.

    A watcher that rotates its exits spreads its views over many addresses, none of
    which looks like anything, while its automated browser keeps one fingerprint; the
    browser is the viewer then. Kept apart from :func:`views` so the address viewers,
    the audiences and the base rates every recon detector measures against do not
    count one view twice. A browser someone signed in on (their own, a family tablet, a
    shared office laptop) is a person's: their signed-in views are judged as their
    account, and a flag on it would tie those accounts to whatever it read signed out.
    """
    v = views(ctx)
    mine = v.filter((v.viewer_type == IP) & v.device_id.notnull() & (v.device_id != ""))
    events = ctx.table("events")
    used = events.filter(events.actor_id.notnull() & events.device_id.notnull())
    used = used.select(used_device=used.device_id).distinct()
    mine = mine.anti_join(used, mine.device_id == used.used_device)
    return mine.mutate(viewer_type=ibis.literal(DEVICE), viewer=mine.device_id)


@shared_table("recon_people_behind")
def people_behind(ctx: DetectionContext) -> ir.Table:
    """``subject_type``, ``subject``, ``people``: accounts that logged in via an address,
    a /24 or an ASN (``AS64500``), i.e. how many people its traffic may come from."""
    seen = account_addresses(ctx)
    seen = seen.mutate(net=net24(seen.ip))
    parts = [
        seen.select(subject_type=ibis.literal(IP), subject=seen.ip, actor=seen.actor),
        seen.filter(seen.net.notnull()).select(
            subject_type=ibis.literal(NETWORK), subject=seen.net, actor=seen.actor
        ),
        seen.filter(seen.asn.notnull()).select(
            subject_type=ibis.literal(NETWORK),
            subject=ibis.literal("AS") + seen.asn.cast("string"),
            actor=seen.actor,
        ),
    ]
    units = ibis.union(*parts, distinct=False)  # nunique below removes repeats
    return units.group_by(["subject_type", "subject"]).aggregate(people=units.actor.nunique())


def crowd(accounts: ir.IntegerValue, browsers: ir.IntegerValue) -> ir.IntegerValue:
    """How many people an address's logged-out views stand for (at least 1).

    An office or carrier NAT has many accounts behind it *and* many browsers (devices,
    user agents) in its logged-out views; an operation's own address may have a few
    of its personas logging in through it but one scraping agent. Both must be large
    for the views to be shared out among people, hence the smaller of the two.
    """
    return ibis.greatest(ibis.least(accounts.fill_null(1), browsers.fill_null(1)), 1)


@shared_table("recon_answered")
def answered(ctx: DetectionContext) -> ir.Table:
    """``viewer``, ``person``: the person acted toward the viewer (viewed, messaged,
    requested, accepted ...) or they are friends, so the attention is mutual. Kept for
    people worth protecting (at-risk users and close contacts) only."""
    events = ctx.table("events")
    acted = events.filter(events.actor_id.notnull() & events.target_id.notnull())
    back = acted.select(viewer=acted.target_id, person=acted.actor_id)
    friends = friend_pairs(ctx)
    both = back.union(friends.select(viewer=friends.a, person=friends.b), distinct=False)
    # Only people worth protecting are ever asked about: the rest would be most rows.
    people = interest(ctx)
    both = both.semi_join(people, both.person == people.account_id)
    return both.distinct()


@shared_table("recon_watch_pairs")
def watch_pairs(ctx: DetectionContext) -> ir.Table:
    """Per (viewer, person worth protecting): ``views``, ``kind`` (at_risk | contact),
    ``first``/``last`` view and ``mutual`` (the person answers back or is a friend)."""
    return _pairs(ctx, views(ctx))


@shared_table("recon_device_watch_pairs")
def device_watch_pairs(ctx: DetectionContext) -> ir.Table:
    """:func:`watch_pairs` of the logged-out browsers (:func:`device_views`); never mutual
    (nobody can answer a signed-out browser)."""
    return _pairs(ctx, device_views(ctx))


def _pairs(ctx: DetectionContext, v: ir.Table) -> ir.Table:
    people = interest(ctx)
    pairs = v.join(people, v.target == people.account_id)
    pairs = pairs.group_by(["viewer_type", "viewer", "target", "kind"]).aggregate(
        views=pairs.count(), first=pairs.ts.min(), last=pairs.ts.max()
    )
    back = answered(ctx).select(b_viewer="viewer", b_person="person", mutual=ibis.literal(True))
    joined = pairs.left_join(
        back, (pairs.viewer == back.b_viewer) & (pairs.target == back.b_person)
    )
    return joined.select(
        "viewer_type",
        "viewer",
        "target",
        "kind",
        "views",
        "first",
        "last",
        mutual=joined.mutual.fill_null(False) & (joined.viewer_type == ACCOUNT),
    )


@shared_table("recon_audience")
def audience(ctx: DetectionContext) -> ir.Table:
    """``target``, ``viewers`` (distinct), ``views``: how watched each profile is."""
    v = views(ctx)
    return v.group_by("target").aggregate(viewers=v.viewer.nunique(), views=v.count())


@shared_table("recon_base_rates")
def base_rates(ctx: DetectionContext) -> ir.Table:
    """One row of population base rates.

    ``uniform_*`` is the share of accounts that are at-risk / worth protecting (what a
    crawler visiting profiles evenly sees); ``audience_*`` is the share of logged-in,
    non-crawler views landing on them (what ordinary people's attention looks like;
    higher, because at-risk people are public figures). ``all_viewers`` counts every
    distinct viewer, the denominator of chance co-viewing.
    """
    accounts = ctx.table("accounts")
    people = interest(ctx)
    risk = at_risk(ctx)
    v = views(ctx)
    kinds = v.left_join(people, v.target == people.account_id)
    humans = kinds.filter((kinds.viewer_type == ACCOUNT) & ~kinds.crawler)
    per_view = humans.aggregate(
        views=humans.count(),
        viewers=humans.viewer.nunique(),
        on_risk=(humans.kind == "at_risk").sum(),
        on_interest=humans.kind.notnull().sum(),
    )
    sizes = accounts.aggregate(accounts=accounts.count())
    risk_n = risk.aggregate(at_risk=risk.count())
    interest_n = people.aggregate(interest=people.count())
    all_viewers = v.aggregate(all_viewers=v.viewer.nunique())
    rates = (
        per_view.cross_join(sizes).cross_join(risk_n).cross_join(interest_n).cross_join(all_viewers)
    )
    n_acc = ibis.greatest(rates.accounts, 1).cast("float64")
    n_views = ibis.greatest(rates.views, 1).cast("float64")
    return rates.mutate(
        uniform_risk=rates.at_risk / n_acc,
        uniform_interest=rates.interest / n_acc,
        audience_risk=rates.on_risk.cast("float64") / n_views,
        audience_interest=rates.on_interest.cast("float64") / n_views,
    )


def join_on(left: ir.Table, right: ir.Table, keys: list[str], how: str = "inner") -> ir.Table:
    """Join on equal-named ``keys``, keeping one copy of each key column.

    Ibis merges equal-named keys of inner joins but keeps ``<key>_right`` copies on
    outer joins; this gives both the same shape.
    """
    joined = left.join(right, keys, how=how)
    extra = [f"{k}_right" for k in keys if f"{k}_right" in joined.columns]
    return joined.drop(*extra) if extra else joined
