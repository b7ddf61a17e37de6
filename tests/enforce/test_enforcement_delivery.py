"""Enforcement that acts: signed calls reach a platform receiver exactly once, across kill -9.

The receiver stands in for the platform's enforcement endpoint and does what the
contract (docs/enforcement-webhook.md) asks of it: check the signature, act once per
``Idempotency-Key`` (a repeat is answered 200 without acting again), undo on
``reverse``. It counts every request and every distinct effect separately, so a test
can see both that a redelivery happened and that it had no second effect.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

import mercwatch
from mercwatch.enforce import Enforcer, load_policy
from mercwatch.enforce.adapter import HttpEnforcementAdapter
from mercwatch.enforce.delivery import EnforcementQueue
from mercwatch.model.records import Action, ActionKind, ActionStatus
from mercwatch.notify.adapters import verify_signature
from mercwatch.store.state import StateStore, actions

SECRET = b"enforcement-test-secret-0123456789"
APPLIED = ActionStatus.APPLIED
ACTIONS = [
    Action(ActionKind.DISABLE_ACCOUNT, "acct-1", "op-1", APPLIED, "operation-accounts: 0.95"),
    Action(ActionKind.DISABLE_ACCOUNT, "acct-2", "op-1", APPLIED, "operation-accounts: 0.95"),
    Action(ActionKind.CHECKPOINT_ACCOUNT, "acct-3", "op-1", APPLIED, "hijacked"),
    Action(ActionKind.BLOCK_DOMAIN, "apple-alert.site", "op-1", APPLIED, "lookalike"),
    Action(ActionKind.BLOCK_URL, "https://apple-alert.site/x", "op-1", APPLIED, "lure"),
]


class Platform:
    """The receiving side: verifies, deduplicates by key, keeps what is enforced now."""

    def __init__(self, secret: bytes = SECRET) -> None:
        self.secret = secret
        self.requests: list[str] = []  # every key received, repeats included
        self.effects: dict[str, dict[str, Any]] = {}  # key -> body, first time only
        self.enforced: set[tuple[str, str]] = set()
        self.lock = threading.Lock()
        self.stall_next = False
        self.stalled = threading.Event()
        self.release = threading.Event()

    def handle(self, headers: Any, body: bytes) -> int:
        if not verify_signature(
            self.secret,
            headers.get("X-Mercwatch-Timestamp", ""),
            body,
            headers.get("X-Mercwatch-Signature", ""),
            now=time.time(),
        ):
            return 401
        payload = json.loads(body)
        key = headers["Idempotency-Key"]
        assert key == payload["idempotency_key"]
        with self.lock:
            self.requests.append(key)
            if key not in self.effects:  # act once per key
                self.effects[key] = payload
                target = (payload["action"], payload["subject"])
                if payload["effect"] == "apply":
                    self.enforced.add(target)
                else:
                    self.enforced.discard(target)
            stall, self.stall_next = self.stall_next, False
        if stall:  # acted, but the answer never leaves before the deliverer dies
            self.stalled.set()
            self.release.wait(60)
        return 200


@pytest.fixture
def platform() -> Iterator[tuple[Platform, str]]:
    plat = Platform()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            code = plat.handle(self.headers, body)
            try:
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:
                pass  # the deliverer was killed while we waited

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield plat, f"http://127.0.0.1:{server.server_address[1]}/enforce"
    finally:
        plat.release.set()
        server.shutdown()
        server.server_close()


def _deliverer(state_url: str, endpoint: str) -> list[str]:
    return [
        sys.executable,
        "-c",
        "from mercwatch.cli import main; main()",
        "enforcement",
        "deliver",
        "--endpoint",
        endpoint,
        "--state",
        state_url,
        "--lease-seconds",
        "1",
    ]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MERCWATCH_")}
    env["PYTHONPATH"] = str(Path(mercwatch.__file__).resolve().parents[1])
    env["MERCWATCH_ENFORCEMENT_SECRET"] = SECRET.decode()
    return env


def _deliver_until_done(state_url: str, endpoint: str, store: StateStore) -> None:
    """Run the deliverer until nothing is pending or claimed (a killed claim needs its lease
    to run out first, hence the retries; no assertion depends on timing)."""
    for _ in range(20):
        subprocess.run(_deliverer(state_url, endpoint), env=_env(), check=True, timeout=120)
        counts = EnforcementQueue(store).status()
        if counts["pending"] == counts["sending"] == 0:
            return
        time.sleep(0.5)
    raise AssertionError(f"deliveries never finished: {counts}")


def _action_id(store: StateStore, subject: str) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(actions.c.id).where(actions.c.subject == subject)).scalar_one()


def test_kill_9_during_delivery_then_every_decision_reaches_the_platform_once(
    store: StateStore, state_url: str, platform: tuple[Platform, str]
) -> None:
    plat, endpoint = platform
    enforcer = Enforcer(store, load_policy())
    enforcer.apply(ACTIONS, {})
    plat.stall_next = True
    proc = subprocess.Popen(_deliverer(state_url, endpoint), env=_env(), stdout=subprocess.DEVNULL)
    try:
        assert plat.stalled.wait(120), "the deliverer never called the platform"
        os.kill(proc.pid, signal.SIGKILL)  # after the platform acted, before it heard back
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    plat.release.set()
    assert EnforcementQueue(store).status()["sending"] >= 1  # the killed claim is remembered
    _deliver_until_done(state_url, endpoint, store)

    assert len(plat.effects) == len(ACTIONS)  # every decision, each acted on once
    assert plat.enforced == {(a.action.value, a.subject) for a in ACTIONS}
    assert len(plat.requests) > len(plat.effects)  # the stalled call was sent again...
    assert len(set(plat.requests)) == len(plat.effects)  # ...with the same key
    assert EnforcementQueue(store).status()["sent"] == len(ACTIONS)

    # An appeal: the reversal reaches the platform once and undoes the action.
    enforcer.reverse(_action_id(store, "acct-2"), "reviewer:ana", "appeal upheld")
    _deliver_until_done(state_url, endpoint, store)
    reversals = [b for b in plat.effects.values() if b["effect"] == "reverse"]
    assert [(b["action"], b["subject"]) for b in reversals] == [("disable_account", "acct-2")]
    assert ("disable_account", "acct-2") not in plat.enforced
    assert len(plat.enforced) == len(ACTIONS) - 1

    # A rerun sends nothing new.
    before = len(plat.requests)
    _deliver_until_done(state_url, endpoint, store)
    assert len(plat.requests) == before


def test_reversed_before_any_attempt_is_cancelled_not_sent(
    store: StateStore, platform: tuple[Platform, str]
) -> None:
    plat, endpoint = platform
    enforcer = Enforcer(store, load_policy())
    enforcer.apply(ACTIONS[:2], {})
    queue = EnforcementQueue(store)
    assert queue.sync() == 2
    enforcer.reverse(_action_id(store, "acct-1"), "reviewer:ana", "appeal upheld")
    assert queue.sync() == 0
    report = queue.deliver(HttpEnforcementAdapter(endpoint, SECRET))
    assert report.sent == 1
    assert [b["subject"] for b in plat.effects.values()] == ["acct-2"]
    assert queue.status()["cancelled"] == 1


def test_reverse_waits_for_its_apply(store: StateStore, platform: tuple[Platform, str]) -> None:
    """A reversal queued while its apply is claimed is not sent before the apply is."""
    plat, endpoint = platform
    enforcer = Enforcer(store, load_policy())
    enforcer.apply(ACTIONS[:1], {})
    queue = EnforcementQueue(store)
    queue.sync()
    token, claimed = queue._claim(10)  # a deliverer holds the apply (and then dies)
    assert len(claimed) == 1
    enforcer.reverse(_action_id(store, "acct-1"), "reviewer:ana", "appeal upheld")
    assert queue.sync() == 1  # the apply was attempted, so the platform may have acted
    assert queue._claim(10)[1] == []  # the reverse waits; the apply's lease holds
    queue._mark(token, claimed, {})  # no result: back to pending for a retry
    assert queue.status() == {"pending": 2, "sending": 0, "sent": 0, "failed": 0, "cancelled": 0}


def test_a_wrong_secret_is_refused_and_recorded_as_failed(
    store: StateStore, platform: tuple[Platform, str]
) -> None:
    _, endpoint = platform
    Enforcer(store, load_policy()).apply(ACTIONS[:1], {})
    queue = EnforcementQueue(store)
    queue.sync()
    report = queue.deliver(HttpEnforcementAdapter(endpoint, b"not-the-secret"))
    assert (report.sent, report.failed) == (0, 1)
    assert queue.status()["failed"] == 1
