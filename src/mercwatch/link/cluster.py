"""Cut the candidate graph into operations.

Connected components first (cheap, and most operations are islands); inside a large
component, Leiden with the modularity objective separates operations that touch only
through weak ties (two crews behind one carrier NAT). Modularity, not CPM: CPM at its
usual resolution returns singletons on these sparse graphs. Both algorithms come from
:mod:`mercwatch.graphs` (licence-clean, deterministic: see there).

Precision rule: a group becomes an operation only if at least one member has strong
evidence of its own, or several members each seen approaching at-risk strangers are
driven from the same devices (a persona ring), or several personas each watching
at-risk people from infrastructure only personas use (a watch ring, :mod:`~.watch_rings`).
Shared infrastructure alone (an office NAT, a company e-mail domain, a team's laptops)
never makes an operation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from mercwatch.graphs import components, leiden
from mercwatch.link.candidates import Candidate
from mercwatch.link.config import LinkConfig
from mercwatch.link.context import noisy_or, popularity_discount
from mercwatch.link.corroboration import corroboration
from mercwatch.link.exits import group_exits, persona_exits, separate
from mercwatch.link.graph import TieGraph
from mercwatch.link.similarity import pair
from mercwatch.link.watch_rings import watch_ring


def split_groups(
    tie_graph: TieGraph, config: LinkConfig, personas: frozenset[str] | None = None
) -> list[tuple[str, ...]]:
    """Groups of accounts: components, with Leiden inside large ones, then crews, then
    crews on controlled infrastructure merged (``personas``: see
    :func:`merge_controlled`). Sorted."""
    names = tie_graph.accounts
    edges = tie_graph.weighted_edges(config.min_edge_weight)
    groups: list[tuple[str, ...]] = []
    for component in components(len(names), [(a, b) for a, b, _ in edges]):
        if len(component) < config.leiden_min_size:
            groups.append(tuple(names[i] for i in component))
            continue
        # The component alone, its vertices renumbered 0.. in account order.
        local = {vertex: i for i, vertex in enumerate(component)}
        inside = [(local[a], local[b], w) for a, b, w in edges if a in local]
        for members in leiden(len(component), inside, config.seed):
            groups.append(tuple(names[component[i]] for i in members))
    # Bucket the ties by group once: scanning every tie for every group is quadratic.
    member_of = {a: gi for gi, group in enumerate(groups) for a in group}
    within: dict[int, list] = {}
    for tie, kinds in sorted(tie_graph.ties.items()):
        ga, gb = member_of.get(tie[0]), member_of.get(tie[1])
        if ga is not None and ga == gb:
            within.setdefault(ga, []).append((tie, kinds))
    return merge_controlled(
        [
            crew
            for gi, group in enumerate(groups)
            for crew in split_crews(group, tie_graph, config, within.get(gi, []))
        ],
        tie_graph,
        config,
        personas,
    )


def split_crews(
    group: tuple[str, ...], tie_graph: TieGraph, config: LinkConfig, ties: list | None = None
) -> list[tuple[str, ...]]:
    """Separate crews that only share a kit (a script, a popular address).

    Two teams of one vendor reuse its message templates, yet run their own phones and
    chase their own targets: each is its own group (see :func:`crews`), unless they
    share infrastructure the operation controls (:func:`merge_controlled`).
    """
    return crews(group, tie_graph, config, ties)


def crews(
    group: tuple[str, ...], tie_graph: TieGraph, config: LinkConfig, ties: list | None = None
) -> list[tuple[str, ...]]:
    """The crews of a group: parts joined by ``config.crew_ties`` (devices, photos,
    co-targeting) of at least two accounts each; accounts tied to no part join the part
    they are most strongly tied to. One part (the whole group) when there are fewer than
    two such parts."""
    if len(group) < 4:
        return [group]
    index = {a: i for i, a in enumerate(group)}
    pairs = ties if ties is not None else sorted(tie_graph.ties.items())
    joined = [
        (index[a], index[b])
        for (a, b), kinds in pairs
        if a in index
        and b in index
        and any(kinds.get(kind, 0.0) >= config.min_edge_weight for kind in config.crew_ties)
    ]
    parts = [p for p in components(len(group), joined) if len(p) >= 2]
    if len(parts) < 2:
        return [group]
    found = [[group[i] for i in p] for p in parts]
    placed = {a for crew in found for a in crew}
    for account in group:
        if account not in placed:
            weights = [
                sum(tie_graph.edge(account, b, config.min_edge_weight) for b in crew)
                for crew in found
            ]
            found[max(range(len(found)), key=lambda i: (weights[i], -i))].append(account)
    return sorted(tuple(sorted(crew)) for crew in found)


def merge_controlled(
    groups: list[tuple[str, ...]],
    tie_graph: TieGraph,
    config: LinkConfig | None = None,
    personas: frozenset[str] | None = None,
) -> list[tuple[str, ...]]:
    """Groups that share infrastructure the operation controls, merged.

    Controlled infrastructure: a link domain nobody else on the platform sends, and
    (given ``config``) a tie of a ``config.merge_ties`` kind — a rarely shared device,
    a persona photo set — between members of the two groups, at ``min_edge_weight``.
    One operation, one record: such crews are its sub-groups
    (:attr:`~mercwatch.model.Operation.groups`), not separate operations whose targets
    would be warned twice and whose counts would double. A tie of a
    ``config.persona_merge_ties`` kind (an address at most ``infra_max_accounts``
    accounts use platform-wide) merges too when both accounts are ``personas``: accounts
    made for the job, with no friends from before the window (:mod:`~.standing`). An
    office's colleagues on one small address are established and never merge by it;
    personas of two crews logging in from the same rented address are one operator,
    unless each crew also has exits of its own (two firms renting one provider's pool,
    :mod:`~.exits`). Personas on an
    address (IP or device) that, platform-wide, only personas ever used also merge when
    they share a script or targets (:attr:`~.graph.TieGraph.exclusive_addresses`).
    Community detection can cut
    a large operation through such a tie (its crews talk to disjoint targets, so the
    weak ties of the rest pull them apart); this puts it back. Crews split by
    :func:`split_crews` never share one, since crews are the parts those ties join.
    Sorted.
    """
    merged = _controlled(groups, tie_graph, config, personas or frozenset())
    return sorted(tuple(sorted(a for i in part for a in groups[i])) for part in merged)


def _controlled(
    parts: list[tuple[str, ...]],
    tie_graph: TieGraph,
    config: LinkConfig | None = None,
    personas: frozenset[str] = frozenset(),
) -> list[list[int]]:
    """Indices of ``parts`` merged where they share controlled infrastructure."""
    owner = {a: i for i, part in enumerate(parts) for a in part}
    root = list(range(len(parts)))

    def find(i: int) -> int:
        while root[i] != i:
            root[i] = root[root[i]]
            i = root[i]
        return i

    def join(accounts: frozenset[str]) -> None:
        hit = sorted({owner[a] for a in accounts if a in owner})
        for other in hit[1:]:
            root[find(other)] = find(hit[0])

    for senders in tie_graph.exclusive.values():
        join(senders)
    for gi, gj in _address_merges(owner, tie_graph, config, personas):
        root[find(gj)] = find(gi)
    if config is not None:
        shared = _tie_merges(owner, tie_graph, config, personas, find, root)
        _join_on_exits(parts, shared, tie_graph, personas, find, root)
    merged: dict[int, list[int]] = {}
    for i in range(len(parts)):
        merged.setdefault(find(i), []).append(i)
    return list(merged.values())


def _tie_merges(
    owner: Mapping[str, int],
    tie_graph: TieGraph,
    config: LinkConfig,
    personas: frozenset[str],
    find: Callable[[int], int],
    root: list[int],
) -> dict[tuple[int, int], bool]:
    """Merge groups tied by a ``config.merge_ties`` kind at ``min_edge_weight``; return
    the other pairs of groups whose personas share a ``persona_merge_ties`` address,
    each with whether one such address is small (:func:`_join_on_exits` decides)."""
    shared: dict[tuple[int, int], bool] = {}
    for (a, b), kinds in sorted(tie_graph.ties.items()):
        ia, ib = owner.get(a), owner.get(b)
        if ia is None or ib is None or ia == ib:
            continue
        if any(kinds.get(k, 0.0) >= config.min_edge_weight for k in config.merge_ties):
            root[find(max(ia, ib))] = find(min(ia, ib))
        elif a in personas and b in personas:
            on = [k for k in config.persona_merge_ties if kinds.get(k, 0.0) > 0.0]
            if on:
                key = (min(ia, ib), max(ia, ib))
                small = any(kinds[k] >= _rare_weight(k, config) for k in on)
                shared[key] = shared.get(key, False) or small
    return shared


def _join_on_exits(
    parts: list[tuple[str, ...]],
    pairs: Mapping[tuple[int, int], bool],
    tie_graph: TieGraph,
    personas: frozenset[str],
    find: Callable[[int], int],
    root: list[int],
) -> None:
    """Merge groups of personas tied through an address (:mod:`~.exits`).

    ``pairs``: two groups whose personas share an address -> whether one such address
    is used by at most ``infra_max_accounts`` accounts (the "rented" merge). A small
    address merges unless each group (as merged so far) has persona-only exits the
    other never used: two firms on one provider. A wider address merges nothing here
    (see :mod:`~.exits` for why the same exits are not enough). Repeated until
    nothing changes, since a merge widens a group's exits."""
    own = persona_exits(tie_graph.exits, personas)
    members: dict[int, list[str]] = {}
    for i, part in enumerate(parts):
        members.setdefault(find(i), []).extend(part)
    exits = {r: group_exits(m, tie_graph.exits, own) for r, m in members.items()}
    changed = True
    while changed:
        changed = False
        for (gi, gj), small in sorted(pairs.items()):
            ri, rj = find(gi), find(gj)
            if ri != rj and small and not separate(exits[ri], exits[rj]):
                low, high = min(ri, rj), max(ri, rj)
                root[high] = low
                exits[low] = exits[low] | exits.pop(high)
                changed = True


