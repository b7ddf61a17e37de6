"""``mercwatch outbox``: enqueue a run's notifications, deliver them, and show progress.

The webhook secret is read from the environment (``MERCWATCH_WEBHOOK_SECRET``), never
from the command line, where it would end up in shell history and process lists.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from mercwatch.cli_json import JsonOpt, echo_json, echo_json_lines
from mercwatch.errors import ConfigError, InputError
from mercwatch.model.records import Notification
from mercwatch.notify.adapters import SmtpAdapter, WebhookAdapter
from mercwatch.notify.catalogs import SOURCE_LOCALE, direction, needing_review
from mercwatch.notify.outbox import DeliveryAdapter, Outbox
from mercwatch.notify.render import MessageRenderer, available_locales
from mercwatch.store.cli_options import StateOpt
from mercwatch.store.state import StateStore
from mercwatch.store.state_url import resolve_state_url

SECRET_ENV = "MERCWATCH_WEBHOOK_SECRET"

outbox_app = typer.Typer(
    help="The notification outbox: warnings to targeted users.", no_args_is_help=True
)


def _read_jsonl(path: Path) -> list[Notification]:
    notes: list[Notification] = []
    try:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if line.strip():
                    try:
                        notes.append(Notification.from_dict(json.loads(line)))
                    except (ValueError, KeyError, TypeError) as exc:
                        raise InputError(f"{path}:{number}", f"not a notification: {exc}") from exc
    except OSError as exc:
        raise InputError(str(path), exc.strerror or str(exc)) from exc
    return notes


def _read_mapping(path: Path | None) -> dict[str, str]:
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(str(path), f"expected a JSON object account_id -> value: {exc}") from exc
    if not isinstance(data, dict):
        raise InputError(str(path), "expected a JSON object account_id -> value")
    return {str(k): str(v) for k, v in data.items()}


@outbox_app.command("enqueue")
def enqueue(
    notifications: Annotated[
        Path | None, typer.Argument(help="notifications.jsonl from a run (optional).")
    ] = None,
    locales: Annotated[Path | None, typer.Option(help="JSON: account_id -> locale.")] = None,
    recipients: Annotated[Path | None, typer.Option(help="JSON: account_id -> e-mail.")] = None,
    state: StateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Queue each person of NOTIFICATIONS once, and record addresses and languages.

    Works at any time after `run`: people already queued are not queued again, and
    --locales / --recipients apply to every warning not yet sent (read at send time).
    """
    if notifications is None and locales is None and recipients is None:
        raise ConfigError("give NOTIFICATIONS, --locales or --recipients")
    outbox = Outbox(StateStore.open(resolve_state_url(state)))
    report = outbox.enqueue_report(
        _read_jsonl(notifications) if notifications else [],
        _read_mapping(locales),
        _read_mapping(recipients),
    )
    if as_json:
        echo_json(
            {
                "queued": report.queued,
                "follow_ups": report.follow_ups,
                "updated": report.updated,
                "already_warned": report.already_warned,
                "contacts": report.contacts,
            }
        )
        return
    typer.echo(
        f"{report.queued} people queued, {report.follow_ups} follow-ups queued, "
        f"{report.updated} queued warnings updated, {report.already_warned} already warned, "
        f"contacts recorded for {report.contacts} people"
    )


def _adapter(
    smtp: str | None, sender: str, recipient_template: str, starttls: bool, webhook: str | None
) -> DeliveryAdapter:
    if bool(smtp) == bool(webhook):
        raise ConfigError("choose one channel: --smtp HOST:PORT or --webhook URL")
    if webhook:
        secret = os.environ.get(SECRET_ENV, "")
        if not secret:
            raise ConfigError(f"--webhook needs the shared secret in {SECRET_ENV}")
        return WebhookAdapter(webhook, secret.encode("utf-8"))
    host, _, port = (smtp or "").rpartition(":")
    if not host or not port.isdigit():
        raise ConfigError(f"--smtp must be HOST:PORT, got {smtp!r}")
    return SmtpAdapter(
        host, int(port), sender, starttls=starttls, recipient_template=recipient_template
    )


