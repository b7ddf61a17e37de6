"""Benchmark: N notifications through the outbox to a local SMTP server.

    python bench/bench_outbox.py [--count 50000] [--batch-size 500] [--state URL]

Enqueues N notifications (4 languages, 3 levels) into a fresh state store (SQLite in
a temporary folder unless --state is given), then delivers them all to an aiosmtpd
server on 127.0.0.1 running in a separate process, one SMTP connection per claimed
batch. The server keeps one copy per Message-ID, as the outbox's guarantee assumes,
and the run checks that it received exactly N distinct messages.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import platform
import re
import socket
import tempfile
import time
from pathlib import Path

from mercwatch.model.records import Notification, Phase
from mercwatch.notify import REASONS, Outbox, SmtpAdapter
from mercwatch.store.state import StateStore

_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>]+>)", re.MULTILINE | re.IGNORECASE)


def _sink(port: int, ready: mp.Event, stop: mp.Event, result: mp.Queue) -> None:
    """Child process: an SMTP server that counts attempts and distinct Message-IDs."""
    from aiosmtpd.controller import Controller

    class Handler:
        def __init__(self) -> None:
            self.attempts = 0
            self.ids: set[bytes] = set()

        async def handle_DATA(self, server, session, envelope):  # noqa: ANN001,ANN201,N802
            self.attempts += 1
            found = _MESSAGE_ID.search(envelope.original_content or envelope.content)
            if found:
                self.ids.add(found.group(1))
            return "250 OK"

    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()
    result.put((handler.attempts, len(handler.ids)))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _notifications(count: int) -> tuple[list[Notification], dict[str, str]]:
    levels = list(Phase)
    notes = [
        Notification(f"acct-{i:06d}", f"op-{i % 97:03d}", levels[i % 3], REASONS[levels[i % 3]])
        for i in range(count)
    ]
    languages = ("en", "es", "fr", "ar")
    return notes, {n.account_id: languages[i % 4] for i, n in enumerate(notes)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=50_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--state", help="state store URL (default: SQLite in a temp dir)")
    args = parser.parse_args()

    port, ctx = _free_port(), mp.get_context("spawn")
    ready, stop, result = ctx.Event(), ctx.Event(), ctx.Queue()
    server = ctx.Process(target=_sink, args=(port, ready, stop, result), daemon=True)
    server.start()
    ready.wait(30)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.state or f"sqlite:///{Path(tmp) / 'state.db'}"
        store = StateStore.open(url)
        outbox = Outbox(store)
        notes, locales = _notifications(args.count)
        started = time.perf_counter()
        added = outbox.enqueue(notes, locales)
        enqueued = time.perf_counter()
        adapter = SmtpAdapter(
            "127.0.0.1",
            port,
            "security@platform.example",
            recipient_template="{account_id}@users.platform.example",
        )
        report = outbox.deliver(adapter, batch_size=args.batch_size)
        delivered = time.perf_counter()
        status = outbox.status()
        store.dispose()
    stop.set()
    attempts, distinct = result.get(timeout=30)
    server.join(10)

    enqueue_s, deliver_s = enqueued - started, delivered - enqueued
    print(
        f"machine: {platform.machine()}, {mp.cpu_count()} cores, Python "
        f"{platform.python_version()}, store {url.split(':')[0]}"
    )
    print(f"enqueue: {added} notifications in {enqueue_s:.2f} s ({added / enqueue_s:,.0f}/s)")
    print(
        f"deliver: {report.sent} sent in {report.batches} batches of {args.batch_size} in "
        f"{deliver_s:.2f} s ({report.sent / deliver_s:,.0f} messages/s)"
    )
    print(
        f"server received {attempts} messages, {distinct} distinct Message-IDs; outbox sent "
        f"{status.sent}, pending {status.pending}, failed {status.failed}"
    )
    if not (distinct == attempts == status.sent == args.count):
        raise SystemExit("MISMATCH: some notification was lost or duplicated")


if __name__ == "__main__":
    main()
