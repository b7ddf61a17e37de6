"""What an operation used besides its accounts: the indicators to block and share.

These lists go to enforcement (block a domain or URL) and to other defenders (STIX,
MISP), so they only hold what the operation controlled or is flagged: malicious links
it delivered, IPs and devices that several of its accounts share (minus widely shared
ones like carrier NAT) or that are flagged, reused profile photos and rare
registration e-mail domains. Never a target's identity.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from itertools import combinations

import ibis

from mercwatch.link.config import LinkConfig
from mercwatch.link.context import fetch, keys_table
from mercwatch.link.graph import Memberships, TieGraph
from mercwatch.link.signals import Flags
from mercwatch.link.similarity import pair
from mercwatch.model import Infrastructure

Group = tuple[str, ...]


def fetch_deliveries(malicious: ibis.Table, accounts: set[str]) -> dict[str, list[dict]]:
    """Malicious link deliveries of ``accounts``: actor -> rows (indicator, kind, url)."""
    members = keys_table("actor_id", accounts)
    mine = malicious.semi_join(members, malicious.actor_id == members.actor_id)
    rows = fetch(
        mine.select("actor_id", "indicator", "kind", "nurl", "flag_score")
        .distinct()
        .order_by(["actor_id", "indicator", "nurl"])
    )
    found: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        found[row["actor_id"]].append(row)
    return dict(found)


def _shared_keys(group: Group, found: Memberships, kind: str, max_accounts: int) -> set[str]:
    """Keys of ``kind`` used by two or more of the group's accounts and rarely elsewhere."""
    users: dict[str, int] = defaultdict(int)
    for account in group:
        for key in found.keys.get(kind, {}).get(account, ()):
            users[key] += 1
    breadth = found.breadth.get(kind, {})
    return {k for k, n in users.items() if n >= 2 and breadth.get(k, n) <= max_accounts}


def _flagged_keys(group: Group, found: Memberships, kind: str, flagged: dict) -> set[str]:
    return {
        key
        for account in group
        for key in found.keys.get(kind, {}).get(account, ())
        if key in flagged
    }


def _shared_photos(group: Group, found: Memberships, graph: TieGraph, limit: int) -> set[str]:
    hashes = set()
    for a, b in combinations(group, 2):
        if "photo" in graph.ties.get(pair(a, b), {}):
            for account in (a, b):
                text, breadth = found.photos[account]
                if breadth <= limit:
                    hashes.add(text)
    return hashes


def op_infrastructure(
    group: Group,
    found: Memberships,
    graph: TieGraph,
    flags: Flags,
    deliveries: dict[str, list[dict]],
    config: LinkConfig,
) -> Infrastructure:
    """The infrastructure of one operation, each list sorted."""
    rows = [row for account in group for row in deliveries.get(account, ())]
    limit = config.infra_max_accounts
    ips = _shared_keys(group, found, "ip", limit) | _flagged_keys(group, found, "ip", flags.ips)
    devices = _shared_keys(group, found, "device", limit) | _flagged_keys(
        group, found, "device", flags.devices
    )
    return Infrastructure(
        domains=tuple(sorted({r["indicator"] for r in rows if r["kind"] == "domain"})),
        urls=tuple(sorted({r["nurl"] for r in rows})),
        ips=tuple(sorted(ips)),
        devices=tuple(sorted(devices)),
        photo_hashes=tuple(sorted(_shared_photos(group, found, graph, limit))),
        email_domains=tuple(sorted(_shared_keys(group, found, "email_domain", limit))),
    )


def tie_kinds(group: Sequence[str], graph: TieGraph, min_weight: float) -> set[str]:
    """Distinct kinds of tie that hold the group together (edges kept by the cut)."""
    kinds: set[str] = set()
    for a, b in combinations(sorted(group), 2):
        if graph.edge(a, b, min_weight) > 0.0:
            kinds.update(graph.ties[pair(a, b)])
    return kinds
