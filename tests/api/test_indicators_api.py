"""Indicators over the REST API: import a feed (the CLI's parser and limits), export all formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _api_runs import LURE, TARGET, keyring, operations, publish_run
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from mercwatch.api import ApiSettings, create_app
from mercwatch.auth.keys import Role
from mercwatch.enforce import Enforcer, load_policy
from mercwatch.intel.misp import export_misp, misp_text
from mercwatch.model.records import Action, ActionKind, ActionStatus
from mercwatch.store.state import StateStore, actions
from mercwatch.web import WebSettings

DATA = Path(__file__).parents[1] / "data" / "intel"
TOKENS, AUTH = keyring()


def headers(role: Role, **more: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}", **more}


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    out = publish_run(tmp_path / "out")
    url = f"sqlite:///{out / 'state.db'}"
    enforcer = Enforcer(StateStore.open(url), load_policy())
    enforcer.apply(
        [
            Action(ActionKind.BLOCK_DOMAIN, "apple-alert.site", "op-a", ActionStatus.APPLIED, "r"),
            Action(ActionKind.BLOCK_DOMAIN, "lure-news.info", "op-b", ActionStatus.APPLIED, "r"),
        ],
        {},
    )
    with enforcer.store.engine.connect() as conn:
        lure = conn.execute(select(actions.c.id).where(actions.c.subject == "lure-news.info"))
        enforcer.reverse(lure.scalar_one(), "test", "appeal upheld")
    settings = ApiSettings(run_dir=out, max_content_length=64 * 1024)
    web = WebSettings(state_url=url, session_secret=SecretStr("s" * 40))
    return TestClient(create_app(settings, authenticator=AUTH, web=web))


def test_import_reads_a_stix_bundle_like_the_cli(client: TestClient) -> None:
    body = (DATA / "amnesty_pegasus" / "pegasus.stix2").read_bytes()[: 60 * 1024]
    # A cut bundle is not JSON: 422 with the parser's reason, not a 500.
    cut = client.post(
        "/api/indicators/import",
        content=body,
        headers=headers(Role.ANALYST, **{"Content-Type": "application/json"}),
    )
    assert cut.status_code == 422 and "request body" in cut.json()["detail"]
    bundle = {
        "type": "bundle",
        "id": "bundle--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "objects": [
            {
                "type": "indicator",
                "spec_version": "2.1",
                "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3e",
                "created": "2021-12-16T00:00:00.000Z",
                "modified": "2021-12-16T00:00:00.000Z",
                "pattern": "[domain-name:value = 'apple-alert.site']",
                "pattern_type": "stix",
                "valid_from": "2021-12-16T00:00:00Z",
            }
        ],
    }
    read = client.post("/api/indicators/import", json=bundle, headers=headers(Role.ANALYST))
    assert read.status_code == 200, read.text
    assert read.json()["format"] == "stix2" and read.json()["by_type"] == {"domain": 1}


def test_import_misp_and_meta_csv(client: TestClient) -> None:
    misp = misp_text(export_misp(operations()))
    read = client.post(
        "/api/indicators/import",
        content=misp,
        headers=headers(Role.ANALYST, **{"Content-Type": "application/json"}),
    ).json()
    assert read["format"] == "misp" and read["indicators"] >= 2
    csv = DATA / "meta_threat_research" / "2021_12_taking_action_against_surveillance_for_hire.csv"
    read = client.post(
        "/api/indicators/import",
        content=csv.read_bytes(),
        headers=headers(Role.ANALYST, **{"Content-Type": "text/csv"}),
    ).json()
    assert read["format"] == "meta-csv-2021" and read["indicators"] > 100


def test_import_refuses_bad_big_and_unauthorised_bodies(client: TestClient) -> None:
    post = client.post
    url = "/api/indicators/import"
    text = {"Content-Type": "text/plain"}
    assert (
        post(url, content=b"apple-alert.site\n", headers=headers(Role.VIEWER, **text)).status_code
        == 403
    )
    assert post(url, content=b"apple-alert.site\n", headers=text).status_code == 401
    assert (
        post(url, content=b"\xff\xfe\x00", headers=headers(Role.ANALYST, **text)).status_code == 422
    )
    assert post(url, content=b"  \n", headers=headers(Role.ANALYST, **text)).status_code == 422
    big = b"apple-alert.site\n" * 6000  # 78 kB over the 64 kB limit
    assert post(url, content=big, headers=headers(Role.ANALYST, **text)).status_code == 413
    deep = b"[" * 200 + b"]" * 200
    json_type = {"Content-Type": "application/json"}
    assert post(url, content=deep, headers=headers(Role.ANALYST, **json_type)).status_code in (
        413,
        422,
    )
    forced = post(
        url + "?format=stix2", content=b"apple-alert.site\n", headers=headers(Role.ANALYST, **text)
    )
    assert forced.status_code == 422
    plain = post(
        url, content=b"apple-alert.site\nnot a domain !\n", headers=headers(Role.ANALYST, **text)
    )
    assert plain.status_code == 200 and plain.json()["format"] == "plain"


@pytest.mark.parametrize("fmt", ["stix", "misp", "csv", "meta-csv", "plain"])
def test_exports_never_name_a_target(client: TestClient, fmt: str) -> None:
    response = client.get(f"/api/indicators/export?format={fmt}", headers=headers(Role.VIEWER))
    assert response.status_code == 200, response.text
    assert "apple-alert.site" in response.text or "apple-alert[.]site" in response.text  # 2023 CSV
    assert TARGET not in response.text and LURE not in response.text
    if fmt in ("stix", "misp"):
        json.loads(response.text)


def test_export_blocklists_are_what_is_blocked_now(client: TestClient) -> None:
    rpz = client.get("/api/indicators/export?format=rpz", headers=headers(Role.VIEWER))
    assert rpz.status_code == 200 and rpz.headers["content-type"].startswith("text/dns")
    assert "apple-alert.site CNAME ." in rpz.text and "lure-news.info" not in rpz.text
    hosts = client.get("/api/indicators/export?format=hosts", headers=headers(Role.VIEWER)).text
    assert hosts == "0.0.0.0 apple-alert.site\n"
    defanged = client.get(
        "/api/indicators/export?format=plain&defanged=true", headers=headers(Role.VIEWER)
    ).text
    assert "apple-alert[.]site" in defanged
    assert (
        client.get("/api/indicators/export?format=docx", headers=headers(Role.VIEWER)).status_code
        == 422
    )
    assert client.get("/api/indicators/export?format=rpz").status_code == 401
