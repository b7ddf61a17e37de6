"""``/api/health`` latency while other clients flood the API with wrong keys.

Every wrong key costs one scrypt unless the failure budget refuses it first. This
starts the real API app under uvicorn on 127.0.0.1, lets ``--flooders`` threads send
wrong keys as fast as they can for ``--seconds`` and meanwhile times ``/api/health``
once every 100 ms; it prints the median and worst health latency, how many wrong
keys were sent and how many scrypt computations the server ran.

Run it twice to compare: with the default budget, and with ``--no-budget`` (a budget
so large it never refuses: the behaviour before the budget existed).

Run: python bench/bench_auth_flood.py [--flooders 8] [--seconds 10] [--no-budget]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests
import uvicorn

from mercwatch.api import ApiSettings, Authenticator, Role, create_app, new_api_key
from mercwatch.auth.throttle import FailureLimiter
from mercwatch.web import WebSettings

SCRYPT_CALLS = [0]
_REAL_SCRYPT = hashlib.scrypt


def _counting_scrypt(*args: Any, **kwargs: Any) -> bytes:
    SCRYPT_CALLS[0] += 1
    return _REAL_SCRYPT(*args, **kwargs)


def _serve(budget: bool) -> tuple[str, uvicorn.Server]:
    run_dir = Path(tempfile.mkdtemp(prefix="bench-flood-"))
    (run_dir / "operations.json").write_text('{"operations": []}', encoding="utf-8")
    _, key = new_api_key("real", Role.READER)
    limiter = FailureLimiter() if budget else FailureLimiter(10**9, 1e9, 1e9)
    app = create_app(
        ApiSettings(run_dir=run_dir),
        authenticator=Authenticator([key], limiter=limiter),
        web=WebSettings(session_secret="b" * 40, secure_cookies=False),
    )
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="error", lifespan="off"))
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    while not server.started:
        time.sleep(0.02)
    return f"http://127.0.0.1:{sock.getsockname()[1]}", server


def _flood(base: str, stop: threading.Event, sent: list[int]) -> None:
    with requests.Session() as http:
        n = 0
        while not stop.is_set():
            http.get(f"{base}/api/operations", headers={"X-API-Key": f"real.wrong{n}"})
            n += 1
        sent.append(n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flooders", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--no-budget", action="store_true")
    args = parser.parse_args()
    hashlib.scrypt = _counting_scrypt  # type: ignore[assignment]
    base, server = _serve(budget=not args.no_budget)
    stop, sent = threading.Event(), []
    flooders = [
        threading.Thread(target=_flood, args=(base, stop, sent)) for _ in range(args.flooders)
    ]
    SCRYPT_CALLS[0] = 0
    for thread in flooders:
        thread.start()
    latencies = []
    end = time.monotonic() + args.seconds
    while time.monotonic() < end:
        start = time.perf_counter()
        requests.get(f"{base}/api/health", timeout=60).raise_for_status()
        latencies.append(time.perf_counter() - start)
        time.sleep(0.1)
    stop.set()
    for thread in flooders:
        thread.join()
    server.should_exit = True
    result = {
        "budget": not args.no_budget,
        "flooders": args.flooders,
        "seconds": args.seconds,
        "wrong_keys_sent": sum(sent),
        "scrypt_calls": SCRYPT_CALLS[0],
        "health_median_ms": round(statistics.median(latencies) * 1000, 1),
        "health_max_ms": round(max(latencies) * 1000, 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
