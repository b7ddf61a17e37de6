"""The dashboard app: sessions, role checks, security headers, templates.

It is a separate ASGI app mounted at ``/`` by :func:`mercwatch.api.create_app`, so its
HTML routes never appear in the API's OpenAPI document, and it shares the API's
:class:`~mercwatch.auth.authenticator.Authenticator`, keys and run folder.

Every page is rendered by Jinja2 with autoescaping forced on for all templates: all
text that came from the platform (display names, bios, messages quoted in evidence,
domains, reasons) is data, never markup. The Content-Security-Policy forbids every
script, so even a missed escape could not run one; that policy, like every other
security header, is :mod:`mercwatch.auth.http_policy`'s, applied by the outer app to the
API, TAXII and the dashboard alike.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from mercwatch.auth.authenticator import Authenticator
from mercwatch.auth.settings import ApiSettings
from mercwatch.errors import StateError
from mercwatch.store.state_url import resolve_state_url
from mercwatch.web import appeals, graph, pages, review
from mercwatch.web.dashboard import Dashboard, Forbidden, LoginRequired, root_path
from mercwatch.web.data import ProfileSource, RunFolder
from mercwatch.web.session import SessionSigner
from mercwatch.web.settings import WebSettings, load_web_settings

HERE = Path(__file__).parent
log = logging.getLogger(__name__)


def _templates() -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        undefined=StrictUndefined,
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = lambda v: f"{float(v) * 100:.0f}%"
    env.filters["ts"] = lambda v: v.strftime("%Y-%m-%d %H:%M:%S") if v is not None else "—"
    return Jinja2Templates(env=env)


def create_dashboard(
    settings: ApiSettings, auth: Authenticator, web: WebSettings | None = None
) -> FastAPI:
    """The dashboard app for the API's settings and authenticator.

    Args:
        settings: the API settings (its ``run_dir`` is the run folder shown).
        auth: the API's authenticator; analysts sign in with the same keys.
        web: state store, export and session settings (default: environment).

    Raises:
        ConfigError: a malformed setting or too short a session secret.
    """
    web = web or load_web_settings()
    state_url = resolve_state_url(web.state_url) if web.state_url else None
    dash = Dashboard(
        auth=auth,
        run=RunFolder(settings.run_dir),
        signer=SessionSigner(web.signing_secret(), web.session_max_age, web.secure_cookies),
        profiles=ProfileSource(web.export_dir),
        templates=_templates(),
        state_url=state_url,
    )
    app = FastAPI(title="mercwatch dashboard", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.dashboard = dash
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    _install_handlers(app, dash)
    app.include_router(review.router(dash))
    app.include_router(appeals.router(dash))
    app.include_router(graph.router(dash))
    app.include_router(pages.router(dash))
    return app


def _install_handlers(app: FastAPI, dash: Dashboard) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET":
            target = "/"
        return RedirectResponse(f"{root_path(request)}/login?next={quote(target)}", 303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        session = dash.current_session(request)
        held = session.role.value if session else "nobody"
        return dash.page(
            request,
            "error.html",
            session,
            status_code=403,
            title="Not allowed",
            message=f"This needs the {exc.needed.value} role; you are signed in as {held}.",
        )

    @app.exception_handler(StateError)
    async def state_error(request: Request, exc: StateError) -> Response:
        log.error("dashboard %s: %s", request.url.path, exc)
        session = dash.current_session(request)
        return dash.page(
            request,
            "error.html",
            session,
            status_code=500,
            title="Data unavailable",
            message="The run folder or the state store could not be read. "
            "The server log has the details.",
        )
