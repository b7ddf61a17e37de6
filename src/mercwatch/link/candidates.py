"""Which accounts may belong to an operation.

An account becomes a candidate for its own signals, for delivering a malicious link,
for acting on targets through flagged infrastructure, or (for hijacked accounts with no
history of their own) for acting on targets from a device a strong candidate uses. The
joins run in the engine; only the candidate ids and scores come back.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import ibis

from mercwatch.link.context import LinkContext, fetch, keys_table, noisy_or, rows_table
from mercwatch.link.hosts import link_events, match_domains
from mercwatch.link.signals import Flags

REASON_SIGNALS = "signals"
REASON_LINK = "malicious_link"
REASON_INFRA = "flagged_infrastructure"
REASON_DEVICE = "shared_device"


@dataclass(frozen=True, slots=True)
class Candidate:
    """An account that may be run by an operation.

    Attributes:
        account_id: the account.
        own_score: noisy-or of its account signals, its malicious deliveries and the
            flags on rarely shared IPs/devices it acted on targets through; what it did
            itself, as opposed to what it shares with others.
        infra_score: strongest flag of the IPs/devices/networks it acted through.
        reasons: why it is a candidate (``signals``, ``malicious_link``,
            ``flagged_infrastructure``, ``shared_device``), sorted.
        approach_score: its strongest own engagement signal (approaching people),
            for the persona-ring rule of :func:`mercwatch.link.cluster.keep_group`.
        families: (family, strongest own evidence) for the corroboration rule of
            :mod:`mercwatch.link.corroboration`, in family order.
        established: it had friends before the window (:mod:`mercwatch.link.standing`).
        rooted: it had at least one such friend.
        aimed_recon: its strongest own reconnaissance signal aimed at at-risk people
            (:func:`~.signals.aimed_recon_scores`), for the watch-ring rule
            (:mod:`~.watch_rings`).
    """

    account_id: str
    own_score: float
    infra_score: float
    reasons: tuple[str, ...]
    approach_score: float = 0.0
    families: tuple[tuple[str, float], ...] = ()
    established: bool = False
    rooted: bool = False
    aimed_recon: float = 0.0

    @property
    def persona(self) -> bool:
        """No friend from before the window: an account with no social life of its own."""
        return not (self.rooted or self.established)


def target_events(ctx: LinkContext) -> ibis.Table:
    """Events in which an account acted on another account."""
    ev = ctx.events
    types = [name for name, _ in ctx.config.target_events]
    return ev.filter(ev.type.isin(types) & ev.actor_id.notnull() & ev.target_id.notnull())


def malicious_links(ctx: LinkContext, flags: Flags) -> ibis.Table:
    """Link events whose URL or domain is flagged, one row per matched indicator.

    Columns: the event's columns plus ``host``, ``nurl``, ``indicator`` (the flagged
    value), ``kind`` (``domain`` or ``url``) and ``flag_score``.
    """
    links = link_events(ctx)
    dom_scores = rows_table(
        [{"indicator": k, "flag_score": v} for k, v in sorted(flags.domains.items())],
        {"indicator": "string", "flag_score": "float64"},
    )
    by_domain = match_domains(links, flags.domains)
    by_domain = by_domain.join(dom_scores, by_domain.domain == dom_scores.indicator)
    by_domain = by_domain.drop("domain").mutate(kind=ibis.literal("domain"))
    url_scores = rows_table(
        [{"indicator": k, "flag_score": v} for k, v in sorted(flags.urls.items())],
        {"indicator": "string", "flag_score": "float64"},
    )
    by_url = links.join(url_scores, links.nurl == url_scores.indicator)
    by_url = by_url.mutate(kind=ibis.literal("url"))
    return ibis.union(by_domain, by_url.select(*by_domain.columns), distinct=False)


def expand_networks(ctx: LinkContext, flags: Flags) -> None:
    """Fill ``flags.network_ips`` with the target-acting IPs inside flagged CIDR blocks.

    The network's signals become those IPs' evidence.

    The engine pre-filters by the network's whole leading octets (or first hextet)
    as a string prefix; Python checks exact membership over that small distinct set.
    """
    if not flags.networks:
        return
    ev = target_events(ctx).filter(lambda t: t.ip.notnull())
    for subject, network, score in flags.networks:
        because = flags.evidence.get(("network", subject), [])
        prefix = _text_prefix(network)
        ips = ev.filter(ev.ip.startswith(prefix)).select("ip").distinct()
        for row in fetch(ips):
            try:
                inside = ipaddress.ip_address(row["ip"]) in network
            except ValueError:
                continue
            if inside:
                flags.network_ips[row["ip"]] = max(score, flags.network_ips.get(row["ip"], 0.0))
                flags.evidence.setdefault(("ip", row["ip"]), []).extend(because)


def _text_prefix(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> str:
    if network.version == 4:
        whole = network.prefixlen // 8
        octets = str(network.network_address).split(".")[:whole]
        return "".join(f"{octet}." for octet in octets)
    if network.prefixlen >= 16:
        first = network.network_address.exploded.split(":")[0].lstrip("0")
        return f"{first}:" if first else ""
    return ""


def _flag_table(values: dict, dtype: str = "string") -> ibis.Table:
    rows = [{"value": k, "score": v} for k, v in sorted(values.items())]
    return rows_table(rows, {"value": dtype, "score": "float64"})


def infra_actors(ctx: LinkContext, flags: Flags) -> tuple[dict[str, float], dict[str, float]]:
    """Accounts that acted on targets through flagged infrastructure.

    Returns two maps account -> strongest flag: through any flagged IP, device, ASN or
    CIDR block (makes a candidate), and through a directly flagged IP or device that at
    most ``infra_max_accounts`` accounts use platform-wide. The second is the account's
    own evidence: a detector that flags an address few people use has flagged them.
    """
    ev = target_events(ctx)
    ips = _flag_table(flags.ips)
    devices = _flag_table(flags.devices)
    direct = ibis.union(
        ev.join(ips, ev.ip == ips.value).select("actor_id", "value", "score"),
        ev.join(devices, ev.device_id == devices.value).select("actor_id", "value", "score"),
        distinct=False,
    )
    wide_ips, asns = _flag_table(flags.network_ips), _flag_table(flags.asns, "int64")
    broad = ibis.union(
        direct.select("actor_id", "score"),
        ev.join(wide_ips, ev.ip == wide_ips.value).select("actor_id", "score"),
        ev.join(asns, ev.asn == asns.value).select("actor_id", "score"),
        distinct=False,
    )
    wanted = direct.select(flagged=direct.value).distinct()
    users = _key_users(ctx, wanted)
    breadth = users.group_by("value").agg(n=users.actor_id.nunique())
    narrow = direct.join(breadth, "value").filter(lambda t: t.n <= ctx.config.infra_max_accounts)
    return _best(broad), _best(narrow)


def _key_users(ctx: LinkContext, wanted: ibis.Table) -> ibis.Table:
    """Distinct (actor_id, value) over the IPs and devices of every event, for the
    values in ``wanted.flagged`` only.

    Each side is narrowed to the wanted values before the distinct union: the
    platform's (account, address) pairs are millions, the flagged ones a few.
    """
    ev = ctx.events.filter(ctx.events.actor_id.notnull())
    by_ip = ev.semi_join(wanted, ev.ip == wanted.flagged)
    by_device = ev.semi_join(wanted, ev.device_id == wanted.flagged)
    return ibis.union(
        by_ip.select("actor_id", value=by_ip.ip),
        by_device.select("actor_id", value=by_device.device_id),
        distinct=True,
    )


def _best(hits: ibis.Table) -> dict[str, float]:
    rows = fetch(hits.group_by("actor_id").agg(score=hits.score.max()))
    return {row["actor_id"]: float(row["score"]) for row in rows}


def device_sharers(ctx: LinkContext, strong: set[str]) -> set[str]:
    """Accounts acting on targets from a rarely shared device a strong candidate used.

    A hijacked account keeps its old, clean history; what gives it away is that the
    operation now drives it from the operation's own phones and browsers.
    """
    if not strong:
        return set()
    ev = ctx.events.filter(ctx.events.device_id.notnull() & ctx.events.actor_id.notnull())
    # Not deduplicated first: only semi-joins and a distinct count read it.
    pairs = ev.select("actor_id", "device_id")
    keys = keys_table("actor_id", strong)
    used = pairs.semi_join(keys, pairs.actor_id == keys.actor_id).select("device_id").distinct()
    on_used = pairs.semi_join(used, pairs.device_id == used.device_id)
    breadth = on_used.group_by("device_id").agg(n=on_used.actor_id.nunique())
    rare = breadth.filter(breadth.n <= ctx.config.infra_max_accounts)
    te = target_events(ctx)
    acting = te.semi_join(rare, te.device_id == rare.device_id).select("actor_id").distinct()
    return {row["actor_id"] for row in fetch(acting)} - strong


def _intel_senders(ctx: LinkContext, malicious: ibis.Table) -> set[str]:
    """Accounts that delivered a domain or URL a peer's feed names.

    A peer's own investigation is evidence independent of ours: the
    ``intel`` family of :mod:`~.corroboration`.
    """
    values = set(ctx.intel.values())
    if not values:
        return set()
    keys = keys_table("indicator", values)
    hits = malicious.semi_join(keys, malicious.indicator == keys.indicator)
    return {row["actor_id"] for row in fetch(hits.select("actor_id").distinct())}


def _families(
    phases: dict[str, float], delivered: float, infrastructure: float, named: bool
) -> tuple[tuple[str, float], ...]:
    """An account's own evidence per family (see :mod:`~.corroboration`)."""
    scores = {
        "reconnaissance": phases.get("reconnaissance", 0.0),
        "engagement": phases.get("engagement", 0.0),
        "exploitation": max(phases.get("exploitation", 0.0), delivered),
        "infrastructure": infrastructure,
        "intel": 1.0 if named else 0.0,
    }
    return tuple((family, score) for family, score in scores.items() if score > 0.0)


