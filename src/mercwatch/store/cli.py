"""Verbs for the database owner: ``state migrate``, ``state grant``, ``state check``.

In production mercwatch connects as a runtime role that cannot alter tables or rewrite
the audit log, so migrating is a separate, deliberate step run with the owner's URL
(docs/security/audit.md). ``state check`` run with the runtime URL proves the set-up.
"""

from __future__ import annotations

from typing import Annotated

import typer

from mercwatch.cli_json import JsonOpt, echo_json
from mercwatch.store.cli_options import StateOpt
from mercwatch.store.migrations import upgrade
from mercwatch.store.roles import audit_exposure, grant_runtime_role
from mercwatch.store.state_url import create_state_engine, resolve_state_url

OwnerUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--owner-url",
        help="URL of the role that owns the tables (env MERCWATCH_STATE_URL if not given).",
    ),
]
AppRoleOpt = Annotated[
    str | None,
    typer.Option("--app-role", help="The runtime role to grant insert-only audit access."),
]

state_app = typer.Typer(
    help="The state store's schema and database roles (run by its owner).", no_args_is_help=True
)


@state_app.command("migrate")
def state_migrate(
    owner_url: OwnerUrlOpt = None, app_role: AppRoleOpt = None, as_json: JsonOpt = False
) -> None:
    """Bring the store to this mercwatch's schema, then re-grant APP_ROLE (PostgreSQL)."""
    engine = create_state_engine(resolve_state_url(owner_url))
    try:
        revision = upgrade(engine)
        grants = grant_runtime_role(engine, app_role) if app_role else []
    finally:
        engine.dispose()
    if as_json:
        echo_json({"revision": revision, "grants": grants})
        return
    typer.echo(f"state store at schema {revision}")
    for statement in grants:
        typer.echo(statement)


@state_app.command("grant")
def state_grant(
    app_role: Annotated[str, typer.Option("--app-role", help="The runtime role.")],
    owner_url: OwnerUrlOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Give APP_ROLE exactly the runtime privileges: insert and read only on audit tables."""
    engine = create_state_engine(resolve_state_url(owner_url))
    try:
        grants = grant_runtime_role(engine, app_role)
    finally:
        engine.dispose()
    if as_json:
        echo_json({"grants": grants})
        return
    for statement in grants:
        typer.echo(statement)


@state_app.command("check")
def state_check(
    state: StateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Exit 1 if the connected role could rewrite the audit log, naming how."""
    engine = create_state_engine(resolve_state_url(state))
    try:
        problems = audit_exposure(engine)
    finally:
        engine.dispose()
    if as_json:
        echo_json({"exposed": problems})
        if problems:
            raise typer.Exit(code=1)
        return
    for problem in problems:
        typer.secho(f"exposed: {problem}", err=True, fg=typer.colors.RED)
    if problems:
        raise typer.Exit(code=1)
    typer.echo("audit tables: this role can only insert and read them")


def register(app: typer.Typer) -> None:
    """Attach ``state`` to the main app."""
    app.add_typer(state_app, name="state")
