"""engagement.coordination names the same strongest partner on every rerun.

Two partners tie on paper: each shares three addresses with the account, of the same
breadths (3, 4 and 6 accounts, weights 1/sqrt(n-1)), and approaches the same people at
the same times. Floating-point sums of those weights differ in the last bit with the
order of addition (1/sqrt(2) + 1/sqrt(3) + 1/sqrt(5) is not the same double in every
order), and an engine adds in whatever order its threads deliver rows. The tie must
still go to the smaller id, whatever the row order and thread count.
"""

from __future__ import annotations

import math
from itertools import permutations

import duckdb
import pytest
from _helpers.scenes import Scene, background

from mercwatch.detectors.engagement.coordination import Coordination
from mercwatch.detectors.runner import run_detectors
from mercwatch.detectors.scoring import exact_sum

BREADTHS = (3, 4, 6)


def _scene(order_p1: tuple[int, ...], order_p2: tuple[int, ...]) -> Scene:
    s = Scene()
    _, risky, contacts = background(s)
    targets = risky + contacts[:3]
    for name in ("a0", "p1", "p2"):
        s.account(name, created_days=-40)
    filler = 0
    for partner, order in (("p1", order_p1), ("p2", order_p2)):
        for n in order:
            ip = f"203.0.113.{10 * int(partner[1]) + n}"
            s.event("login", "a0", days=2.0, ip=ip)
            s.event("login", partner, days=2.0, ip=ip)
            for _ in range(n - 2):  # others on the address make its breadth n
                s.account(f"f{filler}", created_days=-600)
                s.event("login", f"f{filler}", days=2.5, ip=ip)
                filler += 1
    for j, t in enumerate(targets[:4]):
        for name in ("a0", "p1", "p2"):
            s.request(name, t, days=3 + j * 0.1)
    return s


def test_float_sums_depend_on_order_but_exact_sum_does_not() -> None:
    """The premise, checked on the engine: plain SUM of the same weights in two orders
    differs; ``exact_sum`` does not."""
    import ibis

    weights = [1 / math.sqrt(n - 1) for n in BREADTHS]
    plain, exact = set(), set()
    for order in permutations(weights):
        con = ibis.duckdb.connect()
        con.raw_sql("SET threads = 1")
        t = con.create_table("w", obj=ibis.memtable({"i": range(3), "w": list(order)}))
        plain.add(con.execute(t.w.sum()))
        exact.add(con.execute(exact_sum(t.w)))
    assert len(plain) > 1  # otherwise this test proves nothing
    assert len(exact) == 1


@pytest.mark.parametrize("orders", [(BREADTHS, BREADTHS[::-1]), (BREADTHS[::-1], BREADTHS)])
@pytest.mark.parametrize("threads", [1, 4])
def test_tied_partners_resolve_to_the_smaller_id(
    tmp_path, orders: tuple[tuple[int, ...], tuple[int, ...]], threads: int
) -> None:
    ctx = _scene(*orders).context(tmp_path)
    raw = ctx.con.con if hasattr(ctx.con, "con") else None
    if isinstance(raw, duckdb.DuckDBPyConnection):
        raw.execute(f"SET threads = {threads}")
    result = run_detectors(ctx, [Coordination])
    assert not result.failed, result.failed
    detail = {r["subject"]: r["detail"] for r in result.signals.to_pylist()}["a0"]
    assert "strongest with p1 " in detail, detail