def _address_merges(
    owner: Mapping[str, int],
    tie_graph: TieGraph,
    config: LinkConfig | None,
    personas: frozenset[str],
) -> list[tuple[int, int]]:
    """Pairs of groups on one address only personas use, that also share a script or
    targets (:func:`_kin`)."""
    addresses = _persona_addresses(tie_graph, config, personas)
    if not addresses or config is None:
        return []
    kin = _kin(owner, tie_graph, config)
    pairs = []
    for users in addresses:
        hit = sorted({owner[a] for a in users if a in owner})
        pairs += [(gi, gj) for i, gi in enumerate(hit) for gj in hit[i + 1 :] if (gi, gj) in kin]
    return pairs


def _kin(owner: Mapping[str, int], tie_graph: TieGraph, config: LinkConfig) -> set[tuple[int, int]]:
    """Pairs of groups (low, high) with a member of each sending the same script or
    watching the same people (``template``/``cotarget`` tie at ``min_edge_weight``).

    An address only personas use merges their groups only with such a second trait:
    a commercial VPN exit may carry two firms' personas (altsim crowds-as-scripts tuning
    seed 52003: Cobwebs and Bluehawk, 8 personas each, alone on one address); the same
    exit *and* the same script or targets is one operator.
    """
    found: set[tuple[int, int]] = set()
    for (a, b), kinds in tie_graph.ties.items():
        ia, ib = owner.get(a), owner.get(b)
        if ia is None or ib is None or ia == ib:
            continue
        if any(kinds.get(k, 0.0) >= config.min_edge_weight for k in ("template", "cotarget")):
            found.add((min(ia, ib), max(ia, ib)))
    return found


