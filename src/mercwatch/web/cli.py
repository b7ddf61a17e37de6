"""``mercwatch serve``: the REST API, TAXII (when configured) and the dashboard in one server.

Keys come from ``--keys-file`` or ``MERCWATCH_API_KEYS`` (hashes only, see
``mercwatch keygen``); the session secret from ``MERCWATCH_SESSION_SECRET``,
never from the command line, where it would show in process lists.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mercwatch.auth.cli_options import KeysFileOpt
from mercwatch.store.cli_options import StateOpt

if TYPE_CHECKING:
    from fastapi import FastAPI


def build_server_app(
    out: Path,
    state_url: str | None,
    export: Path | None,
    keys_file: Path | None,
    secure_cookies: bool | None,
) -> FastAPI:
    """The app ``serve`` runs: API settings and dashboard settings from options and env.

    Raises:
        ConfigError: no keys, bad settings, or a missing run folder.
    """
    from mercwatch.api.app import create_app
    from mercwatch.auth.settings import load_settings
    from mercwatch.errors import ConfigError
    from mercwatch.store.state_url import resolve_state_url
    from mercwatch.web.settings import load_web_settings

    if not out.is_dir():
        raise ConfigError(f"--out {out}: not a folder (run `mercwatch run` first)")
    settings = load_settings(run_dir=out, keys_file=keys_file)
    web = load_web_settings(
        state_url=resolve_state_url(state_url, out),
        export_dir=export,
        secure_cookies=secure_cookies,
    )
    return create_app(settings, web=web)


def serve_command(
    out: Annotated[Path, typer.Option("--out", help="Run folder written by `mercwatch run`.")],
    state: StateOpt = None,
    export: Annotated[
        Path | None,
        typer.Option(
            "--export",
            envvar="MERCWATCH_EXPORT_DIR",
            help="The platform export: operation accounts' profiles and the graph's edges.",
        ),
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8080,
    keys_file: KeysFileOpt = None,
    secure_cookies: Annotated[
        bool | None,
        typer.Option(
            "--secure-cookies/--no-secure-cookies",
            help="Send the session cookie over HTTPS only (default on; turn off only for "
            "plain-HTTP loopback).",
        ),
    ] = None,
) -> None:
    """Serve the analyst dashboard at http://HOST:PORT/ and the REST API under /api."""
    import uvicorn

    app = build_server_app(out, state, export, keys_file, secure_cookies)
    typer.echo(f"dashboard at http://{host}:{port}/  API at http://{host}:{port}/api/", err=True)
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=True)


def register(app: typer.Typer) -> None:
    """Attach ``serve`` (dashboard + REST API) to the main command."""
    app.command("serve")(serve_command)
