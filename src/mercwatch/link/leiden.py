"""Leiden communities in a bounded number of passes.

igraph's ``community_leiden(n_iterations=-1)`` repeats passes "until the partition
is stable". A node tied equally to two communities is never stable: each pass moves
it across and the next moves it back, at the same quality, forever. That is what
stalled ``mercwatch run`` on an adversarial platform (a five-account path whose middle
account had equal ties to both ends; >18 minutes, then stopped). Here each pass is
one Leiden iteration started from the previous partition, and passes stop as soon as
one does not raise the modularity (a move that changes nothing measurable is no
progress) or after ``max_passes``, so the cost is bounded by construction whatever
the graph.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import igraph

MAX_PASSES = 50
"""Upper bound on Leiden passes per graph (each pass is one igraph iteration)."""

_MIN_GAIN = 1e-12
"""Modularity gain below which a pass counts as no progress (float noise)."""


@dataclass(frozen=True, slots=True)
class Communities:
    """Leiden's parts (vertex indices) and how many passes produced them."""

    parts: list[list[int]]
    passes: int


def leiden(graph: igraph.Graph, seed: int, max_passes: int = MAX_PASSES) -> Communities:
    """Modularity Leiden on the ``weight`` edge attribute, seeded and bounded.

    igraph draws from a process-wide generator; it is swapped for a seeded one and
    restored, so each call is reproducible whatever ran before. The partition
    returned is the best one seen (the first reaching that modularity).
    """
    if max_passes < 1:
        raise ValueError(f"max_passes must be at least 1, got {max_passes}")
    igraph.set_random_number_generator(random.Random(seed))
    try:
        best = graph.community_leiden(
            objective_function="modularity", weights="weight", n_iterations=1
        )
        best_quality = graph.modularity(best.membership, weights="weight")
        passes = 1
        while passes < max_passes:
            step = graph.community_leiden(
                objective_function="modularity",
                weights="weight",
                n_iterations=1,
                initial_membership=best.membership,
            )
            passes += 1
            quality = graph.modularity(step.membership, weights="weight")
            if step.membership == best.membership or quality <= best_quality + _MIN_GAIN:
                break
            best, best_quality = step, quality
    finally:
        igraph.set_random_number_generator(random)
    return Communities([list(members) for members in best], passes)
