"""schemathesis per role: no 5xx, responses match the spec, wrong roles and no key refused.

Each role's key drives generated requests (bodies included) against every /api route;
the answer must be a documented status with a body matching its schema. Without a key
every route but ``/api/health`` answers 401; with a role below the route's, 403.

The run folder is a published run with accounts/signals tables, notifications and a
state store, and a keys file exists, so every handler runs rather than answering 503.
Deterministic and bounded: derandomized, no example database, a few examples per route.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _api_runs import notes, publish_run
from hypothesis import HealthCheck, given, settings
from pydantic import SecretStr

from mercwatch.api import ApiSettings, Authenticator, create_app, new_api_key
from mercwatch.auth.keyfile import add_key
from mercwatch.auth.keys import Role
from mercwatch.notify.outbox import Outbox
from mercwatch.store.state import StateStore
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
    ("GET", "/api/notifications"): Role.ANALYST,
    ("POST", "/api/indicators/import"): Role.ANALYST,
    ("GET", "/api/outbox"): Role.REVIEWER,
    ("GET", "/api/keys"): Role.ADMIN,
    ("POST", "/api/keys"): Role.ADMIN,
    ("DELETE", "/api/keys/{key_id}"): Role.ADMIN,
}
OPEN = {("GET", "/api/health")}


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Any:
    run_dir: Path = publish_run(tmp_path_factory.mktemp("run"), extra=30)
    state_url = f"sqlite:///{run_dir / 'state.db'}"
    Outbox(StateStore.open(state_url)).enqueue(notes())
    keys_file = run_dir / "keys.json"
    add_key(keys_file, "managed-admin", Role.ADMIN)  # what DELETE /api/keys may find
    web = WebSettings(state_url=state_url, session_secret=SecretStr("s" * 40))
    auth = Authenticator(key for _, key in KEYS.values())
    settings = ApiSettings(run_dir=run_dir, keys_file=keys_file)
    app = create_app(settings, authenticator=auth, web=web)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def _api_operations(api_schema: Any) -> list[Any]:
    ops = [r.ok() for r in api_schema.get_all_operations()]
    return [o for o in ops if o.path.startswith("/api/")]


def test_every_route_is_fuzzed_and_documents_its_refusals(api_schema: Any) -> None:
    routes = {(o.method.upper(), o.path): o for o in _api_operations(api_schema)}
    assert set(NEEDS) <= set(routes)
    assert {("GET", "/api/accounts"), ("GET", "/api/signals"), ("GET", "/api/runs")} <= set(routes)
    for route, operation in routes.items():
        if route in OPEN:
            continue
        documented = set(operation.definition.raw["responses"])
        assert {"401", "403", "404", "409", "413", "422"} <= documented, route
        if route[0] in ("POST", "PUT", "PATCH") and route != (
            "POST",
            "/api/review/{action_id}/approve",
        ):
            assert operation.definition.raw["requestBody"]["required"] is True, route


_SETTINGS = settings(
    deadline=None, suppress_health_check=list(HealthCheck), database=None, derandomize=True
)
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
