"""Sign-in, sign-out and the review queue: the dashboard's routes that change state.

Every POST checks its token (the sign-in nonce, or the session's CSRF token) before
doing anything; review decisions also need the writer role, checked here on the
server whatever the page showed, and go through :class:`~mercwatch.enforce.Enforcer`
so the audit log records who decided and why.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from mercwatch.auth.keys import Principal, Role
from mercwatch.auth.throttle import TooManyAttempts
from mercwatch.enforce import Enforcer
from mercwatch.enforce.proposals import approve as approve_unless_own
from mercwatch.errors import StateError
from mercwatch.web.dashboard import Dashboard
from mercwatch.web.session import LOGIN_COOKIE, new_nonce
from mercwatch.web.views import pending_items

_NOTE_MAX = 500
_DECISIONS = ("approve", "reject")


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect a signed-in analyst to another host."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def router(dash: Dashboard) -> APIRouter:
    """Routes ``/login``, ``/logout``, ``/review`` and ``/review/{action_id}``."""
    routes = APIRouter()

    @routes.get("/login")
    def login_form(request: Request, next: str = "/") -> Response:
        return _login_page(dash, request, next, error=None, status_code=200)

    @routes.post("/login")
    def login(
        request: Request,
        token: Annotated[str, Form(max_length=512)] = "",
        nonce: Annotated[str, Form(max_length=128)] = "",
        next: Annotated[str, Form(max_length=2048)] = "/",
    ) -> Response:
        if not dash.signer.login_nonce_ok(request.cookies.get(LOGIN_COOKIE), nonce):
            return _login_page(dash, request, next, "The sign-in form expired; try again.", 400)
        checked = _check_key(dash, request, token, next)
        if isinstance(checked, Response):
            return checked
        response = RedirectResponse(dash_root(request) + _safe_next(next), 303)
        dash.signer.start(response, *checked)
        response.delete_cookie(LOGIN_COOKIE, path="/")
        return response

    @routes.post("/logout")
    def logout(request: Request, csrf: Annotated[str, Form(max_length=128)] = "") -> Response:
        session = dash.session(request)
        if not session.csrf_ok(csrf):
            return bad_token(dash, request)
        response = RedirectResponse(dash_root(request) + "/login", 303)
        dash.signer.end(response, session)
        return response

    @routes.get("/review")
    def review_queue(request: Request, done: str = "") -> Response:
        session = dash.session(request)
        enforcer = dash.enforcer()
        items = pending_items(dash, enforcer, session) if enforcer else []
        return dash.page(
            request,
            "review.html",
            session,
            title="Review queue",
            items=items,
            done=done,
            can_decide=session.role.allows(Role.WRITER),
        )

    @routes.post("/review/{action_id}")
    def decide(
        request: Request,
        action_id: int,
        decision: Annotated[str, Form(max_length=16)] = "",
        note: Annotated[str, Form(max_length=_NOTE_MAX)] = "",
        csrf: Annotated[str, Form(max_length=128)] = "",
    ) -> Response:
        session = dash.session(request, Role.WRITER)
        if not session.csrf_ok(csrf):
            return bad_token(dash, request)
        enforcer = dash.enforcer()
        if decision not in _DECISIONS or not note.strip() or enforcer is None:
            return dash.error(
                request, 400, "Decision not recorded", "Choose approve or reject and say why."
            )
        who = f"dashboard:{session.key_id}"
        try:
            stored = _decide(enforcer, decision, action_id, who, note.strip())
        except StateError as exc:
            return dash.error(request, 409, "Decision not recorded", str(exc))
        return RedirectResponse(
            f"{dash_root(request)}/review?done={stored.id}-{stored.action.status.value}", 303
        )

    return routes


def _decide(enforcer: Enforcer, decision: str, action_id: int, who: str, note: str) -> Any:
    """Approve (never one's own proposal: four eyes) or reject one queued action."""
    if decision == "approve":
        return approve_unless_own(enforcer, action_id, who, note)
    return enforcer.reject(action_id, who, note)


def dash_root(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


def _check_key(
    dash: Dashboard, request: Request, token: str, next: str
) -> tuple[Principal, str] | Response:
    """The principal and key fingerprint for a sign-in, or the page refusing it."""
    key_id, sep, secret = token.strip().partition(".")
    client = request.client.host if request.client else "?"
    try:
        principal = dash.auth.authenticate(key_id, secret, client) if sep else None
    except TooManyAttempts as exc:
        page = _login_page(dash, request, next, "Too many failed sign-ins; wait.", 429)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    fingerprint = dash.auth.fingerprint(key_id) if principal else None
    if principal is None or fingerprint is None:
        return _login_page(dash, request, next, "That API key is not valid.", 401)
    return principal, fingerprint


def _login_page(
    dash: Dashboard, request: Request, next: str, error: str | None, status_code: int
) -> Response:
    session = dash.current_session(request)
    nonce = new_nonce()
    response = dash.page(
        request,
        "login.html",
        session,
        status_code=status_code,
        title="Sign in",
        next=_safe_next(next),
        error=error,
        nonce=nonce,
    )
    dash.signer.set_login_nonce(response, nonce)
    return response


def bad_token(dash: Dashboard, request: Request) -> Response:
    why = "The form's security token did not match. Reload and try again."
    return dash.error(request, 403, "Form expired", why)
