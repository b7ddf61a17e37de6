"""The audit page says whether the chain holds, where it breaks, and what its head is.

Same calls as ``mercwatch audit verify`` / ``audit head``; a log tampered at entry N
is reported as broken at N, on every view while the log is small.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _dashboard import SECRET, login
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import text, update

from mercwatch.api import ApiSettings, create_app
from mercwatch.auth.keys import Role
from mercwatch.enforce import Enforcer, load_policy, verify_audit
from mercwatch.enforce.audit import audit_head
from mercwatch.model import Action, ActionKind, ActionStatus
from mercwatch.store.state import StateStore, audit_log
from mercwatch.web import WebSettings, audit_status


def client_for(run: Any, state_url: str) -> TestClient:
    web = WebSettings(state_url=state_url, session_secret=SecretStr(SECRET))
    app = create_app(ApiSettings(run_dir=run.out), authenticator=run.auth, web=web)
    client = TestClient(app, base_url="https://testserver")
    assert login(client, run.tokens[Role.VIEWER]).status_code == 303
    return client


def small_store(tmp_path: Path) -> tuple[str, StateStore]:
    url = f"sqlite:///{(tmp_path / 'audit.db').as_posix()}"
    store = StateStore.open(url)
    enforcer = Enforcer(store, load_policy())
    for i in range(4):
        action = Action(ActionKind.DISABLE_ACCOUNT, f"u{i}", "op-1", ActionStatus.APPLIED, "p")
        enforcer.apply([action], {})
    return url, store


def test_page_shows_verified_chain_and_its_head_without_asking(run: Any, tmp_path: Path) -> None:
    url, store = small_store(tmp_path)
    page = client_for(run, url).get("/audit").text
    assert f"Chain verified: {verify_audit(store)} entries" in page
    head = audit_head(store)
    assert f'<code class="mono" id="chain-head">{head.hash}:{head.sequence}</code>' in page


def test_page_names_the_first_tampered_entry(run: Any, tmp_path: Path) -> None:
    url, store = small_store(tmp_path)
    with store.transaction() as conn:
        conn.execute(text("DROP TRIGGER audit_log_no_update"))  # what an intruder would do
        conn.execute(update(audit_log).where(audit_log.c.id == 3).values(reason="benign"))
    page = client_for(run, url).get("/audit").text
    assert "Chain broken at audit entry 3: content does not match its hash" in page
    assert "Chain verified" not in page


def test_a_large_log_is_verified_on_request(
    run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, store = small_store(tmp_path)
    monkeypatch.setattr(audit_status, "AUTO_VERIFY_MAX", 2)
    client = client_for(run, url)
    assert "Not verified on this view (4 entries)" in client.get("/audit").text
    assert "Chain verified: 4 entries" in client.get("/audit?verify=true").text
