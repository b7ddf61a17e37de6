"""Loopback receivers for the notification tests: an SMTP server and a webhook endpoint.

Both deduplicate on the idempotency key, as the outbox's exactly-once-effect
guarantee requires of a receiver, and count raw attempts so tests can see repeats.
"""

from __future__ import annotations

import email
import json
import socket
import threading
import time
from collections.abc import Iterator
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from mercwatch.notify.adapters import (
    KEY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify_signature,
)

WEBHOOK_SECRET = b"test-shared-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpSink:
    """A receiving mail system that, like real ones, keeps one copy per Message-ID."""

    def __init__(self) -> None:
        self.attempts = 0
        self.delivered: dict[str, email.message.EmailMessage] = {}
        self.rcpt_replies: dict[str, str] = {}  # address -> SMTP reply, to inject failures

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001,ANN201,N802
        reply = self.rcpt_replies.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001,ANN201,N802
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        self.attempts += 1
        self.delivered.setdefault(str(message["Message-ID"]), message)
        return "250 Message accepted"


@pytest.fixture
def smtp_sink() -> Iterator[tuple[SmtpSink, int]]:
    sink = SmtpSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


class WebhookSink:
    """A platform endpoint: checks the signature, processes each idempotency key once."""

    def __init__(self) -> None:
        self.attempts = 0
        self.processed: dict[str, dict] = {}
        self.fail_next = 0
        self.status_for_bad = 401
        self.lock = threading.Lock()

    def handle(self, headers: dict[str, str], body: bytes) -> int:
        with self.lock:
            self.attempts += 1
            if self.fail_next > 0:
                self.fail_next -= 1
                return 503
            if not verify_signature(
                WEBHOOK_SECRET,
                headers.get(TIMESTAMP_HEADER, ""),
                body,
                headers.get(SIGNATURE_HEADER, ""),
                now=time.time(),
            ):
                return self.status_for_bad
            self.processed.setdefault(headers[KEY_HEADER], json.loads(body))
            return 200


@pytest.fixture
def webhook_sink() -> Iterator[tuple[WebhookSink, str]]:
    sink = WebhookSink()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            code = sink.handle(dict(self.headers.items()), body)
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield sink, f"http://127.0.0.1:{server.server_address[1]}/notify"
    finally:
        server.shutdown()
        server.server_close()
