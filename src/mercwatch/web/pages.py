"""The dashboard's read-only pages: overview, operations, one operation, audit, outbox.

Each handler checks the session first (any role may read), gathers plain values from
the stores through :mod:`mercwatch.web.views`, and renders one template.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from mercwatch.api.operations import operation_out, run_targets
from mercwatch.enforce import read_audit
from mercwatch.model import Phase
from mercwatch.notify import Outbox
from mercwatch.web import views
from mercwatch.web.audit_status import audit_status
from mercwatch.web.counts import decision_counts
from mercwatch.web.dashboard import Dashboard
from mercwatch.web.graph import GRAPH_CSP, operation_graph

AUDIT_PAGE = 100


def router(dash: Dashboard) -> APIRouter:
    """Routes ``/``, ``/operations``, ``/operations/{id}``, ``/audit`` and ``/outbox``."""
    routes = APIRouter()

    @routes.get("/")
    def overview(request: Request) -> Response:
        session = dash.session(request)
        ops = dash.run.operations()
        counts = dash.run.counts()
        store = dash.store()
        decided = decision_counts(store) if store is not None else None
        return dash.page(
            request,
            "overview.html",
            session,
            title="Overview",
            ops=ops,
            counts=counts,
            phases=views.phase_counts(ops),
            decided=decided,
            has_run=dash.run.path is not None,
            warned_total=decided.people_to_warn if decided else counts.people_to_warn,
            rejects_total=sum(n for _, _, n in counts.rejects_by_reason),
        )

    @routes.get("/operations")
    def operations(
        request: Request,
        sort: str = "confidence",
        order: str = "desc",
        phase: str = "",
        actor: str = "",
    ) -> Response:
        session = dash.session(request)
        ops = dash.run.operations()
        wanted = Phase(phase) if phase in {p.value for p in Phase} else None
        sort = sort if sort in views.SORTS else "confidence"
        rows = views.operation_rows(
            ops,
            dash.run.counts().warned_by_operation,
            sort=sort,
            descending=order != "asc",
            phase=wanted,
            actor=actor or None,
        )
        return dash.page(
            request,
            "operations.html",
            session,
            title="Operations",
            rows=rows,
            total=len(ops),
            sort=sort,
            order="asc" if order == "asc" else "desc",
            phase=wanted.value if wanted else "",
            actor=actor,
            actors=views.actors(ops),
            unattributed=views.UNATTRIBUTED,
            all_phases=list(Phase),
        )

    @routes.get("/operations/{operation_id}")
    def operation(request: Request, operation_id: str) -> Response:
        session = dash.session(request)
        op = dash.run.operation(operation_id)
        if op is None:
            return dash.page(
                request,
                "error.html",
                session,
                status_code=404,
                title="No such operation",
                message=f"There is no operation {operation_id} in this run.",
            )
        enforcer = dash.enforcer()
        out = operation_out(op, session.principal, run_targets(dash.run.operations()))
        response = dash.page(
            request,
            "operation.html",
            session,
            title=op.operation_id,
            op=out,
            evidence=views.evidence_by_phase(out),
            accounts=views.account_views(dash, op, enforcer),
            infra_actions=views.infrastructure_actions(op, enforcer, session),
            warned=dash.run.counts().warned_by_operation.get(operation_id, 0),
            targets=sorted(set(op.targets)) if views.sees_targets(session) else None,
            graph=operation_graph(dash, op, session),
        )
        response.headers["Content-Security-Policy"] = GRAPH_CSP
        return response

    @routes.get("/audit")
    def audit(request: Request, verify: bool = False) -> Response:
        session = dash.session(request)
        store = dash.store()
        entries = list(reversed(read_audit(store, limit=AUDIT_PAGE))) if store else []
        entries = views.shown_audit(entries, session.role)
        status = audit_status(store, force=verify) if store is not None else None
        return dash.page(
            request,
            "audit.html",
            session,
            title="Audit log",
            entries=entries,
            status=status,
            limit=AUDIT_PAGE,
        )

    @routes.get("/outbox")
    def outbox(request: Request) -> Response:
        session = dash.session(request)
        store = dash.store()
        status = Outbox(store).status() if store else None
        return dash.page(
            request, "outbox.html", session, title="Notification outbox", status=status
        )

    return routes
