"""Verbs for analysts: ``review`` (list, approve, reject), ``appeal``, ``audit`` (verify, head,
show).

Thin: each builds a store and an :class:`Enforcer` and calls one library function.
Who did what is required on every change, because it goes into the audit log.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from mercwatch.cli_json import JsonOpt, echo_json, echo_json_lines
from mercwatch.enforce.audit import Anchor, audit_head, read_audit, verify_audit
from mercwatch.enforce.enforcer import Enforcer, StoredAction
from mercwatch.enforce.policy import load_policy
from mercwatch.errors import AuditChainBroken
from mercwatch.store.cli_options import StateOpt
from mercwatch.store.state import StateStore
from mercwatch.store.state_url import resolve_state_url

WhoOpt = Annotated[str, typer.Option("--who", help="Your name, written to the audit log.")]

review_app = typer.Typer(
    help="The human review queue for actions below auto-apply confidence.", no_args_is_help=True
)
audit_app = typer.Typer(help="The append-only, hash-chained audit log.", no_args_is_help=True)


def _enforcer(state: str | None, policy: Path | None = None) -> Enforcer:
    return Enforcer(StateStore.open(resolve_state_url(state)), load_policy(policy))


def _print_actions(items: list[StoredAction], as_json: bool) -> None:
    if as_json:
        echo_json_lines(item.to_dict() for item in items)
        return
    table = Table("id", "action", "subject", "operation", "status", "reason")
    for item in items:
        a = item.action
        table.add_row(
            str(item.id), a.action.value, a.subject, a.operation_id, a.status.value, a.reason
        )
    Console().print(table)


@review_app.command("list")
def review_list(state: StateOpt = None, as_json: JsonOpt = False) -> None:
    """List actions waiting for a human decision."""
    _print_actions(_enforcer(state).pending_reviews(), as_json)


@review_app.command("approve")
def review_approve(
    action_id: int, who: WhoOpt, note: str = "", state: StateOpt = None, as_json: JsonOpt = False
) -> None:
    """Approve queued action ACTION_ID: it becomes applied."""
    done = _enforcer(state).approve(action_id, who, note)
    if as_json:
        echo_json(done.to_dict())
        return
    typer.echo(f"action {done.id} {done.action.action.value} {done.action.subject}: applied")


@review_app.command("reject")
def review_reject(
    action_id: int, who: WhoOpt, note: str = "", state: StateOpt = None, as_json: JsonOpt = False
) -> None:
    """Reject queued action ACTION_ID: nothing is done to its subject."""
    done = _enforcer(state).reject(action_id, who, note)
    if as_json:
        echo_json(done.to_dict())
        return
    typer.echo(f"action {done.id} {done.action.action.value} {done.action.subject}: rejected")


def appeal(
    action_id: int,
    who: WhoOpt,
    reason: Annotated[str, typer.Option("--reason", help="Why the action is reversed.")],
    state: StateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Reverse applied action ACTION_ID after an appeal (restores the subject)."""
    done = _enforcer(state).reverse(action_id, who, reason)
    if as_json:
        echo_json(done.to_dict())
        return
    typer.echo(f"action {done.id} {done.action.action.value} {done.action.subject}: reversed")


@audit_app.command("verify")
def audit_verify(
    state: StateOpt = None,
    expect_head: Annotated[
        str | None,
        typer.Option(
            "--expect-head",
            help="HASH[:SEQ] printed earlier by `audit head`: the log must still contain it.",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Check the chain, every decision row and the anchor: exit 0 ok, 1 tampered, 2 usage."""
    anchor = Anchor.parse(expect_head) if expect_head else None
    store = StateStore.open(resolve_state_url(state))
    try:
        count = verify_audit(store, anchor)
    except AuditChainBroken as exc:
        if as_json:
            echo_json({"verified": False, "error": str(exc)})
        typer.secho(f"mercwatch: audit log tampered: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(code=1) from exc
    head = audit_head(store)
    if as_json:
        echo_json({"verified": True, "entries": count, "head": head.to_dict()})
        return
    typer.echo(f"audit log verified: {count} entries, head {head}")


@audit_app.command("head")
def audit_head_command(state: StateOpt = None, as_json: JsonOpt = False) -> None:
    """Print HASH:SEQ of the newest entry: keep it outside the database, check it later."""
    head = audit_head(StateStore.open(resolve_state_url(state)))
    if as_json:
        echo_json(head.to_dict())
        return
    typer.echo(str(head))


@audit_app.command("show")
def audit_show(
    state: StateOpt = None,
    operation: Annotated[str | None, typer.Option(help="Only this operation.")] = None,
    subject: Annotated[str | None, typer.Option(help="Only this subject.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Newest N entries.")] = 50,
    head: Annotated[bool, typer.Option("--head", help="Print only count and newest hash.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Show audit entries, oldest first (or the head, to anchor it elsewhere)."""
    store = StateStore.open(resolve_state_url(state))
    if head:
        newest = audit_head(store)
        if as_json:
            echo_json(newest.to_dict())
            return
        typer.echo(f"{newest.sequence} {newest.hash}")
        return
    rows = read_audit(store, operation_id=operation, subject=subject, limit=limit)
    if as_json:
        echo_json_lines(entry.to_dict() for entry in rows)
        return
    table = Table("id", "ts", "who", "action", "subject", "operation", "reason")
    for e in rows:
        table.add_row(
            str(e.id),
            e.ts.isoformat(sep=" ", timespec="seconds"),
            e.actor,
            e.action,
            e.subject,
            e.operation_id,
            e.reason,
        )
    Console().print(table)


def register(app: typer.Typer) -> None:
    """Attach ``review``, ``appeal`` and ``audit`` to the main app."""
    app.add_typer(review_app, name="review")
    app.command("appeal")(appeal)
    app.add_typer(audit_app, name="audit")
