"""Runs, accounts, signals, notifications and outbox over the REST API: roles and privacy.

The run folder is published by the pipeline's own publisher and table writer
(tests/_api_runs.py), so these tests read what ``mercwatch run`` writes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _api_runs import LURE, OPERATOR, TARGET, keyring, publish_run
from fastapi.testclient import TestClient
from pydantic import SecretStr

from mercwatch.api import ApiSettings, create_app
from mercwatch.auth.keys import Role
from mercwatch.notify.outbox import Outbox
from mercwatch.store.state import StateStore
from mercwatch.web import WebSettings

TOKENS, AUTH = keyring()


def headers(role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return publish_run(tmp_path / "out", extra=250)


@pytest.fixture
def client(out: Path) -> TestClient:
    web = WebSettings(state_url=f"sqlite:///{out / 'state.db'}", session_secret=SecretStr("s" * 40))
    return TestClient(create_app(ApiSettings(run_dir=out), authenticator=AUTH, web=web))


def test_runs_list_every_kept_version_newest_first(out: Path, client: TestClient) -> None:
    publish_run(out)
    runs = client.get("/api/runs", headers=headers(Role.VIEWER)).json()
    assert [(r["run_id"], r["current"]) for r in runs] == [("000002", True), ("000001", False)]
    assert {"accounts.parquet", "signals.parquet", "summary.json"} <= {
        f["name"] for f in runs[0]["files"]
    }
    assert runs[0]["summary"] == {"operations": 2, "complete": True}
    one = client.get("/api/runs/1", headers=headers(Role.VIEWER)).json()
    assert one["run_id"] == "000001" and one["current"] is False
    assert client.get("/api/runs/42", headers=headers(Role.VIEWER)).status_code == 404
    assert client.get("/api/runs").status_code == 401


def test_viewers_never_get_a_target_account_analysts_do(client: TestClient) -> None:
    viewer = client.get("/api/accounts?limit=1000", headers=headers(Role.VIEWER))
    analyst = client.get("/api/accounts?limit=1000", headers=headers(Role.ANALYST)).json()
    ids = {a["account_id"] for a in analyst["items"]}
    assert {TARGET, "tgt-77", "tgt-9"} <= ids
    assert TARGET not in viewer.text and "tgt-77" not in viewer.text and "tgt-9" not in viewer.text
    # Totals do not count hidden rows either: the three targets are the difference.
    assert analyst["total"] - viewer.json()["total"] == 3
    assert client.get(f"/api/accounts/{TARGET}", headers=headers(Role.VIEWER)).status_code == 404
    detail = client.get(f"/api/accounts/{TARGET}", headers=headers(Role.ANALYST)).json()
    assert detail["targeted"] is True and detail["operation_ids"] == []


def test_evidence_urls_are_shareable_below_analyst(client: TestClient) -> None:
    seen = client.get(f"/api/accounts/{OPERATOR}", headers=headers(Role.VIEWER))
    body = seen.json()
    assert body["operation_id"] == "op-a" and body["signals"] == 2
    assert [e["detector"] for e in body["evidence"]] == [
        "recon.at_risk_search",
        "exploitation.link_delivery",
    ]
    assert TARGET not in seen.text and "ref=9" not in seen.text
    assert "https://apple-alert.site/" in body["evidence"][1]["detail"]
    raw = client.get(f"/api/accounts/{OPERATOR}", headers=headers(Role.ANALYST)).json()
    assert raw["evidence"][1]["detail"] == f"sent {LURE}"
    signals = client.get("/api/signals?subject_type=url", headers=headers(Role.VIEWER))
    assert signals.json()["total"] == 1 and TARGET not in signals.text


def test_account_filters_and_sorts(client: TestClient) -> None:
    h = headers(Role.ANALYST)

    def ids(query: str) -> list[str]:
        return [
            a["account_id"] for a in client.get(f"/api/accounts?{query}", headers=h).json()["items"]
        ]

    assert ids("operation_id=op-a") == [OPERATOR, "acct-2"]
    assert ids("phase=engagement&limit=2") == ["acct-3", "bulk-0000"]
    assert ids("detector=exploitation.link_delivery") == [OPERATOR]
    assert ids("min_score=0.6") == [OPERATOR, "acct-3"]
    assert ids("sort=account_id&limit=3") == ["acct-1", "acct-2", "acct-3"]
    assert ids("sort=signals&limit=1") == [OPERATOR]
    assert client.get("/api/accounts?min_score=2", headers=h).status_code == 422


def test_keyset_pages_walk_the_same_rows_as_offset_pages(client: TestClient) -> None:
    h = headers(Role.VIEWER)
    by_offset, offset = [], 0
    while True:
        page = client.get(f"/api/accounts?limit=40&offset={offset}", headers=h).json()
        by_offset += [a["account_id"] for a in page["items"]]
        offset += 40
        if offset >= page["total"]:
            break
    by_cursor, after = [], None
    while True:
        query = "limit=40" + (f"&after={after}" if after is not None else "")
        page = client.get(f"/api/accounts?{query}", headers=h).json()
        by_cursor += [a["account_id"] for a in page["items"]]
        after = page["next_after"]
        if after is None:
            break
    assert by_cursor == by_offset and len(by_offset) == page["total"] == 253
    wrong = client.get("/api/accounts?sort=account_id&after=3", headers=h)
    assert wrong.status_code == 422


def test_signals_filters(client: TestClient) -> None:
    h = headers(Role.ANALYST)
    body = client.get(f"/api/signals?account_id={OPERATOR}&min_score=0.85", headers=h).json()
    assert [(s["detector"], s["score"]) for s in body["items"]] == [("recon.at_risk_search", 0.9)]
    assert client.get("/api/signals?phase=exploitation", headers=h).json()["total"] == 2
    assert client.get("/api/signals?detector=recon.co_watching", headers=h).json()["total"] == 1


def test_notifications_name_people_so_analysts_only(client: TestClient) -> None:
    assert client.get("/api/notifications", headers=headers(Role.VIEWER)).status_code == 403
    body = client.get("/api/notifications", headers=headers(Role.ANALYST)).json()
    assert [n["account_id"] for n in body["items"]] == [TARGET, "tgt-9"]
    only = client.get("/api/notifications?level=engagement", headers=headers(Role.ANALYST))
    assert only.json()["total"] == 1


def test_outbox_counts_and_messages_for_reviewers(out: Path, client: TestClient) -> None:
    from _api_runs import notes

    Outbox(StateStore.open(f"sqlite:///{out / 'state.db'}")).enqueue(notes())
    assert client.get("/api/outbox", headers=headers(Role.ANALYST)).status_code == 403
    body = client.get("/api/outbox", headers=headers(Role.REVIEWER)).json()
    assert body["counts"]["pending"] == 2 and body["counts"]["people"] == 2
    assert {m["account_id"] for m in body["items"]} == {TARGET, "tgt-9"}
    assert "recipient" not in body["items"][0]
    sent = client.get("/api/outbox?status=sent", headers=headers(Role.REVIEWER)).json()
    assert sent["total"] == 0 and sent["items"] == []


def test_without_tables_the_routes_say_503(tmp_path: Path) -> None:
    app = create_app(
        ApiSettings(run_dir=tmp_path),
        authenticator=AUTH,
        web=WebSettings(state_url=None, session_secret=SecretStr("s" * 40)),
    )
    client = TestClient(app)
    for path in ("/api/accounts", "/api/signals", "/api/accounts/x"):
        assert client.get(path, headers=headers(Role.ANALYST)).status_code == 503, path
    assert client.get("/api/runs", headers=headers(Role.VIEWER)).json() == []
