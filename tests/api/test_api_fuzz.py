"""Fuzz the REST API from its own OpenAPI document (schemathesis): never a server error.

Every generated request carries an admin key, so the fuzzer reaches the handlers rather
than stopping at 401; the run folder holds real-shaped operations.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from mercwatch.api import ApiSettings, Authenticator, Role, create_app, new_api_key
from mercwatch.model import Evidence, Infrastructure, Operation, Phase
from mercwatch.web import WebSettings

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.checks import not_a_server_error  # noqa: E402

TOKEN, KEY = new_api_key("fuzzer", Role.ADMIN)


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Any:
    run_dir = tmp_path_factory.mktemp("run")
    op = Operation(
        "op-1",
        0.9,
        (Phase.RECONNAISSANCE,),
        ("a1",),
        ("t1",),
        Infrastructure(domains=("evil.example",)),
        datetime(2021, 11, 1),
        datetime(2021, 11, 2),
        evidence=(Evidence("recon.x", Phase.RECONNAISSANCE, "t1", 0.5, "saw t1"),),
    )
    (run_dir / "operations.json").write_text(json.dumps({"operations": [op.to_dict()]}))
    # A real state store, so the review, reversal and audit routes run their handlers.
    web = WebSettings(state_url=f"sqlite:///{run_dir / 'state.db'}", session_secret="s" * 40)
    app = create_app(ApiSettings(run_dir=run_dir), authenticator=Authenticator([KEY]), web=web)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_no_server_errors(api_schema: Any) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/api/operations", "/api/operations/{operation_id}"}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def fuzz(case: Any) -> None:
            case.call_and_validate(headers={"X-API-Key": TOKEN}, checks=[not_a_server_error])

        fuzz()
