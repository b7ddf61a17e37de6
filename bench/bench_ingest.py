"""Ingest throughput (events/s) and peak memory, per input format and size.

Writes a synthetic export of N events (realistic column shapes, 1 in 1,000 rows
broken so the reject path is exercised) in each format, then ingests each one in a
fresh subprocess and reports wall time and the child's peak RSS.

    python bench/bench_ingest.py --events 1000000 10000000 --formats parquet jsonl csv
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

TYPES = np.array(
    ["login", "view_profile", "search", "friend_request", "message", "post", "share_link"]
)
CHUNK = 1_000_000


def _events_chunk(rng: np.random.Generator, start: int, n: int, users: int) -> pa.Table:
    ids = np.arange(start, start + n)
    kinds = TYPES[rng.integers(0, len(TYPES), n)]
    actor = rng.integers(0, users, n)
    target = rng.integers(0, users, n)
    has_target = ~np.isin(kinds, ["login", "search"])
    ts = np.datetime64("2021-09-01T00:00:00") + rng.integers(0, 90 * 86400, n).astype(
        "timedelta64[s]"
    )
    ts_text = np.char.add(np.datetime_as_string(ts, unit="s"), "Z")
    bad = ids % 1000 == 999
    ts_text = np.where(bad, "not-a-time", ts_text)
    url = np.where(
        kinds == "share_link",
        np.char.add("https://example", (actor % 500).astype(str)) + ".com/a",
        None,
    )
    return pa.table(
        {
            "event_id": pa.array(np.char.add("e", ids.astype(str))),
            "ts": pa.array(ts_text),
            "type": pa.array(kinds),
            "actor_id": pa.array(np.char.add("u", actor.astype(str))),
            "target_id": pa.array(np.where(has_target, np.char.add("u", target.astype(str)), None)),
            "ip": pa.array(
                np.char.add("10.1.", (actor % 250).astype(str)) + "." + (actor % 200).astype(str)
            ),
            "asn": pa.array(64500 + actor % 50),
            "device_id": pa.array(np.char.add("d", actor.astype(str))),
            "user_agent": pa.array(np.full(n, "Mozilla/5.0 (X11; Linux x86_64) Chrome/96.0")),
            "text": pa.array(np.where(kinds == "message", "hello there, how are you?", None)),
            "url": pa.array(url),
        }
    )


def write_export(folder: Path, events: int, users: int = 100_000) -> Path:
    """A Parquet export (events as part files) plus accounts."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "events").mkdir(exist_ok=True)
    rng = np.random.default_rng(1)
    for part, start in enumerate(range(0, events, CHUNK)):
        pq.write_table(
            _events_chunk(rng, start, min(CHUNK, events - start), users),
            folder / "events" / f"part-{part:04d}.parquet",
        )
    accounts = pa.table(
        {
            "account_id": pa.array(np.char.add("u", np.arange(users).astype(str))),
            "created_at": pa.array(np.full(users, "2020-01-01T00:00:00Z")),
        }
    )
    pq.write_table(accounts, folder / "accounts.parquet")
    return folder


def convert(parquet_export: Path, target: Path, fmt: str) -> Path:
    """The same export as JSON Lines or CSV, written by DuckDB."""
    target.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    src = parquet_export.as_posix()
    options = "(FORMAT JSON)" if fmt == "jsonl" else "(FORMAT CSV, HEADER)"
    con.execute(
        f"COPY (SELECT * FROM '{src}/accounts.parquet') TO '{target}/accounts.{fmt}' {options}"
    )
    con.execute(
        f"COPY (SELECT * FROM '{src}/events/*.parquet') TO '{target}/events.{fmt}' {options}"
    )
    return target


CHILD = """
import json, resource, sys, time
from pathlib import Path
from mercwatch.ingest import ingest_export
from mercwatch.store.engine import EngineConfig, connect
con = connect(EngineConfig(memory_limit=sys.argv[2], temp_directory=Path(sys.argv[3])))
t = time.perf_counter()
report = ingest_export(Path(sys.argv[1]), con)
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "events": report.table("events").rows_read,
                  "rejected": report.rejected,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(export: Path, memory_limit: str) -> dict:
    with tempfile.TemporaryDirectory() as spill:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(export), memory_limit, spill],
            check=True,
            capture_output=True,
            text=True,
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--formats", nargs="+", default=["parquet", "jsonl", "csv"])
    parser.add_argument("--memory-limit", default="2GB", help="DuckDB memory cap during ingest")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="mw-bench-ingest-"))
    print(
        f"machine: {platform.machine()}, {platform.python_version()}, "
        f"cores: {len(__import__('os').sched_getaffinity(0))}"
    )
    print("| events | format | seconds | events/s | peak RSS (MB) | rejected |")
    print("|---:|---|---:|---:|---:|---:|")
    for n in args.events:
        parquet = write_export(work / f"parquet-{n}", n)
        for fmt in args.formats:
            export = parquet if fmt == "parquet" else convert(parquet, work / f"{fmt}-{n}", fmt)
            r = measure(export, args.memory_limit)
            print(
                f"| {n:,} | {fmt} | {r['seconds']:.1f} | {r['events'] / r['seconds']:,.0f} | "
                f"{r['peak_rss_mb']:,.0f} | {r['rejected']:,} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
