"""The API app: health, operations with the target rule, OpenAPI, TAXII mounted."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mercwatch.api import ApiSettings, Authenticator, Role, create_app, new_api_key
from mercwatch.model import Evidence, Infrastructure, Operation, Phase

TARGET = "tgt-8842-journalist"


def operation(op_id: str, confidence: float, phases: tuple[Phase, ...]) -> Operation:
    return Operation(
        operation_id=op_id,
        confidence=confidence,
        phases=phases,
        accounts=("acct-1", "acct-2"),
        targets=(TARGET, "tgt-77"),
        infrastructure=Infrastructure(domains=("evil.example",)),
        first_seen=datetime(2021, 11, 1),
        last_seen=datetime(2021, 11, 9),
        evidence=(
            Evidence(
                "recon.at_risk_search",
                Phase.RECONNAISSANCE,
                TARGET,
                0.9,
                f"acct-1 searched {TARGET} and tgt-77 twice",
            ),
            Evidence(
                "engagement.fake_persona",
                Phase.ENGAGEMENT,
                "acct-2",
                0.8,
                "claims to be a Reuters reporter",
            ),
        ),
        target_countries=(("EG", 2),),
    )


@pytest.fixture()
def run_dir(tmp_path: Path) -> Path:
    ops = [
        operation("op-b", 0.6, (Phase.RECONNAISSANCE,)),
        operation("op-a", 0.95, (Phase.RECONNAISSANCE, Phase.ENGAGEMENT)),
    ]
    (tmp_path / "operations.json").write_text(
        json.dumps({"operations": [o.to_dict() for o in ops]}), encoding="utf-8"
    )
    return tmp_path


@pytest.fixture(scope="module")
def keyring() -> tuple[dict[str, str], Authenticator]:
    made = {role.value: new_api_key(role.value, role) for role in Role}
    return (
        {r: t for r, (t, _) in made.items()},
        Authenticator(record for _, record in made.values()),
    )


@pytest.fixture()
def client(run_dir: Path, keyring: tuple[dict[str, str], Authenticator]) -> TestClient:
    settings = ApiSettings(run_dir=run_dir, taxii_store=run_dir / "taxii")
    return TestClient(create_app(settings, authenticator=keyring[1]))


def as_role(keyring: tuple[dict[str, str], Authenticator], role: str) -> dict[str, str]:
    return {"X-API-Key": keyring[0][role]}


def test_health_needs_no_key_and_reveals_nothing(client: TestClient) -> None:
    body = client.get("/api/health").json()
    assert body["status"] == "ok" and body["operations"] is True and body["taxii"] is True
    assert TARGET not in json.dumps(body)


def test_operations_need_a_key(client: TestClient) -> None:
    assert client.get("/api/operations").status_code == 401
    assert client.get("/api/operations/op-a").status_code == 401


def test_readers_get_counts_not_targets(client: TestClient, keyring: Any) -> None:
    response = client.get("/api/operations", headers=as_role(keyring, "viewer"))
    body = response.json()
    assert body["total"] == 2
    assert [o["operation_id"] for o in body["items"]] == ["op-a", "op-b"]
    first = body["items"][0]
    assert first["targets"] is None and first["target_count"] == 2
    assert first["target_countries"] == {"EG": 2}
    assert TARGET not in response.text and "tgt-77" not in response.text
    assert first["evidence"][0]["subject"] == "[target]"
    assert first["evidence"][0]["detail"] == "acct-1 searched [target] and [target] twice"


def test_admins_see_targets(client: TestClient, keyring: Any) -> None:
    body = client.get("/api/operations/op-a", headers=as_role(keyring, "admin")).json()
    assert body["targets"] == [TARGET, "tgt-77"]
    assert body["evidence"][0]["subject"] == TARGET


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["op-a", "op-b"]),
        ("?min_confidence=0.9", ["op-a"]),
        ("?phase=engagement", ["op-a"]),
        ("?limit=1&offset=1", ["op-b"]),
    ],
)
def test_filters_and_paging(
    client: TestClient, keyring: Any, query: str, expected: list[str]
) -> None:
    body = client.get(f"/api/operations{query}", headers=as_role(keyring, "viewer")).json()
    assert [o["operation_id"] for o in body["items"]] == expected


def test_errors(client: TestClient, keyring: Any, run_dir: Path) -> None:
    headers = as_role(keyring, "viewer")
    assert client.get("/api/operations/op-zzz", headers=headers).status_code == 404
    assert client.get("/api/operations?limit=0", headers=headers).status_code == 422
    assert client.get("/api/operations?phase=lunch", headers=headers).status_code == 422
    (run_dir / "operations.json").write_text("{broken", encoding="utf-8")
    assert client.get("/api/operations", headers=headers).status_code == 500
    (run_dir / "operations.json").unlink()
    assert client.get("/api/operations", headers=headers).status_code == 503


def test_a_new_run_is_picked_up_without_restart(
    client: TestClient, keyring: Any, run_dir: Path
) -> None:
    headers = as_role(keyring, "viewer")
    assert client.get("/api/operations", headers=headers).json()["total"] == 2
    newer = {"operations": [operation("op-new", 0.7, (Phase.EXPLOITATION,)).to_dict()]}
    (run_dir / "operations.json").write_text(json.dumps(newer) + "\n", encoding="utf-8")
    items = client.get("/api/operations", headers=headers).json()["items"]
    assert [o["operation_id"] for o in items] == ["op-new"]


def test_openapi_documents_routes_and_auth(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/api/health", "/api/operations", "/api/operations/{operation_id}"} <= set(
        spec["paths"]
    )
    assert {"HTTPBasic", "HTTPBearer", "APIKeyHeader"} <= set(spec["components"]["securitySchemes"])
    assert client.get("/docs").status_code == 200


def test_taxii_is_mounted_and_root_serves_the_dashboard(client: TestClient, keyring: Any) -> None:
    response = client.get(
        "/taxii2/",
        headers={**as_role(keyring, "viewer"), "Accept": "application/taxii+json;version=2.1"},
    )
    assert response.status_code == 200
    assert response.json()["api_roots"] == ["http://testserver/taxii2/mercwatch/"]
    # The dashboard owns "/": a visitor without a session is sent to sign in.
    root = client.get("/", follow_redirects=False)
    assert root.status_code in (302, 303, 307)
    assert root.headers["location"].split("?")[0].endswith("/login")


def test_without_run_dir_or_taxii(keyring: Any) -> None:
    client = TestClient(create_app(ApiSettings(), authenticator=keyring[1]))
    assert client.get("/api/health").json()["taxii"] is False
    assert client.get("/api/operations", headers=as_role(keyring, "viewer")).status_code == 503
    assert client.get("/taxii2/").status_code == 404
