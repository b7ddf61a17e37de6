"""schemathesis per role: no 5xx, responses match the spec, wrong roles and no key refused.

Each role's key drives generated requests (bodies included) against every /api route;
the answer must be a documented status with a body matching its schema. Without a key
every route but ``/api/health`` answers 401; with a role below the route's, 403.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from mercwatch.api import ApiSettings, Authenticator, create_app, new_api_key
from mercwatch.auth.keys import Role
from mercwatch.model import Evidence, Infrastructure, Operation, Phase
from mercwatch.web import WebSettings

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.checks import (  # noqa: E402
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

KEYS = {role: new_api_key(f"fuzz-{role.value}", role) for role in Role}
#: The lowest role each route admits (the rest of the API: viewer).
NEEDS = {
    ("POST", "/api/review"): Role.ANALYST,
    ("GET", "/api/audit"): Role.ANALYST,
    ("POST", "/api/review/{action_id}/approve"): Role.REVIEWER,
    ("POST", "/api/review/{action_id}/reject"): Role.REVIEWER,
    ("POST", "/api/actions/{action_id}/reverse"): Role.REVIEWER,
}
OPEN = {("GET", "/api/health")}


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Any:
    run_dir: Path = tmp_path_factory.mktemp("run")
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
    web = WebSettings(state_url=f"sqlite:///{run_dir / 'state.db'}", session_secret="s" * 40)
    auth = Authenticator(key for _, key in KEYS.values())
    app = create_app(ApiSettings(run_dir=run_dir), authenticator=auth, web=web)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def _api_operations(api_schema: Any) -> list[Any]:
    ops = [r.ok() for r in api_schema.get_all_operations()]
    return [o for o in ops if o.path.startswith("/api/")]


_SETTINGS = settings(deadline=None, suppress_health_check=list(HealthCheck), database=None)
_CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


def _with_key(operation: Any, token: str, refuse: bool) -> Any:
    """A hypothesis test of one route with one key (a factory, so nothing binds late)."""

    @given(case=operation.as_strategy())
    @settings(_SETTINGS, max_examples=15)
    def fuzz(case: Any) -> None:
        headers = {"Authorization": f"Bearer {token}"}  # replaces a generated one
        response = case.call_and_validate(headers=headers, checks=_CHECKS)
        if refuse:
            assert response.status_code == 403, (operation.path, response.status_code)

    return fuzz


def _without_key(operation: Any) -> Any:
    @given(case=operation.as_strategy())
    @settings(_SETTINGS, max_examples=5)
    def fuzz(case: Any) -> None:
        response = case.call(headers={})
        assert response.status_code == 401, (operation.path, response.status_code)

    return fuzz


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_each_role_gets_documented_answers_and_no_server_error(api_schema: Any, role: Role) -> None:
    for operation in _api_operations(api_schema):
        route = (operation.method.upper(), operation.path)
        refuse = route not in OPEN and not role.allows(NEEDS.get(route, Role.VIEWER))
        _with_key(operation, KEYS[role][0], refuse)()


def test_without_a_key_every_route_but_health_is_401(api_schema: Any) -> None:
    for operation in _api_operations(api_schema):
        if (operation.method.upper(), operation.path) not in OPEN:
            _without_key(operation)()
