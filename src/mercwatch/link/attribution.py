"""Attribute an operation to a known actor — only as a peer reviewer would accept it.

Only the operation's own infrastructure is looked up (never its targets). An actor
named by imported intel is attributed when its matching indicators are

* at least two **independent** ones (two registrable domains, two IPv4 /24 networks,
  a domain and an address ...: a URL and its own domain are one indicator), or
* one of **high specificity**: a domain registered for the actor — not a subdomain of
  shared hosting (``github.io``, ``netlify.app``), not a URL shortener, webmail or any
  well-known service's own domain (the link engine's brand list), where anyone can
  get an address.

An IP (or a shared-hosting address) alone never attributes: offices, VPN exits and
hosting providers put strangers behind one address. Names that are not actors — the
placeholder for feeds that name none, and a feed's own operation ids (see
:func:`~.intel.is_actor_name`) — never attribute either. The attribution shows the
matched indicators and a confidence, ``1 - prod(1 - w)`` over the independent
indicators with ``w`` = 0.8 for a registered domain, 0.35 for a shared-hosting
address and 0.25 for an IP network. The actor with the most independent indicators
wins, then the higher confidence, then the alphabetically first name; the source
reported is the feed that named that actor most.
"""

from __future__ import annotations

import ipaddress
from collections import Counter, defaultdict
from dataclasses import dataclass

from mercwatch.errors import MercwatchError
from mercwatch.iocs import webmail_domains
from mercwatch.link.intel import IntelIndex, indicator_kind, is_actor_name
from mercwatch.link.knowledge import brand_domains, reseller_zones
from mercwatch.model import Attribution, Infrastructure

#: Weight of one independent indicator of each specificity.
WEIGHTS = {"registered": 0.8, "shared": 0.35, "ip": 0.25}


@dataclass(frozen=True, slots=True)
class Unit:
    """One independent indicator: what it stands for, and how specific it is."""

    key: str
    specificity: str  # registered | shared | ip


def indicator_unit(value: str) -> Unit:
    """The independent indicator a normalized domain, URL or IP stands for."""
    if indicator_kind(value) == "ip":
        address = ipaddress.ip_address(value)
        prefix = 24 if address.version == 4 else 48
        return Unit(f"ip:{ipaddress.ip_network(f'{value}/{prefix}', strict=False)}", "ip")
    from mercwatch.linkscore.parse import parse_target  # heavy; only when first needed

    try:
        target = parse_target(value)
    except (MercwatchError, ValueError):  # a TLD the bundled list lacks (.example, new gTLDs)
        host = value.split("://", 1)[-1].split("/", 1)[0]
        return Unit(f"domain:{'.'.join(host.split('.')[-2:])}", "registered")
    if target.is_ip:
        return indicator_unit(target.host)
    registrable = target.registrable or target.host
    shared = (
        (target.private_suffix and target.suffix not in reseller_zones())
        or target.platform_domain
        or registrable in brand_domains()
        or registrable in webmail_domains()
    )
    if shared:  # one short link or one hosted site: as specific as the value itself
        return Unit(f"value:{value}", "shared")
    return Unit(f"domain:{registrable}", "registered")


def attribute(infrastructure: Infrastructure, intel: IntelIndex) -> Attribution | None:
    """The attribution of ``infrastructure`` that the rule above supports, or None."""
    values = {*infrastructure.domains, *infrastructure.urls, *infrastructure.ips}
    matched: dict[str, set[str]] = defaultdict(set)
    units: dict[str, dict[str, str]] = defaultdict(dict)
    sources: dict[str, Counter[str]] = defaultdict(Counter)
    for value in sorted(values):
        named = {(actor, source) for actor, source in intel.lookup(value) if is_actor_name(actor)}
        if not named:
            continue
        unit = indicator_unit(value)
        for actor, source in named:
            matched[actor].add(value)
            units[actor][unit.key] = unit.specificity
            sources[actor][source] += 1
    supported = {actor: found for actor, found in units.items() if _supported(found)}
    if not supported:
        return None
    actor = min(
        supported, key=lambda name: (-len(supported[name]), -_confidence(supported[name]), name)
    )
    source = min(sources[actor], key=lambda name: (-sources[actor][name], name))
    return Attribution(
        actor=actor,
        source=source,
        matched=tuple(sorted(matched[actor])),
        confidence=_confidence(supported[actor]),
    )


def _supported(found: dict[str, str]) -> bool:
    return len(found) >= 2 or "registered" in found.values()


def _confidence(found: dict[str, str]) -> float:
    doubt = 1.0
    for specificity in found.values():
        doubt *= 1.0 - WEIGHTS[specificity]
    return round(1.0 - doubt, 4)
