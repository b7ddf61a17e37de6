"""REST endpoints for the review queue, proposals, appeals (reversals) and the audit log.

The same library calls as the CLI and the dashboard (:class:`~mercwatch.enforce.Enforcer`,
:mod:`mercwatch.enforce.proposals`, :func:`~mercwatch.enforce.verify_audit`), behind roles:

============================  ==========  ==============================================
route                         role        note
============================  ==========  ==============================================
GET  /api/actions             viewer      subjects are attacker infrastructure only
GET  /api/review              viewer      the queue (pending actions)
POST /api/review              analyst     propose an action: it waits for a reviewer
POST /api/review/{id}/approve reviewer    not one's own proposal (403)
POST /api/review/{id}/reject  reviewer    a reason is required
POST /api/actions/{id}/reverse reviewer   an appeal upheld: undo an applied action
GET  /api/audit               analyst     evidence in the log can name targets
GET  /api/audit/verify        viewer      only whether the chain holds, and its size
============================  ==========  ==============================================

Errors: 401 no or bad credentials, 403 role too low or own proposal, 404 no such
action, 409 the action is not in a state that allows this, 413 body too large,
422 invalid body, 503 no state store configured.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from mercwatch.auth.authenticator import Authenticator, Principal, Role
from mercwatch.enforce import Enforcer, load_policy, read_audit, verify_audit
from mercwatch.enforce.enforcer import StoredAction
from mercwatch.enforce.proposals import SelfApproval, approve, find_action, propose
from mercwatch.errors import AuditChainBroken, StateError
from mercwatch.model.records import ActionKind, ActionStatus
from mercwatch.store.state import StateStore, actions

_TEXT = 2000
# Ids are 32-bit integers in PostgreSQL; anything larger is a 422, not a driver overflow.
_MAX_INT = 2**31 - 1
ActionId = Annotated[int, Path(ge=1, le=_MAX_INT)]


class ErrorOut(BaseModel):
    detail: str


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut, "description": why}
    for code, why in (
        (401, "No or invalid credentials."),
        (403, "The key's role may not do this (or it is the proposer's own action)."),
        (404, "No such action."),
        (409, "The action's state does not allow this."),
        (413, "Request body too large."),
        (503, "No state store is configured."),
    )
}


class ActionOut(BaseModel):
    id: int
    action: ActionKind
    subject: str
    operation_id: str
    status: ActionStatus
    reason: str
    policy_version: str


class ActionPage(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[ActionOut]


class ProposalIn(BaseModel):
    action: ActionKind
    subject: str = Field(min_length=1, max_length=_TEXT)
    operation_id: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=_TEXT, pattern=r"\S")


class ApproveIn(BaseModel):
    note: str = Field(default="", max_length=_TEXT)


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=_TEXT, pattern=r"\S")


class AuditOut(BaseModel):
    entries: list[dict[str, Any]]


class VerifyOut(BaseModel):
    ok: bool
    entries: int
    problem: str | None = None
    entry_id: int | None = None


def _out(stored: StoredAction) -> ActionOut:
    a = stored.action
    return ActionOut(
        id=stored.id,
        action=a.action,
        subject=a.subject,
        operation_id=a.operation_id,
        status=a.status,
        reason=a.reason,
        policy_version=stored.policy_version,
    )


class StoreSource:
    """Opens the state store on first use; maps missing things to HTTP errors.

    Shared by every router that reads the state store (review, outbox, blocklists).
    """

    def __init__(self, state_url: str | None) -> None:
        self.state_url = state_url
        self._store: StateStore | None = None

    def state(self) -> StateStore:
        """The state store (opened on first use), or 503 when none is configured."""
        if self.state_url is None:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "no state store configured")
        if self._store is None:
            self._store = StateStore.open(self.state_url)
        return self._store

    def enforcer(self) -> Enforcer:
        return Enforcer(self.state(), load_policy())

    def existing(self, action_id: int) -> Enforcer:
        enf = self.enforcer()
        if find_action(enf, action_id) is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no action with id {action_id}")
        return enf


@contextmanager
def _conflicts() -> Iterator[None]:
    """A state that forbids the change is 409; one's own proposal is 403."""
    try:
        yield
    except SelfApproval as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from exc
    except StateError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc


def _page(
    store: StateStore,
    status_: ActionStatus | None,
    operation_id: str | None,
    offset: int,
    limit: int,
) -> tuple[int, list[ActionOut]]:
    where = []
    if status_ is not None:
        where.append(actions.c.status == status_.value)
    if operation_id is not None:
        where.append(actions.c.operation_id == operation_id)
    with store.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(actions).where(*where)).scalar_one()
        rows = conn.execute(
            select(actions).where(*where).order_by(actions.c.id).offset(offset).limit(limit)
        ).all()
    return int(total), [
        ActionOut(
            id=r.id,
            action=ActionKind(r.action),
            subject=r.subject,
            operation_id=r.operation_id,
            status=ActionStatus(r.status),
            reason=r.reason,
            policy_version=r.policy_version,
        )
        for r in rows
    ]


