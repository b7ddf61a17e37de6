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
import threading
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field

from mercwatch.auth.authenticator import Authenticator, Principal, Role
from mercwatch.errors import StateError
from mercwatch.intel.report.safety import SharedEvidence
from mercwatch.model import Operation, Phase


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


class OperationsFile:
    """``operations.json`` of a run folder, re-read whenever the file changes.

    Args:
        path: the file; absent until a run has written it (the API answers 503).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._ops: tuple[Operation, ...] = ()

    def all(self) -> tuple[Operation, ...]:
        """All operations, highest confidence first.

        Raises:
            FileNotFoundError: no run output yet.
            StateError: the file is not a valid operations file.
        """
        st = self.path.stat()
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        with self._lock:
            if stamp != self._stamp:
                self._ops = self._read()
                self._stamp = stamp
            return self._ops

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


def operation_out(op: Operation, principal: Principal) -> OperationOut:
    """The API view of ``op`` for ``principal`` (targets and raw URLs hidden below admin)."""
    admin = principal.role.allows(Role.ADMIN)
    data = op.to_dict()
    if admin:
        subject, text = (lambda v: v), (lambda v: v)
        infrastructure = data["infrastructure"]
    else:
        cleaner = SharedEvidence(op.targets, defanged=False)
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


def operations_router(source: OperationsFile | None, auth: Authenticator) -> APIRouter:
    """Routes ``GET /operations`` and ``GET /operations/{operation_id}`` (readers)."""
    router = APIRouter(tags=["operations"])
    reader = Depends(auth.require(Role.READER))

    def load() -> tuple[Operation, ...]:
        if source is None:
            raise HTTPException(503, "no run folder configured (MERCWATCH_RUN_DIR)")
        try:
            return source.all()
        except FileNotFoundError as exc:
            raise HTTPException(503, "no operations yet: the run folder has none") from exc

    @router.get("/operations", response_model=OperationsPage)
    def list_operations(
        min_confidence: Annotated[float, Query(ge=0, le=1)] = 0.0,
        phase: Phase | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
        principal: Principal = reader,
    ) -> OperationsPage:
        """Operations, highest confidence first, optionally by phase reached."""
        ops = [
            o
            for o in load()
            if o.confidence >= min_confidence and (phase is None or phase in o.phases)
        ]
        items = [operation_out(o, principal) for o in ops[offset : offset + limit]]
        return OperationsPage(total=len(ops), items=items)

    @router.get("/operations/{operation_id}", response_model=OperationOut)
    def get_operation(operation_id: str, principal: Principal = reader) -> OperationOut:
        """One operation by id."""
        for op in load():
            if op.operation_id == operation_id:
                return operation_out(op, principal)
        raise HTTPException(404, f"no operation {operation_id!r}")

    return router
