"""A real Redis server for the stream tests, and a producer that streams an export.

``scripts/test.sh`` starts a throwaway server and sets ``MERCWATCH_TEST_REDIS_URL``;
run alone, the fixture starts one itself when ``redis-server`` is installed. In CI a
missing server is a failure, not a skip: the consumer must be tested against the real
thing at least there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REDIS_ENV = "MERCWATCH_TEST_REDIS_URL"
SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "start-test-redis.sh"


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """The URL of a running Redis server (the suite's, or one started here)."""
    if url := os.environ.get(REDIS_ENV):
        yield url
        return
    if shutil.which("redis-server") is None:
        if os.environ.get("CI"):
            pytest.fail(f"{REDIS_ENV} is not set and redis-server is not installed")
        pytest.skip("no Redis server (apt-get install -y redis-server)")
    lines = subprocess.run(["bash", str(SCRIPT)], check=True, capture_output=True, text=True)
    env = dict(line.removeprefix("export ").split("=", 1) for line in lines.stdout.splitlines())
    try:
        yield env[REDIS_ENV]
    finally:
        subprocess.run(["bash", "-c", env["MERCWATCH_TEST_REDIS_STOP"].strip("'")], check=False)


def unique_stream() -> str:
    """A stream key no other test uses (tests share one server)."""
    return f"test:{uuid.uuid4().hex}"


def stream_export(client: object, export: Path, stream: str) -> int:
    """XADD every row of a JSON Lines export (accounts, friendships, events by time)."""
    count = 0
    pipe = client.pipeline(transaction=False)  # type: ignore[attr-defined]
    for table, key in (("accounts", None), ("friendships", None), ("events", "ts")):
        lines = (export / f"{table}.jsonl").read_text().splitlines()
        if key:
            lines.sort(key=lambda line: json.loads(line)[key])
        for line in lines:
            pipe.xadd(stream, {"table": table, "record": line})
            count += 1
    pipe.execute()
    return count
