"""Converging watchers: several accounts or addresses watching the same protected people.

An operation spreads its reconnaissance over personas, so each looks modest alone;
what gives it away is that they look at the same set of people, and not only at
public figures everyone looks at, but at the same private contacts.

Set-based steps pick the candidates (viewers watching at least ``min_people`` at-risk
users or close contacts without reciprocity) and their watched sets; then MinHash
sketches (datasketch) banded in numpy (``detectors.pairs``) propose pairs with similar sets, never
comparing all pairs. Each proposed pair is judged by how improbable its overlap is by
coincidence: a viewer who looks at ``k`` profiles picks a person looked at by ``n``
viewers with probability about ``min(1, k * n / M)``, ``M`` being all (viewer, person)
pairs on the platform, so the overlap's surprise is ``sum(-ln(min(1, k * n / M)))``
over the shared people, with ``k`` the larger of the two viewers' breadths (a crawler
that views everyone shares everyone by chance; two personas that view the same few
private contacts do not). A pair counts when that surprise clears ``ln(pairs compared)``, the
multiple-testing bar for the number of candidate pairs (Bonferroni), and scores 1 at
twice the bar. Each viewer gets its best pair's score and its partners in the detail.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
from datasketch import MinHash

from mercwatch.detectors.base import DETECTOR_OUTPUT, DetectionContext, Detector
from mercwatch.detectors.pairs import lsh_pairs
from mercwatch.detectors.recon._shared import audience, views, watch_pairs
from mercwatch.model import Phase

OUTPUT_TABLE = "_mw_recon_co_watching"


@dataclass(frozen=True, slots=True)
class Pair:
    """Two viewers whose watched sets overlap beyond chance."""

    a: tuple[str, str]
    b: tuple[str, str]
    shared: int
    jaccard: float
    surprise: float
    score: float


def _label(viewer: tuple[str, str]) -> str:
    kind, value = viewer
    return value if kind == "account" else f"{kind} {value}"


def _judge(
    a: tuple[str, str],
    b: tuple[str, str],
    sets: dict[tuple[str, str], frozenset[str]],
    breadth: dict[tuple[str, str], int],
    popularity: dict[str, float],
    bar: float,
    min_shared: int,
) -> Pair | None:
    """The pair, scored, if its shared people are too improbable to be coincidence."""
    shared = sets[a] & sets[b]
    if len(shared) < min_shared:
        return None
    k = max(breadth.get(a, len(sets[a])), breadth.get(b, len(sets[b])))
    # fsum: exact, so the score does not depend on the set's (hash-seeded) order.
    surprise = math.fsum(-math.log(min(1.0, k * popularity[p])) for p in shared)
    if bar <= 0 or surprise <= bar:
        return None
    jaccard = len(shared) / len(sets[a] | sets[b])
    return Pair(a, b, len(shared), jaccard, surprise, min(1.0, (surprise - bar) / bar))


def _detail(
    watched: int, ranked: list[tuple[Pair, tuple[str, str]]], partners: str, bar: float, n: int
) -> str:
    best = ranked[0][0]
    return (
        f"watches {watched} at-risk users or close contacts, unanswered; "
        f"converges with {len(ranked)} other viewer(s): {partners}; "
        f"best pair shares {best.shared} people (Jaccard {best.jaccard:.2f}), "
        f"surprise {best.surprise:.1f} vs chance bar {bar:.1f} for {n} candidate viewers"
    )


class CoWatching(Detector):
    """Viewers converging on the same at-risk users and close contacts."""

    id = "recon.co_watching"
    version = 1
    phase = Phase.RECONNAISSANCE
    reads = ("events", "accounts", "friendships")
    description = (
        "Several accounts or addresses watching the same at-risk users and contacts beyond chance."
    )
    defaults = {
        "min_people": 3,  # watched set size for a viewer to be a candidate
        "min_shared": 2,  # people two viewers must share
        "jaccard": 0.3,  # LSH similarity threshold proposing pairs
        "num_perm": 64,  # MinHash permutations
        "max_candidates": 50_000,  # most-watching viewers kept for the Python step
        "max_partners_listed": 10,
    }

    def detect(self, ctx: DetectionContext) -> ir.Table:
        sets, breadth, popularity = self._candidates(ctx)
        pairs = self._pairs(ctx, sets, breadth, popularity)
        table = self._signals(ctx, pairs, sets)
        return ctx.con.create_table(OUTPUT_TABLE, table, overwrite=True)

    def _candidates(
        self, ctx: DetectionContext
    ) -> tuple[dict[tuple[str, str], frozenset[str]], dict[tuple[str, str], int], dict[str, float]]:
        """Watched sets of candidate viewers, their breadth (distinct profiles viewed at all)
        and each watched person's popularity ``n / M`` (chance a given view pair is theirs)."""
        pairs = watch_pairs(ctx)
        pairs = pairs.filter(~pairs.mutual)
        per = pairs.group_by(["viewer_type", "viewer"]).aggregate(people=pairs.target.nunique())
        per = per.filter(per.people >= self.p(ctx, "min_people"))
        per = per.order_by([ibis.desc("people"), "viewer_type", "viewer"]).limit(
            self.p(ctx, "max_candidates")
        )
        rows = pairs.semi_join(
            per, [pairs.viewer_type == per.viewer_type, pairs.viewer == per.viewer]
        )
        aud = audience(ctx)
        rows = rows.join(aud, rows.target == aud.target).select(
            "viewer_type", "viewer", "target", "viewers"
        )
        v = views(ctx)
        wide = v.group_by(["viewer_type", "viewer"]).aggregate(breadth=v.target.nunique())
        wide = wide.semi_join(per, [wide.viewer_type == per.viewer_type, wide.viewer == per.viewer])
        all_pairs = max(int(aud.viewers.sum().to_pyarrow().as_py() or 0), 1)
        sets: dict[tuple[str, str], set[str]] = defaultdict(set)
        popularity: dict[str, float] = {}
        for row in rows.to_pyarrow().to_pylist():
            sets[(row["viewer_type"], row["viewer"])].add(row["target"])
            popularity[row["target"]] = int(row["viewers"]) / all_pairs
        breadth = {
            (r["viewer_type"], r["viewer"]): int(r["breadth"])
            for r in wide.to_pyarrow().to_pylist()
        }
        return {k: frozenset(s) for k, s in sets.items()}, breadth, popularity

    def _pairs(
        self,
        ctx: DetectionContext,
        sets: dict[tuple[str, str], frozenset[str]],
        breadth: dict[tuple[str, str], int],
        popularity: dict[str, float],
    ) -> list[Pair]:
        """Pairs LSH proposes, kept when their overlap beats chance after multiple testing."""
        keys = sorted(sets)
        if len(keys) < 2:
            return []
        num_perm = int(self.p(ctx, "num_perm"))
        hashes = MinHash.bulk(
            ([p.encode("utf-8") for p in sorted(sets[k])] for k in keys), num_perm=num_perm, seed=1
        )
        signatures = np.stack([h.hashvalues for h in hashes])
        bar = math.log(len(keys) * (len(keys) - 1) / 2)
        min_shared = int(self.p(ctx, "min_shared"))
        found: list[Pair] = []
        for i, j in lsh_pairs(signatures, float(self.p(ctx, "jaccard"))).tolist():
            pair = _judge(keys[i], keys[j], sets, breadth, popularity, bar, min_shared)
            if pair is not None:
                found.append(pair)
        return found

    def _signals(
        self, ctx: DetectionContext, pairs: list[Pair], sets: dict[tuple[str, str], frozenset[str]]
    ) -> pa.Table:
        by_viewer: dict[tuple[str, str], list[tuple[Pair, tuple[str, str]]]] = defaultdict(list)
        for pair in pairs:
            by_viewer[pair.a].append((pair, pair.b))
            by_viewer[pair.b].append((pair, pair.a))
        n_candidates = len(sets)
        bar = math.log(n_candidates * (n_candidates - 1) / 2) if n_candidates > 1 else 0.0
        listed = int(self.p(ctx, "max_partners_listed"))
        rows: dict[str, list[object]] = {name: [] for name in DETECTOR_OUTPUT}
        for viewer in sorted(by_viewer):
            ranked = sorted(by_viewer[viewer], key=lambda item: (-item[0].score, item[1]))
            best = ranked[0][0]
            partners = ", ".join(_label(other) for _, other in ranked[:listed])
            more = f" and {len(ranked) - listed} more" if len(ranked) > listed else ""
            rows["subject_type"].append(viewer[0])
            rows["subject"].append(viewer[1])
            rows["score"].append(best.score)
            rows["detail"].append(
                _detail(len(sets[viewer]), ranked, partners + more, bar, n_candidates)
            )
        schema = pa.schema(
            [
                (name, pa.float64() if kind == "float64" else pa.string())
                for name, kind in DETECTOR_OUTPUT.items()
            ]
        )
        return pa.table(rows, schema=schema)
