"""Co-sharing pairs: mercwatch's engagement.co_sharing against QUT's coordination-network-toolkit.

Issue 15, item 4: the same co-sharing data, the same window, the same cores; are the
account pairs the same, and how long and how much memory does each take?

Data: a simulated export (lures reused across personas, viral news, ordinary links),
read through mercwatch's ingest; every link event becomes one message with one URL,
the URL already normalised by ``co_sharing.url_key`` (no query, no ``www.``, no
trailing slash) so both tools compare the same strings. A second data set carries the
registrable domain (PSL) in place of the URL, for the domain pairs.

- QUT: ``preprocess_csv_files`` (its CSV -> SQLite step) and ``compute_co_link_network``
  with ``time_window`` = the window and ``n_threads`` = the cores, run once on the URL
  CSV and once on the domain CSV. Its pairs: edges with ``user_1 != user_2``, unordered.
- mercwatch: the same CSV read into DuckDB as an ``events`` table, then
  ``co_sharing.shared_items`` (no sharer cap, as QUT has none) for URLs and domains.

Each tool runs in its own process, importing only what it needs (mercwatch's
figure includes Ibis, PyArrow and DuckDB loaded); its time is wall clock, its memory the peak
resident size of that process (and, separately, of its largest child: QUT computes
in a process pool). Pair sets are compared and every difference listed.

    python bench/bench_cosharing_qut.py --users 10000,100000 --seed 7301
    python bench/bench_cosharing_qut.py --export EXPORT   # an existing export
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

HEADER = ["message_id", "user_id", "username", "repost_id", "reply_id", "message", "timestamp"]


def build_data(export: Path, work: Path) -> dict[str, int]:
    """``urls.csv`` and ``domains.csv`` in QUT's CSV layout, from the export's link events."""
    from mercwatch.detectors.base import DetectionContext
    from mercwatch.detectors.engagement.co_sharing import shares
    from mercwatch.ingest import ingest_export
    from mercwatch.store.engine import connect

    con = connect()
    ingest_export(export, con)
    s = shares(DetectionContext(con)).order_by(["t", "actor", "kind", "item"]).to_pyarrow()
    counts = {"url": 0, "domain": 0}
    files = {k: (work / f"{k}s.csv").open("w", newline="", encoding="utf-8") for k in counts}
    writers = {k: csv.writer(f) for k, f in files.items()}
    for w in writers.values():
        w.writerow([*HEADER, "urls"])
    for actor, kind, item, t in zip(
        *(s[c].to_pylist() for c in ("actor", "kind", "item", "t")), strict=True
    ):
        counts[kind] += 1
        link = f"https://{item}"
        writers[kind].writerow([f"{kind[0]}{counts[kind]}", actor, actor, "", "", "", t, link])
    for f in files.values():
        f.close()
    return counts


def _peak_mb() -> tuple[float, float]:
    """Peak resident MB of this process and of its largest finished child.

    The process's own peak is ``VmHWM`` (reset by exec); ``ru_maxrss`` of a process
    started by the bench would carry over the bench's own peak from before the exec.
    """
    status = Path("/proc/self/status").read_text()
    own = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
    own /= 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return round(own, 1), round(child, 1)


def run_qut(work: Path, window: float, threads: int) -> dict:
    """QUT's preprocess and co-link network for URLs and for domains."""
    from coordination_network_toolkit.compute_networks import compute_co_link_network
    from coordination_network_toolkit.preprocess import preprocess_csv_files

    out: dict = {"steps": {}}
    started = time.perf_counter()
    for kind in ("url", "domain"):
        db = str(work / f"qut-{kind}.db")
        t0 = time.perf_counter()
        preprocess_csv_files(db, [str(work / f"{kind}s.csv")])
        t1 = time.perf_counter()
        compute_co_link_network(db, window, n_threads=threads, min_edge_weight=1)
        t2 = time.perf_counter()
        with closing(sqlite3.connect(db)) as con:
            rows = con.execute(
                "select distinct min(user_1, user_2), max(user_1, user_2) "
                "from co_link_network where user_1 != user_2"
            ).fetchall()
        out["steps"][kind] = {"preprocess_s": round(t1 - t0, 2), "co_link_s": round(t2 - t1, 2)}
        out[kind] = sorted([a, b] for a, b in rows)
    out["seconds"] = round(time.perf_counter() - started, 2)
    out["peak_mb"], out["peak_child_mb"] = _peak_mb()
    return out


