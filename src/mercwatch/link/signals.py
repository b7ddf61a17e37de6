"""Read the detectors' signals: per-account scores and flagged infrastructure.

Signals are aggregated in the engine (one row per subject) and only the aggregates
come back to Python, so a detector that scores every account stays cheap.
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass, field

import ibis

from mercwatch.link.context import LinkContext, fetch, keys_table
from mercwatch.link.intel import (
    indicator_kind,
    normalize_domain,
    normalize_ip,
    normalize_url,
)
from mercwatch.model import Evidence, Phase, SubjectType

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
INTEL_SCORE = 1.0  # an indicator a peer published is treated as a certain flag


@dataclass(frozen=True, slots=True)
class Flags:
    """Infrastructure that signals or intel mark as malicious, normalized -> score.

    ``evidence`` keeps the flagging signals per (subject_type, normalized value), so an
    operation can show why its infrastructure counts as malicious. ``network_ips`` are
    addresses flagged only because they sit inside a flagged CIDR block: enough to make
    their users candidates, too broad to count as anyone's own evidence.
    """

    domains: dict[str, float] = field(default_factory=dict)
    urls: dict[str, float] = field(default_factory=dict)
    ips: dict[str, float] = field(default_factory=dict)
    devices: dict[str, float] = field(default_factory=dict)
    asns: dict[int, float] = field(default_factory=dict)
    networks: list[tuple[str, Network, float]] = field(default_factory=list)
    network_ips: dict[str, float] = field(default_factory=dict)
    evidence: dict[tuple[str, str], list[Evidence]] = field(default_factory=dict)


def account_scores(ctx: LinkContext) -> tuple[dict[str, float], dict[str, float]]:
    """Noisy-or over detectors of each account's strongest signal per detector.

    Taking the max within a detector first keeps one chatty detector (many signals
    about one account) from counting as many independent witnesses.

    Returns:
        (all signals, own signals): the second leaves out the detectors listed in
        ``config.tie_detectors``, whose account signals restate shared
        infrastructure and so are no evidence of the account's own conduct.
    """
    sig = ctx.signals.filter(ctx.signals.subject_type == SubjectType.ACCOUNT.value)
    per_detector = sig.group_by(["subject", "detector"]).agg(score=sig.score.max())
    clipped = per_detector.score.clip(lower=0.0, upper=0.999999)
    tie = per_detector.detector.isin(list(ctx.config.tie_detectors) or [""])
    log_rest = (1.0 - clipped).ln()
    combined = per_detector.group_by("subject").agg(
        all_rest=log_rest.sum(), own_rest=ibis.ifelse(tie, 0.0, log_rest).sum()
    )
    every, own = {}, {}
    for row in fetch(combined):
        every[row["subject"]] = 1.0 - math.exp(float(row["all_rest"]))
        own[row["subject"]] = 1.0 - math.exp(float(row["own_rest"]))
    return every, own


def approach_scores(ctx: LinkContext) -> dict[str, float]:
    """Each account's strongest own engagement signal (approaching people).

    The weak-evidence path of :func:`mercwatch.link.cluster.keep_group` needs to
    know which members were seen approaching at-risk strangers (a persona's
    outreach), as opposed to watching or sharing infrastructure. Detectors in
    ``config.tie_detectors`` restate shared infrastructure and do not count.
    """
    sig = ctx.signals
    tie = list(ctx.config.tie_detectors) or [""]
    mine = sig.filter(
        (sig.subject_type == SubjectType.ACCOUNT.value)
        & (sig.phase == Phase.ENGAGEMENT.value)
        & ~sig.detector.isin(tie)
    )
    rows = fetch(mine.group_by("subject").agg(score=mine.score.max()))
    return {row["subject"]: float(row["score"]) for row in rows}


def aimed_recon_scores(ctx: LinkContext) -> dict[str, float]:
    """Each account's strongest own reconnaissance signal aimed at at-risk people.

    Only detectors in ``config.aimed_recon_detectors`` count: their evidence is, by
    construction, attention on named at-risk people (searches for their names, views
    of them and their circles, rarity-weighted against everyone's). Generic collection
    (pace, breadth, list order: a scraper of anybody) is reconnaissance too, but says
    nothing about whom it was for. The watch-ring rule of
    :mod:`~.watch_rings` counts only the first kind.
    """
    sig = ctx.signals
    aimed = list(ctx.config.aimed_recon_detectors) or [""]
    mine = sig.filter(
        (sig.subject_type == SubjectType.ACCOUNT.value)
        & (sig.phase == Phase.RECONNAISSANCE.value)
        & sig.detector.isin(aimed)
    )
    rows = fetch(mine.group_by("subject").agg(score=mine.score.max()))
    return {row["subject"]: float(row["score"]) for row in rows}


def phase_scores(ctx: LinkContext) -> dict[str, dict[str, float]]:
    """Each account's strongest own signal per kill-chain phase.

    The evidence families of :mod:`~.corroboration`; detectors in
    ``config.tie_detectors`` restate shared infrastructure and do not count.
    """
    sig = ctx.signals
    tie = list(ctx.config.tie_detectors) or [""]
    mine = sig.filter(
        (sig.subject_type == SubjectType.ACCOUNT.value)
        & sig.phase.isin([phase.value for phase in Phase])
        & ~sig.detector.isin(tie)
    )
    found: dict[str, dict[str, float]] = {}
    for row in fetch(mine.group_by(["subject", "phase"]).agg(score=mine.score.max())):
        found.setdefault(row["subject"], {})[row["phase"]] = float(row["score"])
    return found


def load_flags(ctx: LinkContext) -> Flags:
    """Collect flagged domains/URLs/IPs/devices/networks from signals and intel."""
    sig = ctx.signals
    cfg = ctx.config
    link_kinds = [SubjectType.DOMAIN.value, SubjectType.URL.value]
    strong = sig.filter(
        ibis.ifelse(
            sig.subject_type.isin(link_kinds),
            sig.score >= cfg.link_flag_threshold,
            sig.score >= cfg.infra_flag_threshold,
        )
        & (sig.subject_type != SubjectType.ACCOUNT.value)
    )
    flags = Flags()
    order = ["subject_type", "subject", "detector", "phase", "score", "detail"]
    for row in fetch(strong.order_by(order)):
        key = _add_signal_flag(flags, row["subject_type"], row["subject"], float(row["score"]))
        evidence = _to_evidence(row)
        if key is not None and evidence is not None:
            flags.evidence.setdefault(key, []).append(evidence)
    for value in ctx.intel.values():
        _add_intel_flag(flags, value)
    return flags


def _add_signal_flag(flags: Flags, kind: str, subject: str, score: float) -> tuple[str, str] | None:
    """Record one flag; returns the (kind, normalized value) key, or None if unusable."""
    if kind == SubjectType.DOMAIN.value:
        value = normalize_domain(subject)
        _keep_max(flags.domains, value, score)
    elif kind == SubjectType.URL.value:
        value = normalize_url(subject)
        _keep_max(flags.urls, value, score)
    elif kind == SubjectType.IP.value:
        value = normalize_ip(subject)
        _keep_max(flags.ips, value, score)
    elif kind == SubjectType.DEVICE.value:
        value = subject.strip()
        _keep_max(flags.devices, value, score)
    elif kind == SubjectType.NETWORK.value:
        value = subject.strip()
        if not _add_network(flags, value, score):
            return None
    else:
        return None
    return kind, value


def _add_intel_flag(flags: Flags, value: str) -> None:
    kind = indicator_kind(value)
    target = {"url": flags.urls, "ip": flags.ips}.get(kind, flags.domains)
    _keep_max(target, value, INTEL_SCORE)


def _add_network(flags: Flags, subject: str, score: float) -> bool:
    """A network is an ASN (``AS64500`` or ``64500``) or a CIDR block."""
    text = subject.upper().removeprefix("AS")
    if text.isdigit():
        _keep_max(flags.asns, int(text), score)
        return True
    try:
        network = ipaddress.ip_network(subject, strict=False)
    except ValueError:
        return False
    flags.networks.append((subject, network, score))
    return True


def _keep_max(target: dict, key: object, score: float) -> None:
    target[key] = max(score, target.get(key, 0.0))


def account_evidence(ctx: LinkContext, accounts: set[str]) -> dict[str, list[Evidence]]:
    """The account signals about ``accounts``, as evidence items per account."""
    if not accounts:
        return {}
    sig = ctx.signals.filter(ctx.signals.subject_type == SubjectType.ACCOUNT.value)
    wanted = keys_table("subject", accounts)
    rows = fetch(sig.semi_join(wanted, sig.subject == wanted.subject))
    found: dict[str, list[Evidence]] = {}
    for row in rows:
        evidence = _to_evidence(row)
        if evidence is not None:
            found.setdefault(row["subject"], []).append(evidence)
    return found


def _to_evidence(row: dict) -> Evidence | None:
    """A signal row as an evidence item; None when its phase is not a kill-chain phase."""
    if row["phase"] not in Phase._value2member_map_:
        return None
    return Evidence(
        detector=row["detector"],
        phase=Phase(row["phase"]),
        subject=row["subject"],
        score=float(row["score"]),
        detail=row["detail"] or "",
    )
