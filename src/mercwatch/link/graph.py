"""The weighted graph of candidate accounts and what ties them.

Each tie kind contributes its strongest key's weight per pair: the base weight (config
``tie_weights``) discounted by how many accounts on the whole platform share the key
(:func:`~mercwatch.link.context.popularity_discount`): an office NAT address, a
webmail domain or a celebrity's photo ties everyone a little and so nobody in
particular. Platform-wide breadths are counted in the engine; pairs are formed in
Python over the candidates only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import combinations

import ibis

from mercwatch.iocs import registrable_domain
from mercwatch.link.candidates import Candidate, target_events
from mercwatch.link.config import LinkConfig
from mercwatch.link.context import LinkContext, fetch, keys_table, popularity_discount
from mercwatch.link.hosts import link_events, match_domains
from mercwatch.link.knowledge import brand_domains
from mercwatch.link.similarity import (
    Pair,
    cotarget_pairs,
    near_photo_pairs,
    pair,
    template_pairs,
)
from mercwatch.model.phash import parse_phash
from mercwatch.store.exprs import trim

KEY_KINDS = ("ip", "device", "email_domain", "link_domain")

#: One tenant of a link domain: its hosts and the candidates who sent them.
Tenant = tuple[tuple[str, ...], frozenset[str]]


@dataclass(slots=True)
class Memberships:
    """What each candidate uses, and how widely each key is used platform-wide.

    Attributes:
        keys: kind -> account -> keys it used (ips, devices, e-mail and link domains).
        breadth: kind -> key -> distinct accounts using it on the whole platform.
        photos: account -> (pHash text, platform-wide count of that exact hash).
        created: account -> creation time (candidates with a photo).
        targets: account -> accounts it acted upon (other candidates excluded).
        texts: (account, message text, accounts sending that text platform-wide).
        link_hosts: account -> full link hosts it sent (``keys["link_domain"]`` holds
            their registrable domains).
    """

    keys: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    breadth: dict[str, dict[str, int]] = field(default_factory=dict)
    photos: dict[str, tuple[str, int]] = field(default_factory=dict)
    created: dict[str, datetime] = field(default_factory=dict)
    targets: dict[str, set[str]] = field(default_factory=dict)
    texts: list[tuple[str, str, int]] = field(default_factory=list)
    link_hosts: dict[str, set[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TieGraph:
    """Candidate accounts (sorted) and pair -> {tie kind: weight}.

    ``exclusive`` maps each link domain that only candidates ever sent on the whole
    platform to those senders: a domain nobody else shares is likely the senders'
    own infrastructure, whatever a domain classifier thinks of its name.
    ``exclusive_addresses`` does the same for IP addresses and devices (keyed
    ``"ip:..."``/``"device:..."``) used by two or more accounts, all candidates.
    ``exits`` maps each candidate to the IP addresses it used that only candidates ever
    used (however many): whose exits a group has, its own or only another group's, is
    what tells one operator's proxies from a pool two firms rent (:mod:`~.exits`).
    """

    accounts: tuple[str, ...]
    ties: dict[Pair, dict[str, float]]
    exclusive: dict[str, frozenset[str]] = field(default_factory=dict)
    exclusive_addresses: dict[str, frozenset[str]] = field(default_factory=dict)
    exits: dict[str, frozenset[str]] = field(default_factory=dict)

    def edge(self, a: str, b: str, min_weight: float) -> float:
        """Weight of the edge between two accounts, 0 when there is none.

        An edge needs one tie of at least ``min_weight`` on its own; its weight is
        then the sum of all its ties. Several weak ties (a carrier NAT, a popular
        site, small talk) do not add up to an edge: a chain of such pairs is how
        benign bystanders would otherwise be dragged into an operation.
        """
        kinds = self.ties.get(pair(a, b))
        if not kinds or max(kinds.values()) < min_weight:
            return 0.0
        return sum(kinds.values())

    def weighted_edges(self, min_weight: float) -> list[tuple[int, int, float]]:
        """``(i, j, weight)`` for each edge of :meth:`edge`, ``i < j`` indexing ``accounts``.

        Sorted by account pair, so a graph built from it is the same whatever order
        the ties were found in.
        """
        index = {account: i for i, account in enumerate(self.accounts)}
        edges = []
        for a, b in sorted(self.ties):
            total = self.edge(a, b, min_weight)
            if total > 0.0:
                i, j = sorted((index[a], index[b]))
                edges.append((i, j, total))
        return edges


def _with_breadth(all_pairs: ibis.Table, cand: ibis.Table) -> list[dict]:
    """Candidates' distinct (actor_id, key) rows with the key's platform-wide account count.

    ``all_pairs`` need not be distinct: deduplicating every event's (account, key)
    first cost a hash table the size of the platform; the candidates' rows are
    deduplicated here and the breadth counts distinct accounts anyway.
    """
    mine = all_pairs.semi_join(cand, all_pairs.actor_id == cand.actor_id).distinct()
    used = mine.select("key").distinct()
    on_used = all_pairs.semi_join(used, all_pairs.key == used.key)
    breadth = on_used.group_by("key").agg(n=on_used.actor_id.nunique())
    joined = mine.join(breadth, "key")
    return fetch(joined.select("actor_id", "key", "n").order_by(["actor_id", "key"]))


def _event_pairs(ctx: LinkContext, column: str) -> ibis.Table:
    ev = ctx.events
    rows = ev.filter(ev.actor_id.notnull() & ev[column].notnull() & (ev[column] != ""))
    return rows.select("actor_id", key=rows[column])  # deduplicated by _with_breadth


def _email_pairs(ctx: LinkContext) -> ibis.Table:
    acc = ctx.accounts
    dom = trim(acc.email_domain).lower()
    ignored = sorted(ctx.config.ignored_email_domains) or [""]
    rows = acc.filter(acc.email_domain.notnull() & (dom != "") & ~dom.isin(ignored))
    return rows.select(actor_id=rows.account_id, key=dom).distinct()


def _link_hosts(ctx: LinkContext, cand: ibis.Table) -> dict[str, set[str]]:
    links = link_events(ctx)
    mine = links.semi_join(cand, links.actor_id == cand.actor_id)
    hosts: dict[str, set[str]] = defaultdict(set)
    for row in fetch(mine.select("actor_id", "host").distinct()):
        if row["host"]:
            hosts[row["actor_id"]].add(row["host"])
    return dict(hosts)


def _link_domain_rows(ctx: LinkContext, cand: ibis.Table) -> list[dict]:
    """Candidates' registered link domains with each domain's platform-wide breadth."""
    links = link_events(ctx)
    mine = links.semi_join(cand, links.actor_id == cand.actor_id)
    hosts = fetch(mine.select("actor_id", "host").distinct().order_by(["actor_id", "host"]))
    domains = {row["host"]: registrable_domain(row["host"]) for row in hosts if row["host"]}
    matched = match_domains(links, set(domains.values()))
    breadth = {
        row["domain"]: int(row["n"])
        for row in fetch(matched.group_by("domain").agg(n=matched.actor_id.nunique()))
    }
    return [
        {
            "actor_id": row["actor_id"],
            "key": domains[row["host"]],
            "n": breadth.get(domains[row["host"]], 1),
        }
        for row in hosts
        if row["host"] in domains
    ]


def collect_memberships(ctx: LinkContext, accounts: set[str]) -> Memberships:
    """Gather every candidate attribute the ties need, with platform-wide breadths."""
    cand = keys_table("actor_id", accounts)
    found = Memberships()
    sources = {
        "ip": lambda: _with_breadth(_event_pairs(ctx, "ip"), cand),
        "device": lambda: _with_breadth(_event_pairs(ctx, "device_id"), cand),
        "email_domain": lambda: _with_breadth(_email_pairs(ctx), cand),
        "link_domain": lambda: _link_domain_rows(ctx, cand),
    }
    for kind, load in sources.items():
        keys: dict[str, set[str]] = defaultdict(set)
        breadth: dict[str, int] = {}
        for row in load():
            keys[row["actor_id"]].add(row["key"])
            breadth[row["key"]] = int(row["n"])
        found.keys[kind], found.breadth[kind] = dict(keys), breadth
    found.link_hosts = _link_hosts(ctx, cand)
    found.photos, found.created = _photos(ctx, cand)
    found.targets = _targets(ctx, cand, accounts)
    found.texts = _texts(ctx, cand)
    return found


def _photos(
    ctx: LinkContext, cand: ibis.Table
) -> tuple[dict[str, tuple[str, int]], dict[str, datetime]]:
    acc = ctx.accounts
    rows = acc.filter(acc.photo_hash.notnull()).select(
        actor_id=acc.account_id, key=trim(acc.photo_hash).lower()
    )
    mine = acc.semi_join(cand, acc.account_id == cand.actor_id)
    created = {
        row["account_id"]: row["created_at"]
        for row in fetch(mine.filter(mine.photo_hash.notnull()).select("account_id", "created_at"))
    }
    photos = {row["actor_id"]: (row["key"], int(row["n"])) for row in _with_breadth(rows, cand)}
    return photos, created


def _targets(ctx: LinkContext, cand: ibis.Table, accounts: set[str]) -> dict[str, set[str]]:
    te = target_events(ctx)
    mine = te.semi_join(cand, te.actor_id == cand.actor_id)
    rows = fetch(mine.select("actor_id", "target_id").distinct())
    found: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if row["target_id"] not in accounts:
            found[row["actor_id"]].add(row["target_id"])
    return dict(found)


def _normalized_text(text: ibis.StringValue) -> ibis.StringValue:
    """Engine-side template key: links and numbers masked, punctuation dropped."""
    masked = text.lower().re_replace(_URL_PATTERN, " url ").re_replace(r"[0-9]+", "0")
    return trim(masked.re_replace(r"[^a-z0-9]+", " "))


_URL_PATTERN = r"(?:[a-z][a-z0-9+.-]*://|www[.])[^ ]+"


def _texts(ctx: LinkContext, cand: ibis.Table) -> list[tuple[str, str, int]]:
    """Candidates' message texts with how many accounts send the same text platform-wide.

    "congrats on the new place" sent by twenty people is small talk, not a script;
    the count is over the normalized text, so per-target names keep a real script
    rare while copy-paste small talk is counted in full.
    """
    ev = ctx.events
    msgs = ev.filter(
        ev.type.isin(list(ctx.config.link_events)) & ev.text.notnull() & ev.actor_id.notnull()
    )
    # The regular expressions run once per distinct (sender, text), not per message:
    # the same text is sent many times (a script, a chain message), and the norm only
    # depends on the text. The rows below are those of masking every message.
    sent = msgs.select("actor_id", "text").distinct()
    normed = sent.select("text").distinct()
    normed = normed.mutate(norm=_normalized_text(normed.text))
    msgs = sent.join(normed, "text").select("actor_id", "text", "norm")
    mine = msgs.semi_join(cand, msgs.actor_id == cand.actor_id)
    distinct = mine.select("actor_id", "text", "norm").distinct()
    rank = ibis.row_number().over(group_by=distinct.actor_id, order_by=distinct.text)
    capped = distinct.mutate(rank=rank).filter(lambda t: t.rank < ctx.config.template_max_texts)
    used = capped.select("norm").distinct()
    on_used = msgs.semi_join(used, msgs.norm == used.norm)
    breadth = on_used.group_by("norm").agg(n=on_used.actor_id.nunique())
    rows = fetch(capped.join(breadth, "norm").select("actor_id", "text", "n"))
    return [(row["actor_id"], row["text"], int(row["n"])) for row in rows]


def build_graph(
    ctx: LinkContext, candidates: Mapping[str, Candidate], found: Memberships
) -> TieGraph:
    """Weigh every tie between candidate accounts."""
    cfg = ctx.config
    accounts = set(candidates)
    ties: dict[Pair, dict[str, float]] = defaultdict(dict)

    def add(kind: str, a: str, b: str, weight: float) -> None:
        if a == b or weight <= 0.0:
            return
        # the strongest key of a kind counts, not their sum: forty popular sites in
        # common are still no reason to think two accounts are run together
        kinds = ties[pair(a, b)]
        kinds[kind] = min(cfg.tie_weight(kind), max(kinds.get(kind, 0.0), weight))

    tenants = _domain_tenants(found)
    for kind in KEY_KINDS:
        keys, breadth = found.keys.get(kind, {}), found.breadth.get(kind, {})
        if kind == "link_domain":
            keys, breadth = _link_tie_keys(found, tenants)
        for a, b, weight in _key_ties(keys, breadth, cfg.tie_weight(kind), cfg.max_key_accounts):
            add(kind, a, b, weight)
    for a, b, weight in _photo_ties(found, candidates, cfg):
        add("photo", a, b, weight)
    for (a, b), n in template_pairs(
        found.texts,
        cfg.template_threshold,
        cfg.template_min_tokens,
        cfg.template_num_perm,
        cfg.seed,
        max_width=cfg.max_key_accounts,
    ).items():
        if n <= cfg.max_key_accounts:
            add("template", a, b, cfg.tie_weight("template") * popularity_discount(n))
    for (a, b), jaccard in cotarget_pairs(
        found.targets,
        cfg.cotarget_min_jaccard,
        cfg.cotarget_min_shared,
        cfg.cotarget_exact_max,
        seed=cfg.seed,
    ).items():
        add("cotarget", a, b, cfg.tie_weight("cotarget") * min(1.0, 2.0 * jaccard))
    return TieGraph(
        tuple(sorted(accounts)),
        dict(ties),
        _exclusive_domains(found, tenants),
        _exclusive_addresses(found),
        _exits(found),
    )


def _exits(found: Memberships) -> dict[str, frozenset[str]]:
    """Candidate -> the IP addresses it used that, platform-wide, only candidates ever
    used (alone or with others): the exits that can be someone's own (:mod:`~.exits`);
    an address shared with anyone else is a network, not an exit of theirs."""
    breadth = found.breadth.get("ip", {})
    holders: dict[str, set[str]] = defaultdict(set)
    for account, keys in found.keys.get("ip", {}).items():
        for key in keys:
            holders[key].add(account)
    own = {key for key, who in holders.items() if breadth.get(key, len(who)) <= len(who)}
    return {
        account: frozenset(keys & own)
        for account, keys in sorted(found.keys.get("ip", {}).items())
        if keys & own
    }


def _exclusive_addresses(found: Memberships) -> dict[str, frozenset[str]]:
    """IPs and devices used by two or more accounts, every one of them a candidate.

    However many accounts log in from it, an address nobody outside the candidates
    ever used is no carrier NAT, campus or office: those have users with nothing to
    suspect. :func:`~.cluster.merge_controlled` merges the groups of the personas on
    such an address (an operator's rented proxy pool); who is a persona is decided
    there, from social standing.
    """
    found_keys: dict[str, frozenset[str]] = {}
    for kind in ("ip", "device"):
        holders: dict[str, set[str]] = defaultdict(set)
        for account, keys in found.keys.get(kind, {}).items():
            for key in keys:
                holders[key].add(account)
        breadth = found.breadth.get(kind, {})
        for key, who in sorted(holders.items()):
            if len(who) >= 2 and breadth.get(key, len(who)) <= len(who):
                found_keys[f"{kind}:{key}"] = frozenset(who)
    return found_keys


def _domain_tenants(found: Memberships) -> dict[str, list[Tenant]]:
    """Each candidates' link domain (brand domains excepted) with its tenants (:func:`_tenants`).

    One definition of "a hosting platform with several tenants" for both the merge
    rule (:func:`_exclusive_domains`) and the ``link_domain`` tie (:func:`_link_tie_keys`).
    A well-known service's own domain is left whole: it is nobody's tenant space, and
    its breadth already keeps it from tying anyone.
    """
    senders: dict[str, set[str]] = defaultdict(set)
    for account, domains in found.keys.get("link_domain", {}).items():
        for domain in domains:
            senders[domain].add(account)
    known = brand_domains()
    return {
        domain: _tenants(domain, who, found.link_hosts)
        for domain, who in sorted(senders.items())
        if domain not in known
    }


def _link_tie_keys(
    found: Memberships, tenants: Mapping[str, list[Tenant]]
) -> tuple[dict[str, set[str]], dict[str, int]]:
    """account -> the link keys a ``link_domain`` tie is made on, and each key's breadth.

    The registrable domain, except on a hosting platform with several tenants among
    the candidates: there the key is the sender's tenant (its hosts), so two firms
    renting pages on ``hostnook.app`` are not tied by the platform (altsim all tuning
    seeds 97502 and 96402 merged two firms through 40 and 51 such ties), while one
    crew's several hosts, sent by overlapping senders, stay one tenant and one key. The
    key keeps the whole domain's platform-wide breadth (see :func:`build_graph`), so a
    tenant tie is never stronger than the domain tie it replaces: splitting can only
    remove ties across tenants.
    """
    breadth = dict(found.breadth.get("link_domain", {}))
    tenant_of: dict[tuple[str, str], str] = {}
    for domain, split in tenants.items():
        if len(split) < 2:
            continue
        for hosts, who in split:
            key = f"{domain} tenant {hosts[0]}"
            breadth[key] = breadth.get(domain, len(who))
            for account in who:
                tenant_of[(domain, account)] = key
    keys = {
        account: {tenant_of.get((domain, account), domain) for domain in domains}
        for account, domains in found.keys.get("link_domain", {}).items()
    }
    return keys, breadth


def _exclusive_domains(
    found: Memberships, tenants: Mapping[str, list[Tenant]]
) -> dict[str, frozenset[str]]:
    """Link domains every platform-wide sender of which is a candidate.

    A well-known service's own domain (the link engine's brand list) is nobody's
    private infrastructure, however few accounts on a small platform link to it
    (:func:`_domain_tenants` leaves it out). On a hosting platform each tenant's hosts
    are exclusive to that tenant's senders.
    """
    breadth = found.breadth.get("link_domain", {})
    exclusive: dict[str, frozenset[str]] = {}
    for domain, split in tenants.items():
        who = frozenset(a for _, senders in split for a in senders)
        if breadth.get(domain, len(who)) > len(who):
            continue
        if len(split) < 2:
            exclusive[domain] = who
            continue
        for hosts, tenant in split:
            for host in hosts:
                exclusive[host] = tenant
    return exclusive


def _tenants(domain: str, senders: set[str], link_hosts: Mapping[str, set[str]]) -> list[Tenant]:
    """The domain's hosts grouped by who sends them: (hosts, senders) per tenant.

    Why: a hosting platform unknown to the public suffix list (pages, app and site
    builders) serves many parties under one registrable domain. When its hosts fall
    into sender groups that share no sender, each group is a tenant with its own
    site: two operations renting pages on one platform are not one operator. Hosts
    sent by overlapping senders (one crew's several subdomains) stay one tenant, and
    a domain whose bare name is sent too is one site (a platform's tenants are its
    subdomains; whoever links the registrable name itself links the whole).
    """
    owners: dict[str, set[str]] = defaultdict(set)
    for account in senders:
        for host in link_hosts.get(account, ()):
            if host == domain or host.endswith("." + domain):
                owners[host].add(account)
    hosts = sorted(owners)
    if domain in owners:
        return [(tuple(hosts), frozenset(senders))]
    root = {h: h for h in hosts}

    def find(h: str) -> str:
        while root[h] != h:
            h = root[h]
        return h

    first_host: dict[str, str] = {}
    for host in hosts:
        for account in sorted(owners[host]):
            if account in first_host:
                root[find(host)] = find(first_host[account])
            else:
                first_host[account] = host
    groups: dict[str, list[str]] = defaultdict(list)
    for host in hosts:
        groups[find(host)].append(host)
    return [
        (tuple(members), frozenset(a for h in members for a in owners[h]))
        for _, members in sorted(groups.items())
    ]


def _key_ties(
    keys: Mapping[str, set[str]], breadth: Mapping[str, int], base: float, max_accounts: int
):
    """(a, b, weight) for each key two candidates share, popularity-discounted."""
    holders: dict[str, list[str]] = defaultdict(list)
    for account, held in sorted(keys.items()):
        for key in held:
            holders[key].append(account)
    for key in sorted(holders):
        n = breadth.get(key, len(holders[key]))
        if len(holders[key]) < 2 or n > max_accounts:
            continue
        weight = base * popularity_discount(n)
        for a, b in combinations(holders[key], 2):
            yield a, b, weight


def _photo_ties(found: Memberships, candidates: Mapping[str, Candidate], cfg: LinkConfig):
    """(a, b, weight) for near-identical profile photos, popularity-discounted.

    Personas often wear a real person's photo. That person (the older account, without
    strong evidence of its own) is the operation's victim, not its member, so the pair
    is skipped. "Strong", not merely "suspicious": detectors score photo reuse on both
    wearers, so the victim inherits a modest score from the copy itself.
    """
    base = cfg.tie_weight("photo")
    parsed = {a: h for a, (text, _) in found.photos.items() if (h := parse_phash(text)) is not None}
    for (a, b), _distance in sorted(near_photo_pairs(parsed, cfg.photo_max_distance).items()):
        n = max(found.photos[a][1], found.photos[b][1], 2)
        if n <= cfg.max_key_accounts and not _photo_owner(a, b, found, candidates, cfg):
            yield a, b, base * popularity_discount(n)


def _photo_owner(
    a: str, b: str, found: Memberships, candidates: Mapping[str, Candidate], cfg: LinkConfig
) -> bool:
    """Whether one of the pair looks like the photo's original, innocent owner."""
    first, second = found.created.get(a), found.created.get(b)
    if first is None or second is None:
        return False
    older = a if first < second else b
    gap = abs(first - second)
    return (
        gap >= timedelta(days=cfg.photo_owner_days)
        and candidates[older].own_score < cfg.strong_threshold
    )
