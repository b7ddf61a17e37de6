"""Validated ingest against DuckDB reading the same files raw, per format and size.

Writes a synthetic export of N events (realistic column shapes, 1 in 1,000 rows
broken so the reject path is exercised) in each format, then, side by side in one run,
loads each one twice, each time in a fresh subprocess:

- raw: plain DuckDB with its defaults, ``CREATE TABLE t AS SELECT * FROM
  read_parquet/read_json/read_csv(...)`` for every file of the export (what DuckDB
  alone does with the files, no checks);
- validated: ``mercwatch.ingest.ingest_export`` (every contract check, rejects kept).

It reports wall seconds, CPU seconds (all threads) and peak RSS of both, and the ratio
validated / raw. The machine is shared, so the ratio is the figure to read. Exports
are written once into ``--workdir`` and reused by later runs.

    python bench/bench_ingest.py --events 1000000 10000000 --formats parquet jsonl csv
"""

from __future__ import annotations

import argparse
import json
import os
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
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime,
                  "rows": report.table("events").rows_read, "rejected": report.rejected,
                  "peak_rss_mb": usage.ru_maxrss / 1024}))
"""

#: Plain DuckDB, its defaults, every file of the export read into a table as it is.
RAW_CHILD = """
import json, resource, sys, time
from pathlib import Path
import duckdb
export, fmt = Path(sys.argv[1]), sys.argv[2]
reader = {"parquet": "read_parquet", "jsonl": "read_json", "csv": "read_csv"}[fmt]
con = duckdb.connect()
t = time.perf_counter()
for name in ("accounts", "events"):
    folder = export / name
    files = f"{folder}/*.{fmt}" if folder.is_dir() else f"{export}/{name}.{fmt}"
    con.execute(f"CREATE TABLE {name} AS SELECT * FROM {reader}('{files}')")
seconds = time.perf_counter() - t
rows = con.execute("SELECT count(*) FROM events").fetchone()[0]
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime, "rows": rows,
                  "rejected": 0, "peak_rss_mb": usage.ru_maxrss / 1024}))
"""


def _run_child(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, "-c", *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(export: Path, memory_limit: str) -> dict:
    """Validated ingest of ``export`` in a fresh process."""
    with tempfile.TemporaryDirectory() as spill:
        return _run_child([CHILD, str(export), memory_limit, spill])


def measure_raw(export: Path, fmt: str) -> dict:
    """DuckDB alone reading the same files into tables, in a fresh process."""
    return _run_child([RAW_CHILD, str(export), fmt])


def _export(work: Path, n: int, fmt: str) -> Path:
    """The export of ``n`` events in ``fmt``, written once and reused (a marker file
    says it is complete, so an interrupted write is redone)."""
    parquet, target = work / f"parquet-{n}", work / f"{fmt}-{n}"
    if not (parquet / ".complete").exists():
        write_export(parquet, n)
        (parquet / ".complete").touch()
    if fmt == "parquet":
        return parquet
    if not (target / ".complete").exists():
        convert(parquet, target, fmt)
        (target / ".complete").touch()
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--formats", nargs="+", default=["parquet", "jsonl", "csv"])
    parser.add_argument("--memory-limit", default="2GB", help="DuckDB memory cap during ingest")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the fastest counts")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="mw-bench-ingest-"))
    print(
        f"machine: {platform.machine()}, Python {platform.python_version()}, "
        f"duckdb {duckdb.__version__}, cores: {len(os.sched_getaffinity(0))}, "
        f"load average at start: {os.getloadavg()[0]:.1f}"
    )
    print(
        "| events | format | raw s | raw CPU s | raw peak RSS (MB) | validated s "
        "| validated CPU s | validated peak RSS (MB) | rejected | ratio |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in args.events:
        for fmt in args.formats:
            export = _export(work, n, fmt)
            raws = [measure_raw(export, fmt) for _ in range(args.repeat)]
            checked = [measure(export, args.memory_limit) for _ in range(args.repeat)]
            raw = min(raws, key=lambda r: r["seconds"])
            val = min(checked, key=lambda r: r["seconds"])
            if raw["rows"] != val["rows"]:
                sys.exit(f"{fmt} {n}: raw read {raw['rows']} events, ingest {val['rows']}")
            print(
                f"| {n:,} | {fmt} | {raw['seconds']:.2f} | {raw['cpu']:.1f} | "
                f"{raw['peak_rss_mb']:,.0f} | {val['seconds']:.2f} | {val['cpu']:.1f} | "
                f"{val['peak_rss_mb']:,.0f} | {val['rejected']:,} | "
                f"**{val['seconds'] / raw['seconds']:.1f}** |",
                flush=True,
            )
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
