"""``/api/accounts`` and ``/api/signals``: what the detectors found, with the evidence.

Read from the run's ``accounts.parquet`` / ``signals.parquet`` through
:class:`mercwatch.queries.tables.RunTables` (DuckDB, filters and ``LIMIT`` pushed down),
so a page costs about the same on a platform of a million accounts as on a small one.

The privacy rule: roles that may not see targets (:attr:`Role.sees_targets`: viewer)
never get a row naming a targeted person — the query itself leaves them out, so
totals and cursors do not count them — and the evidence they do get is cleaned the
way the threat report cleans it (:class:`~mercwatch.intel.report.safety.SharedEvidence`:
target ids become ``[target]``, every URL its shareable form).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from mercwatch.api.operations import OperationsFile
from mercwatch.api.responses import ERRORS, not_found, unavailable
from mercwatch.auth.authenticator import Authenticator, Principal, Role
from mercwatch.intel.report.safety import SharedEvidence
from mercwatch.model import Operation, Phase
from mercwatch.queries.tables import (
    AccountSort,
    KeysetNeedsDefaultSort,
    Page,
    RunTables,
    SignalSort,
)

_NAME = 200
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
After = Annotated[
    int | None,
    Query(ge=-1, le=2**62, description="Keyset cursor: `next_after` of the previous page."),
]
MinScore = Annotated[float, Query(ge=0, le=1)]
Name = Annotated[str | None, Query(min_length=1, max_length=_NAME)]


class SignalOut(BaseModel):
    detector: str
    phase: Phase
    subject_type: str
    subject: str
    score: float
    detail: str


class AccountOut(BaseModel):
    account_id: str
    score: float = Field(description="The strongest signal's score (0 when none).")
    signals: int
    phases: list[Phase]
    detectors: list[str]
    operation_id: str | None = Field(description="The most confident operation it is part of.")
    operation_ids: list[str]
    targeted: bool = Field(description="Targeted by an operation (never true for viewers).")


class AccountDetail(AccountOut):
    evidence: list[SignalOut]


class AccountPage(BaseModel):
    total: int
    items: list[AccountOut]
    next_after: int | None = Field(description="Pass as `after` for the next page (score sort).")


class SignalPage(BaseModel):
    total: int
    items: list[SignalOut]
    next_after: int | None


class _Privacy:
    """The evidence cleaner for roles without target access, rebuilt when operations change."""

    def __init__(self, operations: OperationsFile | None) -> None:
        self._operations = operations
        self._lock = threading.Lock()
        self._for: tuple[Operation, ...] | None = None
        self._cleaner: SharedEvidence | None = None

    def cleaner(self) -> SharedEvidence:
        if self._operations is None:
            raise unavailable("no run folder configured (MERCWATCH_RUN_DIR)")
        try:
            ops = self._operations.all()
        except FileNotFoundError as exc:  # fail closed: no target list, no evidence
            raise unavailable("no operations yet: the run folder has none") from exc
        with self._lock:
            if self._for is not ops or self._cleaner is None:
                self._cleaner = SharedEvidence(
                    sorted({t for op in ops for t in op.targets}), defanged=False
                )
                self._for = ops
            return self._cleaner


def _signal(row: dict[str, Any], clean: SharedEvidence | None) -> SignalOut:
    subject, detail = str(row["subject"]), str(row["detail"])
    if clean is not None:
        subject, detail = clean.subject(subject), clean.text(detail)
    return SignalOut(
        detector=row["detector"],
        phase=Phase(row["phase"]),
        subject_type=row["subject_type"],
        subject=subject,
        score=row["score"],
        detail=detail,
    )


def _account(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "account_id": row["account_id"],
        "score": row["score"],
        "signals": row["signals"],
        "phases": [Phase(p) for p in row["phases"]],
        "detectors": list(row["detectors"]),
        "operation_id": row["operation_id"],
        "operation_ids": list(row["operation_ids"]),
        "targeted": bool(row["targeted"]),
    }


class _Source:
    """The run's tables and the privacy cleaner, with their HTTP errors."""

    def __init__(self, run_dir: Path | None, privacy: _Privacy) -> None:
        self.run_dir = run_dir
        self.privacy = privacy

    def tables(self) -> RunTables:
        if self.run_dir is None:
            raise unavailable("no run folder configured (MERCWATCH_RUN_DIR)")
        return RunTables(self.run_dir)

    def paged(self, read: Callable[[], Page]) -> Page:
        try:
            return read()
        except FileNotFoundError as exc:
            raise unavailable("no account tables yet: run `mercwatch run` again") from exc
        except KeysetNeedsDefaultSort as exc:
            raise HTTPException(422, str(exc)) from exc

    def cleaner_for(self, principal: Principal) -> SharedEvidence | None:
        """``None`` for roles that see targets; else the cleaner (503 without operations)."""
        return None if principal.role.sees_targets else self.privacy.cleaner()