def _persona_addresses(
    tie_graph: TieGraph, config: LinkConfig | None, personas: frozenset[str]
) -> list[frozenset[str]]:
    """Users of each address (of a ``merge_ties``/``persona_merge_ties`` kind) that only
    personas ever used on the platform: the operator's own, however many use it."""
    if config is None:
        return []
    wanted = {*config.persona_merge_ties, *config.merge_ties}
    return [
        users
        for key, users in sorted(tie_graph.exclusive_addresses.items())
        if key.split(":", 1)[0] in wanted and users <= personas
    ]


def _rare_weight(kind: str, config: LinkConfig) -> float:
    """Tie weight of a ``kind`` key that ``infra_max_accounts`` accounts share platform-wide:
    the project's bound for rarely shared infrastructure (graph weights are the kind's
    base weight times :func:`~.context.popularity_discount` of the key's breadth)."""
    return config.tie_weight(kind) * popularity_discount(config.infra_max_accounts) - 1e-9


def prune_group(
    group: tuple[str, ...],
    tie_graph: TieGraph,
    candidates: Mapping[str, Candidate],
    config: LinkConfig,
) -> tuple[str, ...]:
    """Drop members that hang on by one soft tie and have no strong evidence.

    Community detection assigns every vertex somewhere; a bystander who shares one
    popular target or one link domain with a persona lands in its operation. A member
    stays if its own score is strong or its summed edge weight to the rest of the
    group reaches ``min_attachment``; dropping one can loosen another, so repeat.
    """
    members = list(group)
    while len(members) > 1:
        weak = [
            a
            for a in members
            if candidates[a].own_score < config.strong_threshold
            and sum(tie_graph.edge(a, b, config.min_edge_weight) for b in members if b != a)
            < config.min_attachment
        ]
        if not weak:
            break
        members = [a for a in members if a not in weak]
    return tuple(members)