@outbox_app.command("deliver")
def deliver(
    smtp: Annotated[str | None, typer.Option(help="SMTP relay HOST:PORT.")] = None,
    sender: Annotated[str, typer.Option(help="From address.")] = "security@localhost",
    recipient_template: Annotated[
        str, typer.Option(help="To address when none is known, e.g. '{account_id}@users.example'.")
    ] = "{account_id}",
    starttls: Annotated[bool, typer.Option(help="Use STARTTLS.")] = False,
    webhook: Annotated[str | None, typer.Option(help="Webhook URL (secret from env).")] = None,
    checkup_url: Annotated[
        str | None,
        typer.Option(help="Your security check-up page (env MERCWATCH_NOTIFY_CHECKUP_URL)."),
    ] = None,
    help_url: Annotated[
        str | None,
        typer.Option(help="A help line to link, https only (env MERCWATCH_NOTIFY_HELP_URL)."),
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Messages per connection.")] = 500,
    state: StateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Send every due notification; failures are retried later with backoff."""
    adapter = _adapter(smtp, sender, recipient_template, starttls, webhook)
    outbox = Outbox(
        StateStore.open(resolve_state_url(state)),
        renderer=MessageRenderer.from_settings(checkup_url, help_url),
    )
    report = outbox.deliver(adapter, batch_size=batch_size)
    if as_json:
        echo_json(
            {
                "claimed": report.claimed,
                "sent": report.sent,
                "retrying": report.retrying,
                "failed": report.failed,
                "in_doubt": report.in_doubt,
            }
        )
        return
    typer.echo(
        f"claimed {report.claimed}, sent {report.sent}, retrying {report.retrying}, "
        f"failed {report.failed}, resent after a crash (in doubt) {report.in_doubt}"
    )


@outbox_app.command("status")
def status(state: StateOpt = None, as_json: JsonOpt = False) -> None:
    """Counts per status and when the next retry is due."""
    current = Outbox(StateStore.open(resolve_state_url(state))).status()
    data = {
        "people": current.people,
        "people_warned": current.people_warned,
        "follow_ups": current.follow_ups,
        "pending": current.pending,
        "sending": current.sending,
        "sent": current.sent,
        "failed": current.failed,
        "next_attempt_at": current.next_attempt_at.isoformat() if current.next_attempt_at else None,
        "by_level": dict(current.by_level),
        "sent_by_channel_locale": [
            {"channel": c, "locale": loc, "sent": n} for c, loc, n in current.sent_by_channel_locale
        ],
    }
    if as_json:
        echo_json(data)
        return
    for key, value in data.items():
        typer.echo(f"{key}: {value}")


@outbox_app.command("retry-failed")
def retry_failed(state: StateOpt = None, as_json: JsonOpt = False) -> None:
    """Queue again every warning that failed for good (after fixing the cause)."""
    count = Outbox(StateStore.open(resolve_state_url(state))).retry_failed()
    if as_json:
        echo_json({"requeued": count})
        return
    typer.echo(f"{count} failed warnings queued again")


@outbox_app.command("locales")
def locales_command(
    review: Annotated[
        bool, typer.Option("--review", help="Also print how many texts await native review.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """The locales warnings can be written in, one BCP 47 tag a line."""
    if as_json:
        echo_json_lines(
            {
                "locale": tag,
                "direction": direction(tag),
                "needs_review": 0 if tag == SOURCE_LOCALE else needing_review(tag),
            }
            for tag in available_locales()
        )
        return
    for tag in available_locales():
        if not review:
            typer.echo(tag)
        else:
            pending = 0 if tag == SOURCE_LOCALE else needing_review(tag)
            typer.echo(f"{tag}\t{direction(tag)}\t{pending} texts need native review")


def register(app: typer.Typer) -> None:
    """Attach ``outbox`` to the main app."""
    app.add_typer(outbox_app, name="outbox")