def _who(principal: Principal) -> str:
    return f"api:{principal.key_id}"


def review_router(state_url: str | None, auth: Authenticator) -> APIRouter:
    """The routes above, over the state store at ``state_url`` (opened on first use)."""
    routes = APIRouter(tags=["review"], responses=ERRORS)
    db = StoreSource(state_url)
    _read_routes(routes, db, auth)
    _decision_routes(routes, db, auth)
    return routes


def _read_routes(routes: APIRouter, db: StoreSource, auth: Authenticator) -> None:
    viewer = Depends(auth.require(Role.VIEWER))
    analyst = Depends(auth.require(Role.ANALYST))

    @routes.get("/actions", response_model=ActionPage)
    def list_actions(
        status_: Annotated[ActionStatus | None, Query(alias="status")] = None,
        operation_id: Annotated[str | None, Query(max_length=200)] = None,
        offset: Annotated[int, Query(ge=0, le=_MAX_INT)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        _: Principal = viewer,
    ) -> ActionPage:
        """Stored actions in id order, filtered by status and operation, one page.

        Paged in SQL (``LIMIT``/``OFFSET`` on the primary key, the count on the same
        filter), so a page costs the same on a store of a million actions.
        """
        total, rows = _page(db.enforcer().store, status_, operation_id, offset, limit)
        return ActionPage(total=total, offset=offset, limit=limit, items=rows)

    @routes.get("/review", response_model=list[ActionOut])
    def queue(_: Principal = viewer) -> list[ActionOut]:
        """The review queue: actions waiting for a reviewer, oldest first."""
        return [_out(s) for s in db.enforcer().pending_reviews()]

    @routes.get("/audit", response_model=AuditOut)
    def audit(
        operation_id: Annotated[str | None, Query(max_length=200)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        _: Principal = analyst,
    ) -> AuditOut:
        """The newest ``limit`` audit entries (oldest first), optionally for one operation."""
        entries = read_audit(db.enforcer().store, operation_id=operation_id, limit=limit)
        return AuditOut(entries=[e.to_dict() for e in entries])

    @routes.get("/audit/verify", response_model=VerifyOut)
    def verify(_: Principal = viewer) -> VerifyOut:
        """Walk the whole hash chain: ``ok`` false names the first entry that fails."""
        store = db.enforcer().store
        try:
            return VerifyOut(ok=True, entries=verify_audit(store))
        except AuditChainBroken as exc:
            return VerifyOut(ok=False, entries=0, problem=exc.reason, entry_id=exc.entry_id)


def _decision_routes(routes: APIRouter, db: StoreSource, auth: Authenticator) -> None:
    analyst = Depends(auth.require(Role.ANALYST))
    reviewer = Depends(auth.require(Role.REVIEWER))

    @routes.post("/review", response_model=ActionOut, status_code=201)
    def propose_action(body: ProposalIn, principal: Principal = analyst) -> ActionOut:
        """Propose an action; it waits in the queue for another person to decide."""
        enf = db.enforcer()
        with _conflicts():
            return _out(
                propose(
                    enf, body.action, body.subject, body.operation_id, body.reason, _who(principal)
                )
            )

    @routes.post("/review/{action_id}/approve", response_model=ActionOut)
    def approve_action(
        action_id: ActionId, body: ApproveIn | None = None, principal: Principal = reviewer
    ) -> ActionOut:
        """Approve a queued action: it becomes applied (and is delivered to the platform)."""
        enf = db.existing(action_id)
        with _conflicts():
            return _out(approve(enf, action_id, _who(principal), body.note if body else ""))

    @routes.post("/review/{action_id}/reject", response_model=ActionOut)
    def reject_action(
        action_id: ActionId, body: ReasonIn, principal: Principal = reviewer
    ) -> ActionOut:
        """Reject a queued action, saying why: nothing happens on the platform."""
        enf = db.existing(action_id)
        with _conflicts():
            return _out(enf.reject(action_id, _who(principal), body.reason.strip()))

    @routes.post("/actions/{action_id}/reverse", response_model=ActionOut)
    def reverse_action(
        action_id: ActionId, body: ReasonIn, principal: Principal = reviewer
    ) -> ActionOut:
        """Reverse an applied action on appeal (the platform gets the undoing call)."""
        enf = db.existing(action_id)
        with _conflicts():
            return _out(enf.reverse(action_id, _who(principal), body.reason.strip()))
