"""The friendship graph: communities, heavy-tailed degrees, triadic closure.

Each user belongs to one community (sizes Zipf-like, count drawn per seed) and wants a
degree drawn from a lognormal (a few hubs, many with a handful of friends). Ties are
made one stub at a time: with probability ``closure`` a friend of a friend (triangles,
as in real social graphs), otherwise mostly someone in the same community and
sometimes anyone. Public figures collect many one-way contacts elsewhere, not here:
friendship is mutual and pre-dates the window.
"""

from __future__ import annotations

import math
import random

from mercwatch.altsim.platform import DAY, Platform


def build_friendships(platform: Platform, ids: list[str]) -> dict[str, list[str]]:
    """Add friendships among ``ids``; returns adjacency lists for later modules."""
    rng = platform.config.rng("graph")
    knobs = platform.knobs
    n = len(ids)
    k = max(2, round(knobs.communities * n / 1000))
    weights = [1 / (i + 1) ** 0.8 for i in range(k)]
    community = rng.choices(range(k), weights=weights, k=n)
    members: list[list[int]] = [[] for _ in range(k)]
    for i, c in enumerate(community):
        members[c].append(i)
    sigma = 0.9
    mu = math.log(knobs.mean_degree) - sigma**2 / 2
    want = [min(n - 1, max(1, int(rng.lognormvariate(mu, sigma)))) for _ in range(n)]
    adj: list[set[int]] = [set() for _ in range(n)]
    order = list(range(n))
    rng.shuffle(order)
    for i in order:
        tries = 0
        while len(adj[i]) < want[i] and tries < want[i] * 4:
            tries += 1
            j = _pick(rng, i, adj, members[community[i]], n, knobs.closure)
            if j is not None and j != i and len(adj[j]) < want[j] * 2:
                adj[i].add(j)
                adj[j].add(i)
    for i in range(n):
        for j in adj[i]:
            if i < j:
                platform.befriend(ids[i], ids[j], -rng.uniform(DAY, 6 * 365 * DAY))
    return {ids[i]: [ids[j] for j in sorted(adj[i])] for i in range(n)}


def _pick(
    rng: random.Random, i: int, adj: list[set[int]], own: list[int], n: int, closure: float
) -> int | None:
    if adj[i] and rng.random() < closure:
        via = rng.choice(tuple(adj[i]))
        if adj[via]:
            return rng.choice(tuple(adj[via]))
    if rng.random() < 0.85 and len(own) > 1:
        return rng.choice(own)
    return rng.randrange(n)