def find_candidates(
    ctx: LinkContext,
    scores: tuple[dict[str, float], dict[str, float]],
    flags: Flags,
    malicious: ibis.Table,
    approach: dict[str, float] | None = None,
    phases: dict[str, dict[str, float]] | None = None,
    aimed: dict[str, float] | None = None,
) -> dict[str, Candidate]:
    """All candidate accounts, keyed by id.

    Args:
        scores: (all, own) account scores from :func:`~.signals.account_scores`.
        approach: account -> strongest own engagement signal
            (:func:`~.signals.approach_scores`).
        phases: account -> phase -> strongest own signal (:func:`~.signals.phase_scores`).
        aimed: account -> strongest own reconnaissance aimed at at-risk people
            (:func:`~.signals.aimed_recon_scores`).
    """
    approach, phases, aimed = approach or {}, phases or {}, aimed or {}
    every, own_signals = scores
    cfg = ctx.config
    delivered = {
        row["actor_id"]: float(row["score"])
        for row in fetch(malicious.group_by("actor_id").agg(score=malicious.flag_score.max()))
    }
    expand_networks(ctx, flags)
    infra, attributable = infra_actors(ctx, flags)
    named = _intel_senders(ctx, malicious)
    reasons: dict[str, set[str]] = {}
    for account, score in every.items():
        if score >= cfg.account_threshold:
            reasons.setdefault(account, set()).add(REASON_SIGNALS)
    for account in delivered:
        reasons.setdefault(account, set()).add(REASON_LINK)
    for account in infra:
        reasons.setdefault(account, set()).add(REASON_INFRA)

    def own(account: str) -> float:
        link = delivered.get(account, 0.0) * cfg.delivered_link_weight
        return noisy_or([own_signals.get(account, 0.0), link, attributable.get(account, 0.0)])

    if cfg.device_expansion:
        # persona-ring members (approaching at-risk strangers) drive their crew's
        # devices too: a member with no signal of its own is found through them
        strong = {
            a
            for a in reasons
            if own(a) >= cfg.strong_threshold or approach.get(a, 0.0) >= cfg.ring_member_score
        }
        for account in device_sharers(ctx, strong):
            reasons.setdefault(account, set()).add(REASON_DEVICE)
    return {
        account: Candidate(
            account,
            own(account),
            infra.get(account, 0.0),
            tuple(sorted(why)),
            approach.get(account, 0.0),
            _families(
                phases.get(account, {}),
                delivered.get(account, 0.0) * cfg.delivered_link_weight,
                attributable.get(account, 0.0),
                account in named,
            ),
            aimed_recon=aimed.get(account, 0.0),
        )
        for account, why in sorted(reasons.items())
    }
