"""``mercwatch enforcement deliver | status | blocklists``: decisions that reach the platform.

The endpoint's shared secret is read from ``MERCWATCH_ENFORCEMENT_SECRET``, never from
the command line (it would show in process lists and shell history).
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from mercwatch.errors import ConfigError
from mercwatch.store.cli_options import StateOpt
from mercwatch.store.state import StateStore
from mercwatch.store.state_url import resolve_state_url

SECRET_ENV = "MERCWATCH_ENFORCEMENT_SECRET"
enforcement_app = typer.Typer(
    help="Send enforcement decisions to the platform; export blocklists.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """Attach ``mercwatch enforcement ...`` to the main command."""
    app.add_typer(enforcement_app, name="enforcement")


@enforcement_app.command("deliver")
def deliver(
    endpoint: Annotated[
        str,
        typer.Option(
            "--endpoint",
            envvar="MERCWATCH_ENFORCEMENT_URL",
            help="The platform's enforcement endpoint (secret from MERCWATCH_ENFORCEMENT_SECRET).",
        ),
    ],
    state: StateOpt = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Calls per connection.")] = 100,
    lease_seconds: Annotated[
        int, typer.Option(min=1, help="After this long a crashed deliverer's claim is retaken.")
    ] = 600,
    timeout: Annotated[float, typer.Option(min=0.1, help="Seconds to wait per call.")] = 10.0,
) -> None:
    """Queue every decision not queued yet, then send what is due (exit 1 if any failed)."""
    from mercwatch.delivery.queue import RetryPolicy
    from mercwatch.enforce.adapter import HttpEnforcementAdapter
    from mercwatch.enforce.delivery import EnforcementQueue

    secret = os.environ.get(SECRET_ENV, "")
    if not secret:
        raise ConfigError(f"enforcement deliver needs the shared secret in {SECRET_ENV}")
    queue = EnforcementQueue(
        StateStore.open(resolve_state_url(state)),
        retry=RetryPolicy(lease=timedelta(seconds=lease_seconds)),
    )
    queued = queue.sync()
    adapter = HttpEnforcementAdapter(endpoint, secret.encode("utf-8"), timeout=timeout)
    report = queue.deliver(adapter, batch_size)
    typer.echo(
        json.dumps(
            {
                "queued": queued,
                "sent": report.sent,
                "retrying": report.retrying,
                "failed": report.failed,
                "status": queue.status(),
            }
        )
    )
    if report.failed:
        raise typer.Exit(1)


@enforcement_app.command("status")
def status(state: StateOpt = None) -> None:
    """Deliveries per status (pending, sending, sent, failed, cancelled), as JSON."""
    from mercwatch.enforce.delivery import EnforcementQueue

    queue = EnforcementQueue(StateStore.open(resolve_state_url(state)))
    typer.echo(json.dumps(queue.status()))


@enforcement_app.command("blocklists")
def blocklists(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the lists into.")],
    state: StateOpt = None,
) -> None:
    """Write blocked domains and URLs as RPZ, hosts, plain and defanged lists."""
    from mercwatch.enforce.blocklists import write_blocklists

    blocked = write_blocklists(StateStore.open(resolve_state_url(state)), out)
    typer.echo(
        json.dumps(
            {
                "out": str(out),
                "domains": len(blocked.domains),
                "urls": len(blocked.urls),
                "rejected": len(blocked.rejects),
            }
        )
    )
