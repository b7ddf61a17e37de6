"""What every dashboard route needs (:class:`Dashboard`) and the two refusals they raise.

Its own module, apart from :mod:`mercwatch.web.app`, so the route modules (pages,
review, views) import the type without importing the app that includes their routers:
the app imports them, never the other way round (it used to be an import cycle dodged
by a deferred import inside ``create_dashboard``).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from mercwatch.auth.authenticator import Authenticator
from mercwatch.auth.keys import Role
from mercwatch.enforce import Enforcer, load_policy
from mercwatch.store.state import StateStore
from mercwatch.web.data import ProfileSource, RunFolder
from mercwatch.web.session import SESSION_COOKIE, Session, SessionSigner

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
                "root": root_path(request),
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


def root_path(request: Request) -> str:
    """The path the dashboard is mounted under (no trailing slash): links in pages start here."""
    return str(request.scope.get("root_path", "")).rstrip("/")