def accounts_router(
    run_dir: Path | None, operations: OperationsFile | None, auth: Authenticator
) -> APIRouter:
    """``GET /accounts``, ``GET /accounts/{account_id}`` and ``GET /signals`` (viewer+)."""
    router = APIRouter(tags=["accounts"], responses=ERRORS)
    viewer = Depends(auth.require(Role.VIEWER))
    data = _Source(run_dir, _Privacy(operations))
    tables, paged, cleaner_for = data.tables, data.paged, data.cleaner_for

    @router.get("/accounts", response_model=AccountPage)
    def list_accounts(
        operation_id: Name = None,
        phase: Phase | None = None,
        detector: Name = None,
        min_score: MinScore = 0.0,
        sort: AccountSort = AccountSort.SCORE,
        offset: Offset = 0,
        after: After = None,
        limit: Limit = 100,
        principal: Principal = viewer,
    ) -> AccountPage:
        """Accounts that signals name or operations hold, strongest first by default.

        Page by ``offset``, or (score sort) by ``after`` = the previous ``next_after``.
        """
        hide = cleaner_for(principal) is not None  # no target list, no answer (fail closed)
        page = paged(
            lambda: tables().accounts(
                hide_targets=hide,
                operation_id=operation_id,
                phase=phase.value if phase else None,
                detector=detector,
                min_score=min_score,
                sort=sort,
                offset=offset,
                after=after,
                limit=limit,
            )
        )
        items = [AccountOut(**_account(r)) for r in page.rows]
        return AccountPage(total=page.total, items=items, next_after=page.next_after)

    @router.get("/accounts/{account_id}", response_model=AccountDetail)
    def get_account(
        account_id: Annotated[str, PathParam(min_length=1, max_length=_NAME)],
        principal: Principal = viewer,
    ) -> AccountDetail:
        """One account with every signal about it (its evidence), strongest first."""
        clean = cleaner_for(principal)
        hide = clean is not None
        try:
            row = tables().account(account_id, hide_targets=hide)
        except FileNotFoundError as exc:
            raise unavailable("no account tables yet: run `mercwatch run` again") from exc
        if row is None:
            raise not_found(f"no account {account_id!r} in the current run")
        page = paged(lambda: tables().signals(hide_targets=hide, account_id=account_id, limit=1000))
        evidence = [_signal(r, clean) for r in page.rows]
        return AccountDetail(**_account(row), evidence=evidence)

    @router.get("/signals", response_model=SignalPage)
    def list_signals(
        detector: Name = None,
        phase: Phase | None = None,
        account_id: Name = None,
        subject_type: Name = None,
        min_score: MinScore = 0.0,
        sort: SignalSort = SignalSort.SCORE,
        offset: Offset = 0,
        after: After = None,
        limit: Limit = 100,
        principal: Principal = viewer,
    ) -> SignalPage:
        """Detector signals (about accounts, domains, URLs, addresses), strongest first."""
        clean = cleaner_for(principal)
        page = paged(
            lambda: tables().signals(
                hide_targets=clean is not None,
                detector=detector,
                phase=phase.value if phase else None,
                account_id=account_id,
                subject_type=subject_type,
                min_score=min_score,
                sort=sort,
                offset=offset,
                after=after,
                limit=limit,
            )
        )
        items = [_signal(r, clean) for r in page.rows]
        return SignalPage(total=page.total, items=items, next_after=page.next_after)

    return router
