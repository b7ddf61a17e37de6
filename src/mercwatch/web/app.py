"""The dashboard app: sessions, role checks, security headers, templates.

It is a separate ASGI app mounted at ``/`` by :func:`mercwatch.api.create_app`, so its
HTML routes never appear in the API's OpenAPI document, and it shares the API's
:class:`~mercwatch.api.auth.Authenticator`, keys and run folder.

Every page is rendered by Jinja2 with autoescaping forced on for all templates: all
text that came from the platform (display names, bios, messages quoted in evidence,
domains, reasons) is data, never markup. The Content-Security-Policy forbids every
script, so even a missed escape could not run one; that policy, like every other
security header, is :mod:`mercwatch.api.http_policy`'s, applied by the outer app to the
API, TAXII and the dashboard alike.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from mercwatch.api.auth import Authenticator
from mercwatch.api.keys import Role
from mercwatch.api.settings import ApiSettings
from mercwatch.enforce import Enforcer, load_policy
from mercwatch.errors import StateError
from mercwatch.store.state import StateStore, resolve_state_url
from mercwatch.web.data import ProfileSource, RunFolder
from mercwatch.web.session import SESSION_COOKIE, Session, SessionSigner
from mercwatch.web.settings import WebSettings, load_web_settings

HERE = Path(__file__).parent
log = logging.getLogger(__name__)


class LoginRequired(Exception):
    """No valid session: the handler sends the browser to the sign-in page."""


class Forbidden(Exception):
    """Signed in, but the role is too low for this page or action."""

    def __init__(self, needed: Role) -> None:
        super().__init__(needed.value)
        self.needed = needed


@dataclass
class Dashboard:
    """What every route needs: stores, sessions, templates."""

    auth: Authenticator
    signer: SessionSigner
    run: RunFolder
    profiles: ProfileSource
    templates: Jinja2Templates
    state_url: str | None
    _store: StateStore | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def store(self) -> StateStore | None:
        """The state store, opened on first use; ``None`` when none is configured."""
        if self.state_url is None:
            return None
        with self._lock:
            if self._store is None:
                self._store = StateStore.open(self.state_url)
            return self._store

    def enforcer(self) -> Enforcer | None:
        store = self.store()
        return Enforcer(store, load_policy()) if store is not None else None

    def session(self, request: Request, role: Role = Role.READER) -> Session:
        """The signed-in session holding ``role`` at least.

        Raises:
            LoginRequired: no valid session. Forbidden: the role is too low.
        """
        session = self.current_session(request)
        if session is None:
            raise LoginRequired()
        if not session.role.allows(role):
            raise Forbidden(role)
        return session

    def current_session(self, request: Request) -> Session | None:
        """The request's live session, if its key is still configured as at sign-in.

        A session whose key was removed, re-issued or given another role since is
        ended here, on its first request after the change.
        """
        session = self.signer.read(request.cookies.get(SESSION_COOKIE))
        if session is None:
            return None
        if self.auth.fingerprint(session.key_id) != session.key_fingerprint:
            self.signer.registry.drop(session.sid)
            log.info("session of key %s ended: the key changed or was revoked", session.key_id)
            return None
        return session

    def page(
        self,
        request: Request,
        name: str,
        session: Session | None,
        status_code: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        """Render template ``name`` with the session and common values."""
        return self.templates.TemplateResponse(
            request,
            name,
            {
                "session": session,
                "Role": Role,
                "root": _root(request),
                "has_state": self.state_url is not None,
                **context,
            },
            status_code=status_code,
        )

    def error(self, request: Request, status_code: int, title: str, message: str) -> HTMLResponse:
        """The error page (``error.html``) with ``status_code``, for the current session."""
        return self.page(
            request,
            "error.html",
            self.current_session(request),
            status_code=status_code,
            title=title,
            message=message,
        )


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


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
    from mercwatch.web import appeals, graph, pages, review  # routes need Dashboard above

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
        return RedirectResponse(f"{_root(request)}/login?next={quote(target)}", 303)

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
