"""Page latency of ``/api/accounts`` and ``/api/signals`` on a platform of a million accounts.

Builds a run folder the way ``mercwatch run`` publishes it (the pipeline's publisher and
the run's own table writer, :func:`mercwatch.queries.run_tables.write_tables`) from a
synthetic signals table: ``--accounts`` accounts with one or two account signals each,
plus ``--operations`` operations of 5 accounts and 8 targets. Then times pages through
the real API app (FastAPI TestClient, an analyst key and a viewer key) at the start,
the middle and the end, by ``offset`` and by keyset (``after``), and prints p50/p95.

The numbers include the HTTP stack in-process, the key check (cached after the first
request) and DuckDB's scan of the Parquet file; not a network.

Run: python bench/bench_api_paging.py [--accounts 1000000] [--repeat 20] [--limit 100]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path

import pyarrow as pa
from fastapi.testclient import TestClient
from pydantic import SecretStr

from mercwatch.api import ApiSettings, Authenticator, Role, create_app, new_api_key
from mercwatch.detectors.runner import SIGNALS_SCHEMA
from mercwatch.model import Infrastructure, Operation, Phase
from mercwatch.pipeline.outputs import staged_outputs
from mercwatch.queries.run_tables import write_tables
from mercwatch.web import WebSettings

DETECTORS = (
    ("recon.targeted_watching", "reconnaissance"),
    ("engagement.fake_persona", "engagement"),
    ("exploitation.link_delivery", "exploitation"),
)


def synthetic_signals(accounts: int) -> pa.Table:
    """``accounts`` accounts with 1 signal, every third with a second one (1.33 per account)."""
    subjects, detectors, phases, scores = [], [], [], []
    for n in range(accounts):
        for k in range(2 if n % 3 == 0 else 1):
            detector, phase = DETECTORS[(n + k) % 3]
            subjects.append(f"u{n:07d}")
            detectors.append(detector)
            phases.append(phase)
            scores.append(((n * 7919 + k * 104729) % 100_000) / 100_000)
    rows = len(subjects)
    return pa.Table.from_arrays(
        [
            pa.array(detectors),
            pa.array(phases),
            pa.array(["account"] * rows),
            pa.array(subjects),
            pa.array(scores, pa.float64()),
            pa.array([f"synthetic evidence {i % 1000}" for i in range(rows)]),
        ],
        schema=SIGNALS_SCHEMA,
    )


def synthetic_operations(accounts: int, count: int) -> list[Operation]:
    step = max(accounts // (count * 13), 1)
    ops = []
    for i in range(count):
        base = i * 13 * step
        ops.append(
            Operation(
                f"op-{i:04d}",
                0.5 + (i % 50) / 100,
                (Phase.RECONNAISSANCE, Phase.ENGAGEMENT),
                tuple(f"u{base + j * step:07d}" for j in range(5)),
                tuple(f"u{base + (5 + j) * step:07d}" for j in range(8)),
                Infrastructure(domains=(f"lure-{i}.site",)),
                datetime(2021, 11, 1),
                datetime(2021, 11, 9),
            )
        )
    return ops


def build(out: Path, accounts: int, operations: int) -> float:
    started = time.perf_counter()
    ops = synthetic_operations(accounts, operations)
    with staged_outputs(out) as outputs:
        outputs.write_json("operations.json", {"operations": [o.to_dict() for o in ops]})
        write_tables(outputs.path, synthetic_signals(accounts), ops)
    return time.perf_counter() - started


def timed(call: Callable[[], object], repeat: int) -> tuple[float, float]:
    call()  # warm: key check cached, file metadata in the OS cache
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(0.95 * len(samples)))]


def report(role: Role, route: str, what: str, p50: float, p95: float) -> None:
    print(f"| {role.value} | {route} | {what} | {p50:.1f} | {p95:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--operations", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--limit", type=int, default=100)
    args = parser.parse_args()
    made = {r: new_api_key(f"bench-{r.value}", r) for r in (Role.VIEWER, Role.ANALYST)}
    auth = Authenticator(k for _, k in made.values())
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        seconds = build(out, args.accounts, args.operations)
        sizes = {p.name: p.stat().st_size for p in (out / "current").iterdir()}
        print(f"built {args.accounts:,} accounts in {seconds:.1f} s; files: {sizes}")
        web = WebSettings(state_url=None, session_secret=SecretStr("s" * 40))
        client = TestClient(create_app(ApiSettings(run_dir=out), authenticator=auth, web=web))
        print("| role | route | page | p50 ms | p95 ms |\n|---|---|---|---|---|")
        for role in (Role.ANALYST, Role.VIEWER):
            headers = {"Authorization": f"Bearer {made[role][0]}"}
            for route in ("accounts", "signals"):
                first = client.get(f"/api/{route}?limit=1", headers=headers).json()
                total, limit = first["total"], args.limit
                for where, offset in (("start", 0), ("middle", total // 2), ("end", total - limit)):
                    url = f"/api/{route}?limit={limit}&offset={offset}"
                    p50, p95 = timed(partial(client.get, url, headers=headers), args.repeat)
                    report(role, route, f"offset {where}", p50, p95)
                    # Keyset: the cursor is the rank of the row before the page.
                    after = offset - 1
                    url = f"/api/{route}?limit={limit}&after={after}"
                    p50, p95 = timed(partial(client.get, url, headers=headers), args.repeat)
                    report(role, route, f"keyset {where}", p50, p95)
            url = "/api/accounts?limit=100&phase=exploitation&min_score=0.5&sort=account_id"
            p50, p95 = timed(partial(client.get, url, headers=headers), args.repeat)
            report(role, "accounts", "filtered+sorted", p50, p95)


if __name__ == "__main__":
    main()
