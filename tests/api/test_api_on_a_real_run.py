"""The API over what ``mercwatch run`` really writes: a simulated platform, run, served.

Every operation member is an account row naming that operation; every target is hidden
from a viewer and shown to an analyst; the run's signal count is the table's.
"""

from __future__ import annotations

import json
from pathlib import Path

from _api_runs import keyring
from _runs import simulated_export
from fastapi.testclient import TestClient
from pydantic import SecretStr

from mercwatch.api import ApiSettings, create_app
from mercwatch.auth.keys import Role
from mercwatch.pipeline import RunConfig, run_pipeline
from mercwatch.web import WebSettings

TOKENS, AUTH = keyring()


def test_accounts_and_signals_follow_the_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_pipeline(RunConfig(export=simulated_export(tmp_path / "export"), out=out))
    ops = json.loads((out / "operations.json").read_text())["operations"]
    summary = json.loads((out / "summary.json").read_text())
    assert ops, "the simulated platform has operations"
    web = WebSettings(state_url=f"sqlite:///{out / 'state.db'}", session_secret=SecretStr("s" * 40))
    client = TestClient(create_app(ApiSettings(run_dir=out), authenticator=AUTH, web=web))
    analyst = {"X-API-Key": TOKENS[Role.ANALYST]}
    viewer = {"X-API-Key": TOKENS[Role.VIEWER]}

    signals = client.get("/api/signals?limit=1", headers=analyst).json()
    assert signals["total"] == summary["signals"]
    op = ops[0]
    members = client.get(
        f"/api/accounts?operation_id={op['operation_id']}&limit=1000", headers=analyst
    )
    assert {a["account_id"] for a in members.json()["items"]} == set(op["accounts"])
    targets = {t for o in ops for t in o["targets"]}
    seen = client.get("/api/accounts?limit=1000", headers=viewer)
    assert targets.isdisjoint(a["account_id"] for a in seen.json()["items"])
    every = client.get("/api/accounts?limit=1000", headers=analyst).json()
    assert targets <= {a["account_id"] for a in every["items"]}
    runs = client.get("/api/runs", headers=viewer).json()
    assert runs[0]["current"] and runs[0]["summary"]["signals"] == summary["signals"]