def keep_group(
    group: tuple[str, ...],
    candidates: Mapping[str, Candidate],
    config: LinkConfig,
    tie_graph: TieGraph | None = None,
) -> bool:
    """Whether a group is evidence enough to be an operation.

    First, always, corroboration (:mod:`~.corroboration`): two independent evidence
    families or one strong infrastructure tie. Then strength: a lone account needs
    ``singleton_min_score`` of its own; a group needs at least one member at
    ``strong_threshold``, or (given the graph) to be a persona ring (see
    :func:`persona_ring`) or a ring of personas that only watch at-risk people from
    infrastructure only personas use (:func:`~.watch_rings.watch_ring`).
    """
    if not corroboration(group, candidates, config, tie_graph).corroborated:
        return False
    best = max(candidates[a].own_score for a in group)
    if len(group) == 1:
        return best >= config.singleton_min_score
    if best >= config.strong_threshold:
        return True
    if tie_graph is None:
        return False
    return bool(
        persona_ring(group, tie_graph, candidates, config)
        or watch_ring(group, tie_graph, candidates, config)
    )


def persona_ring(
    group: tuple[str, ...],
    tie_graph: TieGraph,
    candidates: Mapping[str, Candidate],
    config: LinkConfig,
) -> tuple[str, ...]:
    """The largest set of approaching members run from the same devices, if it is a ring.

    A crew of personas each seen approaching at-risk strangers only modestly (no one
    account is damning) is still an operation when the same rarely shared phones and
    browsers drive them: independent people do not share devices *and* each court
    at-risk strangers. Members count when their own engagement evidence reaches
    ``ring_member_score``; they must be joined by device ties (an office NAT or a
    copied photo is not enough); the ring needs ``ring_min_members`` of them and the
    noisy-or of their evidence (plus a link domain only the ring ever sent, see
    :func:`_sends_own_domain`) must reach ``strong_threshold``.
    """
    core = sorted(a for a in group if candidates[a].approach_score >= config.ring_member_score)
    best: tuple[str, ...] = ()
    for part in _device_components(core, tie_graph, config.min_edge_weight):
        if len(part) < config.ring_min_members:
            continue
        scores = [candidates[a].approach_score for a in part]
        if _sends_own_domain(part, tie_graph):
            scores.append(config.delivered_link_weight * config.link_flag_threshold)
        if noisy_or(scores) >= config.strong_threshold:
            best = max(best, part, key=len)
    return best


def _sends_own_domain(part: tuple[str, ...], tie_graph: TieGraph) -> bool:
    """Whether the ring sends a link domain nobody outside it ever sent.

    Such a domain is the ring's own infrastructure; it counts as one delivery of a
    link flagged at ``link_flag_threshold`` (the least a malicious link scores).
    """
    members = set(part)
    return any(senders <= members for senders in tie_graph.exclusive.values())


def _device_components(
    accounts: list[str], tie_graph: TieGraph, min_weight: float
) -> list[tuple[str, ...]]:
    joined = [
        (i, j)
        for i, a in enumerate(accounts)
        for j in range(i + 1, len(accounts))
        if tie_graph.ties.get(pair(a, accounts[j]), {}).get("device", 0.0) >= min_weight
    ]
    return [tuple(accounts[i] for i in part) for part in components(len(accounts), joined)]


def cut_operations(
    tie_graph: TieGraph, candidates: Mapping[str, Candidate], config: LinkConfig
) -> list[tuple[str, ...]]:
    """The account groups that become operations, sorted."""
    personas = frozenset(a for a, c in candidates.items() if not c.established)
    groups = split_groups(tie_graph, config, personas)
    pruned = (prune_group(g, tie_graph, candidates, config) for g in groups)
    return sorted(g for g in pruned if g and keep_group(g, candidates, config, tie_graph))