def run_mercwatch(work: Path, window: float, threads: int) -> dict:
    """The same CSV as an ``events`` table in DuckDB, then co_sharing's pair step."""
    from mercwatch.detectors.base import DetectionContext
    from mercwatch.detectors.engagement.co_sharing import shared_items
    from mercwatch.store.engine import EngineConfig, connect, duckdb_connection

    started = time.perf_counter()
    con = connect(EngineConfig(threads=threads))
    duckdb_connection(con).execute(
        "create table events as select message_id as event_id, "
        "to_timestamp(timestamp)::timestamp as ts, 'post' as type, user_id as actor_id, "
        "cast(null as varchar) as target_id, urls as url "
        "from read_csv(?, header = true, all_varchar = false, "
        "columns = {'message_id': 'VARCHAR', 'user_id': 'VARCHAR', 'username': 'VARCHAR', "
        "'repost_id': 'VARCHAR', 'reply_id': 'VARCHAR', 'message': 'VARCHAR', "
        "'timestamp': 'DOUBLE', 'urls': 'VARCHAR'})",
        [str(work / "urls.csv")],
    )
    items = shared_items(DetectionContext(con), window, window, None)
    pairs = items.select("a", "b", "kind").distinct().to_pyarrow()
    out: dict = {"seconds": round(time.perf_counter() - started, 2)}
    for kind in ("url", "domain"):
        out[kind] = sorted(
            [a, b]
            for a, b, k in zip(*(pairs[c].to_pylist() for c in ("a", "b", "kind")), strict=True)
            if k == kind
        )
    out["peak_mb"], out["peak_child_mb"] = _peak_mb()
    return out


def _child(tool: str, work: Path, window: float, threads: int) -> dict:
    """Run one tool in a fresh process, so its time and peak memory are its own."""
    command = [sys.executable, __file__, "--tool", tool, "--work", str(work)]
    command += ["--window", str(window), "--threads", str(threads)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads((work / f"{tool}.json").read_text()) | {"log_tail": done.stdout[-200:]}


def compare(export: Path, work: Path, window: float, threads: int) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    counts = build_data(export, work)
    build_s = time.perf_counter() - t0
    qut = _child("qut", work, window, threads)
    mine = _child("mercwatch", work, window, threads)
    row: dict = {
        "export": str(export),
        "link_events": counts["url"],
        "build_s": round(build_s, 1),
        "qut_s": qut["seconds"],
        "qut_steps": qut["steps"],
        "mercwatch_s": mine["seconds"],
        "ratio": round(mine["seconds"] / max(qut["seconds"], 1e-9), 2),
        "qut_peak_mb": [qut["peak_mb"], qut["peak_child_mb"]],
        "mercwatch_peak_mb": [mine["peak_mb"], mine["peak_child_mb"]],
    }
    for kind in ("url", "domain"):
        a = {tuple(p) for p in qut[kind]}
        b = {tuple(p) for p in mine[kind]}
        row[f"{kind}_pairs"] = [len(a), len(b)]
        row[f"{kind}_only_qut"] = sorted(a - b)[:20]
        row[f"{kind}_only_mercwatch"] = sorted(b - a)[:20]
        row[f"{kind}_same"] = a == b
    return row


def print_row(users: str, row: dict) -> None:
    def mb(pair: list[float]) -> str:
        return f"{pair[0]:.0f} / {pair[1]:.0f}"

    same = "yes" if row["url_same"] and row["domain_same"] else "**no**"
    print(
        f"| {users} | {row['link_events']} | {row['url_pairs'][0]} / {row['url_pairs'][1]} | "
        f"{row['domain_pairs'][0]} / {row['domain_pairs'][1]} | {same} | {row['qut_s']} | "
        f"{row['mercwatch_s']} | {row['ratio']} | {mb(row['qut_peak_mb'])} | "
        f"{mb(row['mercwatch_peak_mb'])} |",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", default="10000,100000", help="comma-separated sizes")
    parser.add_argument("--seed", type=int, default=7301, help="a tuning seed (evalsets.py)")
    parser.add_argument("--export", type=Path, default=None, help="use this export instead")
    parser.add_argument("--window", type=float, default=3600.0, help="seconds, both tools")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None, help="also write rows as JSON")
    parser.add_argument("--tool", choices=("qut", "mercwatch"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.tool:  # one tool, in its own process (see _child)
        run = run_qut if args.tool == "qut" else run_mercwatch
        result = run(args.work, args.window, args.threads)
        (args.work / f"{args.tool}.json").write_text(json.dumps(result))
        return
    work = args.work or Path(tempfile.mkdtemp(prefix="cosharing-qut-"))
    print(f"window {args.window:.0f} s, {args.threads} cores; work folder {work}\n")
    print(
        "| users | link events | URL pairs QUT / mercwatch | domain pairs QUT / mercwatch "
        "| same pairs | QUT s | mercwatch s | time ratio (mercwatch / QUT) "
        "| QUT peak MB (process / largest child) | mercwatch peak MB (process / child) |"
    )
    print("|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|")
    rows = []
    sizes = ["export"] if args.export else args.users.split(",")
    for size in sizes:
        base = work / f"u{size}"
        export = args.export
        if export is None:
            export = base / "export"
            if not (export / "truth.json").exists():
                from mercwatch.sim import SimConfig, simulate

                simulate(SimConfig(users=int(size), seed=args.seed), export)
        row = compare(export, base, args.window, args.threads)
        rows.append(row | {"users": size})
        print_row(size, row)
    for row in rows:
        for kind in ("url", "domain"):
            if not row[f"{kind}_same"]:
                print(f"\n{row['users']} {kind}: only QUT {row[f'{kind}_only_qut']}")
                print(f"{row['users']} {kind}: only mercwatch {row[f'{kind}_only_mercwatch']}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
