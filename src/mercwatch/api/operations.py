"""``/api/operations``: the operations of a run folder, for analysts and tools.

Readers see everything an operation is *except who it targeted*: ``targets`` is only
filled for admins, and for everyone else evidence that names a target is redacted and
every URL (infrastructure and evidence) is in its shareable form
(:func:`mercwatch.iocs.shareable_url`: lure links are personalised), the same rule the
threat report follows. ``target_count`` is always there. Admins see the raw values:
they are the ones who act on a block_url or answer a targeted person.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi import Path as PathParam
from pydantic import BaseModel, Field
from sqlalchemy import select

from mercwatch.api.review import StoreSource
from mercwatch.auth.authenticator import Authenticator, Principal, Role
from mercwatch.errors import StateError
from mercwatch.intel.report.safety import SharedEvidence
from mercwatch.model import Operation, Phase
from mercwatch.queries.parsed_file import ParsedFile
from mercwatch.store.state import actions


class EvidenceOut(BaseModel):
    detector: str
    phase: Phase
    subject: str
    score: float
    detail: str


class OperationOut(BaseModel):
    """An operation as SCHEMA.md writes it, with ``targets`` only for admins."""

    operation_id: str
    confidence: float
    phases: list[Phase]
    accounts: list[str]
    target_count: int
    targets: list[str] | None = Field(None, description="Only for the admin role.")
    target_countries: dict[str, int] = Field(default_factory=dict)
    infrastructure: dict[str, list[str]]
    first_seen: str | None
    last_seen: str | None
    attribution: dict[str, Any] | None
    evidence: list[EvidenceOut]


class OperationsPage(BaseModel):
    total: int
    items: list[OperationOut]


class OperationsFile(ParsedFile[tuple[Operation, ...]]):
    """``operations.json`` of a run folder, highest confidence first, re-read on change.

    Args:
        path: the file; absent until a run has written it (the API answers 503).
    """

    def __init__(self, path: Path) -> None:
        super().__init__(path, ())

    def _read(self) -> tuple[Operation, ...]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            ops = [Operation.from_dict(o) for o in data["operations"]]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StateError(f"{self.path}: not a readable operations file: {exc!r}") from exc
        return tuple(sorted(ops, key=lambda o: (-o.confidence, o.operation_id)))


def shared_infrastructure(infrastructure: dict[str, list[str]], cleaner: SharedEvidence) -> dict:
    """Infrastructure lists as a non-admin may see them: URLs shareable, no identities."""
    out: dict[str, list[str]] = {}
    for kind, values in infrastructure.items():
        if kind == "urls":
            kept = {u for u in map(cleaner.url, values) if u is not None}
        else:
            kept = {v for v in values if cleaner.matcher.find(v) is None}
        out[kind] = sorted(kept)
    return out


def run_targets(ops: Iterable[Operation]) -> frozenset[str]:
    """Everyone any operation of the run targeted.

    Evidence of one operation can name a person another operation targeted (a persona's
    strongest partner on a shared address who is someone else's target), so redaction
    hides the targets of every operation, not only the operation's own.
    """
    return frozenset(t for op in ops for t in op.targets)


def operation_out(
    op: Operation, principal: Principal, also_targets: Iterable[str] = ()
) -> OperationOut:
    """The API view of ``op`` for ``principal``: targets and raw URLs only for the roles
    that see targets (analyst and up, ``Role.sees_targets``, as in the dashboard).

    ``also_targets``: the other operations' targets (:func:`run_targets`), hidden too.
    """
    admin = principal.role.sees_targets
    data = op.to_dict()
    if admin:
        subject, text = (lambda v: v), (lambda v: v)
        infrastructure = data["infrastructure"]
    else:
        cleaner = SharedEvidence(sorted({*op.targets, *also_targets}), defanged=False)
        subject, text = cleaner.subject, cleaner.text
        infrastructure = shared_infrastructure(data["infrastructure"], cleaner)
        if data["attribution"]:
            matched = [cleaner.subject(m) for m in data["attribution"]["matched"]]
            data["attribution"] = {**data["attribution"], "matched": matched}
    return OperationOut(
        operation_id=op.operation_id,
        confidence=data["confidence"],
        phases=list(op.phases),
        accounts=list(op.accounts),
        target_count=len(set(op.targets)),
        targets=list(op.targets) if admin else None,
        target_countries=dict(op.target_countries),
        infrastructure=infrastructure,
        first_seen=data["first_seen"],
        last_seen=data["last_seen"],
        attribution=data["attribution"],
        evidence=[
            EvidenceOut(
                detector=e.detector,
                phase=e.phase,
                score=e.score,
                subject=subject(e.subject),
                detail=text(e.detail),
            )
            for e in op.evidence
        ],
    )


class OperationSort(StrEnum):
    """Orders of ``/operations``: the numbers and times largest / newest first."""

    CONFIDENCE = "confidence"
    LAST_SEEN = "last_seen"
    FIRST_SEEN = "first_seen"
    ACCOUNTS = "accounts"
    TARGETS = "targets"
    OPERATION_ID = "operation_id"


_NEVER = datetime.min


def _sort_key(sort: OperationSort) -> Callable[[Operation], Any]:
    """Keys for ``sorted``: descending values are negated, ties broken by id."""
    by: dict[OperationSort, Callable[[Operation], Any]] = {
        OperationSort.CONFIDENCE: lambda o: (-o.confidence, o.operation_id),
        OperationSort.LAST_SEEN: lambda o: (-(o.last_seen or _NEVER).timestamp(), o.operation_id),
        OperationSort.FIRST_SEEN: lambda o: (
            -(o.first_seen or _NEVER).timestamp(),
            o.operation_id,
        ),
        OperationSort.ACCOUNTS: lambda o: (-len(o.accounts), o.operation_id),
        OperationSort.TARGETS: lambda o: (-len(set(o.targets)), o.operation_id),
        OperationSort.OPERATION_ID: lambda o: o.operation_id,
    }
    return by[sort]


class OperationFilter(BaseModel):
    """What ``/operations`` narrows by; every filter given must hold."""

    min_confidence: float = 0.0
    phase: Phase | None = None
    country: str | None = None
    sector: str | None = None
    operation_ids: frozenset[str] | None = None  # from the enforcement status filter

    def keeps(self, op: Operation) -> bool:
        return (
            op.confidence >= self.min_confidence
            and (self.phase is None or self.phase in op.phases)
            and (self.country is None or self.country in dict(op.target_countries))
            and (self.sector is None or self.sector in dict(op.target_sectors))
            and (self.operation_ids is None or op.operation_id in self.operation_ids)
        )


EnforcementStatus = Literal["applied", "pending_review", "rejected", "reversed", "dry_run"]


def operations_router(
    source: OperationsFile | None, auth: Authenticator, state_url: str | None = None
) -> APIRouter:
    """Routes ``GET /operations`` and ``GET /operations/{operation_id}`` (readers)."""
    router = APIRouter(tags=["operations"])
    reader = Depends(auth.require(Role.READER))
    db = StoreSource(state_url)

    def load() -> tuple[Operation, ...]:
        if source is None:
            raise HTTPException(503, "no run folder configured (MERCWATCH_RUN_DIR)")
        try:
            return source.all()
        except FileNotFoundError as exc:
            raise HTTPException(503, "no operations yet: the run folder has none") from exc

    def with_status(status: EnforcementStatus) -> frozenset[str]:
        """Operations holding at least one action in ``status`` (one SQL query)."""
        query = select(actions.c.operation_id).where(actions.c.status == status).distinct()
        with db.state().engine.connect() as conn:
            return frozenset(conn.execute(query).scalars())

    @router.get("/operations", response_model=OperationsPage)
    def list_operations(
        min_confidence: Annotated[float, Query(ge=0, le=1)] = 0.0,
        phase: Phase | None = None,
        status: Annotated[
            EnforcementStatus | None,
            Query(description="Only operations with an enforcement action in this state."),
        ] = None,
        country: Annotated[str | None, Query(pattern=r"^[A-Z]{2}$")] = None,
        sector: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
        sort: OperationSort = OperationSort.CONFIDENCE,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
        principal: Principal = reader,
    ) -> OperationsPage:
        """Operations, filtered and sorted (highest confidence first by default), one page.

        An operation list is as long as the operations found (hundreds), not the
        platform's accounts: it is held parsed in memory and re-read when the file
        changes, so a page costs the same at any offset.
        """
        keep = OperationFilter(
            min_confidence=min_confidence,
            phase=phase,
            country=country,
            sector=sector,
            operation_ids=with_status(status) if status else None,
        )
        everyone = load()
        hidden = run_targets(everyone)
        ops = sorted(filter(keep.keeps, everyone), key=_sort_key(sort))
        items = [operation_out(o, principal, hidden) for o in ops[offset : offset + limit]]
        return OperationsPage(total=len(ops), items=items)

    @router.get("/operations/{operation_id}", response_model=OperationOut)
    def get_operation(
        operation_id: Annotated[str, PathParam(min_length=1, max_length=200)],
        principal: Principal = reader,
    ) -> OperationOut:
        """One operation by id."""
        everyone = load()
        for op in everyone:
            if op.operation_id == operation_id:
                return operation_out(op, principal, run_targets(everyone))
        raise HTTPException(404, f"no operation {operation_id!r}")

    return router
