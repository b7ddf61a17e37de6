"""``/api/operations``: filters (status, confidence, phase, country, sector), sorts, pages."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from _api_runs import keyring
from fastapi.testclient import TestClient
from pydantic import SecretStr

from mercwatch.api import ApiSettings, create_app
from mercwatch.auth.keys import Role
from mercwatch.enforce import Enforcer, load_policy
from mercwatch.model import Infrastructure, Operation, Phase
from mercwatch.model.records import Action, ActionKind, ActionStatus
from mercwatch.store.state import StateStore
from mercwatch.web import WebSettings

TOKENS, AUTH = keyring()
H = {"Authorization": f"Bearer {TOKENS[Role.VIEWER]}"}


def op(n: int) -> Operation:
    return Operation(
        f"op-{n:02d}",
        round(0.3 + n / 40, 3),
        (Phase.RECONNAISSANCE, Phase.ENGAGEMENT) if n % 2 else (Phase.RECONNAISSANCE,),
        tuple(f"a{n}-{i}" for i in range(n % 5 + 1)),
        tuple(f"t{n}-{i}" for i in range(n % 3 + 1)),
        Infrastructure(),
        datetime(2021, 1, 1) + timedelta(days=n),
        datetime(2021, 6, 1) - timedelta(days=n),
        target_countries=(("EG", 1),) if n % 3 == 0 else (("MX", 1),),
        target_sectors=(("journalist", 1),) if n < 5 else (),
    )


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    ops = [op(n) for n in range(20)]
    (tmp_path / "operations.json").write_text(
        json.dumps({"operations": [o.to_dict() for o in ops]}), encoding="utf-8"
    )
    url = f"sqlite:///{tmp_path / 'state.db'}"
    Enforcer(StateStore.open(url), load_policy()).apply(
        [Action(ActionKind.DISABLE_ACCOUNT, "a3-0", "op-03", ActionStatus.APPLIED, "r")], {}
    )
    web = WebSettings(state_url=url, session_secret=SecretStr("s" * 40))
    return TestClient(create_app(ApiSettings(run_dir=tmp_path), authenticator=AUTH, web=web))


def ids(client: TestClient, query: str) -> list[str]:
    body = client.get(f"/api/operations?{query}", headers=H).json()
    return [o["operation_id"] for o in body["items"]]


def test_filters(client: TestClient) -> None:
    assert ids(client, "status=applied") == ["op-03"]
    assert ids(client, "status=pending_review") == []
    assert ids(client, "country=EG&phase=engagement") == ["op-15", "op-09", "op-03"]
    assert ids(client, "sector=journalist&min_confidence=0.35") == ["op-04", "op-03", "op-02"]
    assert client.get("/api/operations?country=egypt", headers=H).status_code == 422


def test_sorts_and_pages(client: TestClient) -> None:
    assert ids(client, "limit=2") == ["op-19", "op-18"]
    assert ids(client, "sort=first_seen&limit=2") == ["op-19", "op-18"]
    assert ids(client, "sort=last_seen&limit=2") == ["op-00", "op-01"]
    assert ids(client, "sort=accounts&limit=2") == ["op-04", "op-09"]
    assert ids(client, "sort=operation_id&offset=18") == ["op-18", "op-19"]
    whole = ids(client, "sort=targets&limit=1000")
    paged = [
        i for start in range(0, 20, 7) for i in ids(client, f"sort=targets&offset={start}&limit=7")
    ]
    assert paged == whole and len(whole) == 20
