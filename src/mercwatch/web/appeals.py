"""Appeals: applied actions that can be reversed, reversals done, and the reversing form.

An account owner (or a domain's registrant) appeals; a reviewer who upholds the appeal
reverses the action here. The form goes through :meth:`Enforcer.reverse`, the call
``mercwatch review reverse`` and ``POST /api/actions/{id}/reverse`` make, so the
audit log records who reversed what and why whatever the channel, and a rerun never
re-applies a reversed action. Reversing needs the reviewer role (checked on the
server), the session's CSRF token and a reason.

Both lists are paged in SQL (newest first), so the page costs the same on a store
holding a million actions.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select

from mercwatch.auth.keys import Role
from mercwatch.enforce import AuditEntry
from mercwatch.enforce.audit import _entry as audit_entry
from mercwatch.enforce.enforcer import StoredAction
from mercwatch.enforce.enforcer import _stored as stored_action
from mercwatch.enforce.proposals import find_action
from mercwatch.errors import StateError
from mercwatch.model import ActionStatus
from mercwatch.store.state import StateStore, actions, audit_log
from mercwatch.web import views
from mercwatch.web.dashboard import Dashboard
from mercwatch.web.review import bad_token, dash_root

PAGE = 50
#: Audit actions of reversals are ``reverse:<kind>`` (:meth:`Enforcer.reverse`).
REVERSE_PREFIX = "reverse:"
_REASON_MAX = 500
_NOT_DONE = "Reversal not recorded"


def applied_page(store: StateStore, offset: int) -> tuple[int, list[StoredAction]]:
    """(applied actions in all, one page of them, newest first)."""
    applied = actions.c.status == ActionStatus.APPLIED.value
    with store.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(actions).where(applied)).scalar_one()
        rows = conn.execute(
            select(actions).where(applied).order_by(actions.c.id.desc()).offset(offset).limit(PAGE)
        ).all()
    return int(total), [stored_action(r) for r in rows]


def reversals(store: StateStore) -> list[AuditEntry]:
    """The newest :data:`PAGE` reversals on appeal (their audit entries), newest first."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(audit_log)
            .where(audit_log.c.action.like(f"{REVERSE_PREFIX}%"))
            .order_by(audit_log.c.id.desc())
            .limit(PAGE)
        ).all()
    return [audit_entry(r) for r in rows]


def router(dash: Dashboard) -> APIRouter:
    """Routes ``GET /appeals`` and ``POST /appeals/{action_id}`` (reverse on appeal)."""
    routes = APIRouter()

    @routes.get("/appeals")
    def appeals(request: Request, offset: int = 0, done: str = "") -> Response:
        session = dash.session(request)
        store = dash.store()
        offset = max(0, offset)
        total, page = applied_page(store, offset) if store is not None else (0, [])
        done_list = reversals(store) if store is not None else []
        ops = {o.operation_id: o for o in dash.run.operations()}
        return dash.page(
            request,
            "appeals.html",
            session,
            title="Appeals and reversals",
            applied=[
                views.shown_action(s, ops.get(s.action.operation_id), session.role) for s in page
            ],
            total=total,
            offset=offset,
            page_size=PAGE,
            reversals=views.shown_audit(done_list, session.role),
            done=done,
            can_reverse=session.role.allows(Role.REVIEWER),
        )

    @routes.post("/appeals/{action_id}")
    def reverse(
        request: Request,
        action_id: int,
        reason: Annotated[str, Form(max_length=_REASON_MAX)] = "",
        csrf: Annotated[str, Form(max_length=128)] = "",
    ) -> Response:
        session = dash.session(request, Role.REVIEWER)
        if not session.csrf_ok(csrf):
            return bad_token(dash, request)
        enforcer = dash.enforcer()
        problem = None
        if enforcer is None:
            problem = "No state store is configured."
        elif not reason.strip():
            problem = "Say why the appeal is upheld: the reason goes to the audit log."
        elif find_action(enforcer, action_id) is None:
            problem = f"There is no action {action_id}."
        if problem is not None or enforcer is None:
            return dash.error(request, 400, _NOT_DONE, problem or "")
        try:
            done = enforcer.reverse(action_id, f"dashboard:{session.key_id}", reason.strip())
        except StateError as exc:
            return dash.error(request, 409, _NOT_DONE, str(exc))
        return RedirectResponse(f"{dash_root(request)}/appeals?done={done.id}", 303)

    return routes
