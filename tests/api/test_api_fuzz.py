"""Fuzz the REST API from its own OpenAPI document (schemathesis): never a server error.

Every generated request carries an admin key, so the fuzzer reaches the handlers rather
than stopping at 401; the run folder holds real-shaped operations.
"""

from __future__ import annotations

from typing import Any

import pytest
from _api_runs import publish_run
from hypothesis import HealthCheck, given, settings
from pydantic import SecretStr

from mercwatch.api import ApiSettings, Authenticator, Role, create_app, new_api_key
from mercwatch.auth.keyfile import add_key
from mercwatch.web import WebSettings

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.checks import not_a_server_error  # noqa: E402

TOKEN, KEY = new_api_key("fuzzer", Role.ADMIN)


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Any:
    # A published run (operations, accounts/signals tables, notifications), a state store
    # and a keys file: every route runs its handler (a 503 would count as a server error).
    run_dir = publish_run(tmp_path_factory.mktemp("run"), extra=30)
    keys_file = run_dir / "keys.json"
    add_key(keys_file, "managed-admin", Role.ADMIN)
    web = WebSettings(
        state_url=f"sqlite:///{run_dir / 'state.db'}", session_secret=SecretStr("s" * 40)
    )
    settings = ApiSettings(run_dir=run_dir, keys_file=keys_file)
    app = create_app(settings, authenticator=Authenticator([KEY]), web=web)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_no_server_errors(api_schema: Any) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/api/operations", "/api/operations/{operation_id}"}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=True,
        )
        def fuzz(case: Any) -> None:
            case.call_and_validate(headers={"X-API-Key": TOKEN}, checks=[not_a_server_error])

        fuzz()
