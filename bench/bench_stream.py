"""How fast ``watch --redis`` lands a Redis Stream as part files.

Starts a throwaway ``redis-server`` (scripts/start-test-redis.sh), XADDs N synthetic
event rows, then times :class:`mercwatch.ingest.redis_stream.StreamLander` landing
them batch by batch, and prints entries per second for producing and for landing.
The pipeline run that follows landing is measured by bench/bench_incremental.py.

    python bench/bench_stream.py --rows 1000000 --batch-size 10000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

import redis

from mercwatch.ingest.redis_stream import StreamLander

ROOT = Path(__file__).resolve().parents[1]


def _server() -> tuple[str, str]:
    out = subprocess.run(
        ["bash", str(ROOT / "scripts" / "start-test-redis.sh")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    env = dict(line.removeprefix("export ").split("=", 1) for line in out.splitlines())
    return env["MERCWATCH_TEST_REDIS_URL"], env["MERCWATCH_TEST_REDIS_STOP"].strip("'")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=10_000)
    args = parser.parse_args()
    url, stop = _server()
    try:
        client = redis.Redis.from_url(url)
        started = time.perf_counter()
        pipe = client.pipeline(transaction=False)
        for n in range(args.rows):
            row = {
                "event_id": f"e{n}",
                "ts": "2021-11-03T14:05:00Z",
                "type": "message",
                "actor_id": f"u{n % 5000}",
                "target_id": f"u{(n * 7) % 5000}",
                "text": "hello there",
            }
            pipe.xadd("bench", {"table": "events", "record": json.dumps(row)})
            if n % 10_000 == 9_999:
                pipe.execute()
        pipe.execute()
        produced = time.perf_counter() - started
        with tempfile.TemporaryDirectory() as tmp:
            lander = StreamLander(client, Path(tmp), stream="bench", batch_size=args.batch_size)
            started = time.perf_counter()
            batches = landed = 0
            while (result := lander.pull()).read:
                batches += 1
                landed += result.read
            took = time.perf_counter() - started
            size = sum(p.stat().st_size for p in Path(tmp).rglob("part-*"))
        print(
            f"rows {args.rows:,}; produce {produced:.1f} s ({args.rows / produced:,.0f}/s); "
            f"land {took:.1f} s ({landed / took:,.0f}/s) in {batches} batches of "
            f"{args.batch_size:,}; {size / 1e6:.0f} MB of part files"
        )
    finally:
        subprocess.run(["bash", "-c", stop], check=False)


if __name__ == "__main__":
    main()
