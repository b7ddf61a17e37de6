"""Peak memory and outcome of ingest on hostile exports (issue: bounded input).

Builds each export in a temp folder, ingests it in a fresh subprocess with the default
limits (or the ones given) and reports wall time, the child's peak RSS and what ingest
said: a reject with its reason, or the one error that stopped it.

    python bench/bench_ingest_hostile.py                  # all cases
    python bench/bench_ingest_hostile.py --cases gzip_1g_one_line

Cases:
    gzip_1g_one_line     a gzip holding one good row, then one 1 GiB line (no newline)
    plain_500m_line      a plain JSONL file with one 500 MiB line between good rows
    junk_10m_rows_gzip   a gzip of 10 million junk lines (the old 1.9 GB rejects file)
    junk_10m_rows_kept   the same with max_reject_fraction=1: ingest goes on, keeps 10,000
    parquet_300m_cell    a 14 MB Parquet file whose one string cell is 300 MiB
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

GOOD = {"event_id": "ok", "ts": "2021-11-03T14:05:00Z", "type": "login", "actor_id": "a1"}
ACCOUNT = {"account_id": "a1", "created_at": "2020-01-01T00:00:00Z"}
CHUNK = 16 << 20


def _folder(work: Path, name: str) -> Path:
    folder = work / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "accounts.jsonl").write_text(json.dumps(ACCOUNT) + "\n")
    return folder


def gzip_1g_one_line(work: Path) -> tuple[Path, list[str]]:
    folder = _folder(work, "gzip_1g_one_line")
    with gzip.open(folder / "events.jsonl.gz", "wb", compresslevel=1) as out:
        out.write((json.dumps(GOOD) + "\n").encode())
        block = b'{"event_id": "' + b"x" * (CHUNK - 14)
        for _ in range((1 << 30) // CHUNK):
            out.write(block)
            block = b"x" * CHUNK
    return folder, []


def plain_500m_line(work: Path) -> tuple[Path, list[str]]:
    folder = _folder(work, "plain_500m_line")
    with (folder / "events.jsonl").open("wb") as out:
        out.write((json.dumps(GOOD) + "\n").encode())
        out.write(b'{"event_id": "big", "text": "')
        for _ in range((500 << 20) // CHUNK):
            out.write(b"y" * CHUNK)
        out.write(b'"}\n')
        out.write((json.dumps({**GOOD, "event_id": "after"}) + "\n").encode())
    return folder, []


def _junk(work: Path, name: str) -> Path:
    folder = _folder(work, name)
    path = folder / "events.jsonl.gz"
    with gzip.open(path, "wb", compresslevel=6) as out:
        line = b"this is not json at all, just junk\n"
        for _ in range(10):
            out.write(line * 1_000_000)
    return folder


def junk_10m_rows_gzip(work: Path) -> tuple[Path, list[str]]:
    return _junk(work, "junk_10m_rows_gzip"), []


def junk_10m_rows_kept(work: Path) -> tuple[Path, list[str]]:
    return _junk(work, "junk_10m_rows_kept"), ["max_reject_fraction=1"]


def parquet_300m_cell(work: Path) -> tuple[Path, list[str]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = _folder(work, "parquet_300m_cell")
    rows = [{**GOOD, "event_id": f"e{i}", "text": "hi"} for i in range(3)]
    rows[1]["text"] = "y" * (300 << 20)
    pq.write_table(pa.Table.from_pylist(rows), folder / "events.parquet")
    return folder, []


CASES: dict[str, Callable[[Path], tuple[Path, list[str]]]] = {
    f.__name__: f
    for f in (
        gzip_1g_one_line,
        plain_500m_line,
        junk_10m_rows_gzip,
        junk_10m_rows_kept,
        parquet_300m_cell,
    )
}

CHILD = """
import json, resource, sys, time
from pathlib import Path
from mercwatch.errors import InputError
from mercwatch.ingest import ingest_export
from mercwatch.ingest.limits import IngestLimits
from mercwatch.store.engine import EngineConfig, connect
con = connect(EngineConfig(memory_limit=sys.argv[2], temp_directory=Path(sys.argv[3])))
limits = IngestLimits().with_options(sys.argv[4:])
t = time.perf_counter()
try:
    report = ingest_export(Path(sys.argv[1]), con, limits)
    rejects = con.con.sql("SELECT reason FROM rejects ORDER BY source, line LIMIT 1").fetchall()
    outcome = (f"loaded {report.table('events').rows_loaded:,}, rejected {report.rejected:,} "
               f"(kept {report.rejects_kept:,}); first reason: {rejects[0][0] if rejects else '-'}")
except InputError as exc:
    outcome = f"InputError: {exc}"
print(json.dumps({"seconds": time.perf_counter() - t, "outcome": outcome,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(export: Path, memory_limit: str, options: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as spill:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(export), memory_limit, spill, *options],
            check=True,
            capture_output=True,
            text=True,
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _build(name: str, work: Path) -> tuple[Path, list[str]]:
    """Write a case's export in a separate process.

    A child's peak RSS (``ru_maxrss``) includes the memory of the process it was
    forked from, so building a 300 MB cell here and then measuring would charge the
    builder's memory to ingest.
    """
    out = subprocess.run(
        [sys.executable, __file__, "--build", name, "--workdir", str(work)],
        check=True,
        capture_output=True,
        text=True,
    )
    export, options = json.loads(out.stdout.strip().splitlines()[-1])
    return Path(export), options


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    parser.add_argument("--memory-limit", default="2GB", help="DuckDB memory cap during ingest")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--build", choices=list(CASES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="mw-bench-hostile-"))
    if args.build:  # in its own process: see _build
        export, options = CASES[args.build](work)
        print(json.dumps([str(export), options]))
        return
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    print("| case | input on disk (MB) | seconds | peak RSS (MB) | outcome |")
    print("|---|---:|---:|---:|---|")
    for name in args.cases:
        export, options = _build(name, work)
        size = sum(p.stat().st_size for p in export.iterdir()) / (1 << 20)
        r = measure(export, args.memory_limit, options)
        outcome = r["outcome"].replace("|", "/")[:220]
        print(
            f"| {name} | {size:,.1f} | {r['seconds']:.1f} | {r['peak_rss_mb']:,.0f} | {outcome} |",
            flush=True,
        )
        for path in export.iterdir():
            path.unlink()


if __name__ == "__main__":
    main()
