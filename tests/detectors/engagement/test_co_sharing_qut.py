"""engagement.co_sharing finds the same account pairs as QUT's coordination-network-toolkit.

QUT's co-link network (``compute_co_link_network``) is the reference implementation of
"same link shared by two accounts within a window". Both tools are given the same
data — a simulated platform's link events, URLs normalised by ``co_sharing.url_key``,
and a second set with the registrable domain in place of the URL — and must name the
same unordered pairs of distinct accounts (QUT also lists each account with itself,
which is no pair). The toolkit is a dev dependency, so this runs wherever tests do.
bench/bench_cosharing_qut.py compares the two at scale (time, memory).
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from coordination_network_toolkit.compute_networks import compute_co_link_network
from coordination_network_toolkit.preprocess import preprocess_data

from mercwatch.detectors.base import DetectionContext
from mercwatch.detectors.engagement.co_sharing import shared_items, shares
from mercwatch.ingest import ingest_export
from mercwatch.sim import SimConfig, simulate
from mercwatch.store.engine import connect

URL_WINDOW, DOMAIN_WINDOW = 3600.0, 6 * 3600.0


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> DetectionContext:
    export = tmp_path_factory.mktemp("qut") / "export"
    simulate(SimConfig(users=2000, seed=5, days=14), export)
    con = connect()
    ingest_export(export, con)
    return DetectionContext(con)


def _qut_pairs(context: DetectionContext, kind: str, window: float, db: Path) -> set:
    s = shares(context).filter(lambda t: t.kind == kind).to_pyarrow()
    rows = (
        (f"m{i}", actor, actor, "", "", "", t, [f"https://{item}"])
        for i, (actor, item, t) in enumerate(
            zip(*(s[c].to_pylist() for c in ("actor", "item", "t")), strict=True)
        )
    )
    preprocess_data(str(db), rows)
    compute_co_link_network(str(db), window, n_threads=1, min_edge_weight=1)
    with closing(sqlite3.connect(db)) as con:
        found = con.execute(
            "select min(user_1, user_2), max(user_1, user_2) from co_link_network "
            "where user_1 != user_2"
        ).fetchall()
    return set(found)


def _mercwatch_pairs(context: DetectionContext, kind: str) -> set:
    items = shared_items(context, URL_WINDOW, DOMAIN_WINDOW, None)
    t = items.filter(items.kind == kind).select("a", "b").distinct().to_pyarrow()
    return set(zip(t["a"].to_pylist(), t["b"].to_pylist(), strict=True))


@pytest.mark.parametrize(("kind", "window"), [("url", URL_WINDOW), ("domain", DOMAIN_WINDOW)])
def test_same_pairs_as_qut_co_link(
    context: DetectionContext, tmp_path: Path, kind: str, window: float
) -> None:
    qut = _qut_pairs(context, kind, window, tmp_path / f"{kind}.db")
    mine = _mercwatch_pairs(context, kind)
    assert len(qut) >= 20, "too few co-shares to compare"
    assert mine == qut, (sorted(mine - qut)[:10], sorted(qut - mine)[:10])
