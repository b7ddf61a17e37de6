"""``/api/runs``: the kept versions of the run folder, each with its files and summary.

Viewer and up: a summary holds counts only, never who was targeted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi import Path as PathParam
from pydantic import BaseModel

from mercwatch.api.responses import ERRORS, not_found, unavailable
from mercwatch.auth.authenticator import Authenticator, Principal, Role
from mercwatch.queries.runs import RunInfo, list_runs, run_info


class RunFileOut(BaseModel):
    name: str
    bytes: int


class RunOut(BaseModel):
    run_id: str
    current: bool
    files: list[RunFileOut]
    summary: dict[str, Any]


def _out(run: RunInfo) -> RunOut:
    return RunOut(
        run_id=run.run_id,
        current=run.current,
        files=[RunFileOut(name=f.name, bytes=f.bytes) for f in run.files],
        summary=run.summary,
    )


def runs_router(run_dir: Path | None, auth: Authenticator) -> APIRouter:
    """``GET /runs`` (newest first) and ``GET /runs/{run_id}``."""
    router = APIRouter(tags=["runs"], responses=ERRORS)
    viewer = Depends(auth.require(Role.VIEWER))

    def folder() -> Path:
        if run_dir is None:
            raise unavailable("no run folder configured (MERCWATCH_RUN_DIR)")
        return run_dir

    @router.get("/runs", response_model=list[RunOut])
    def runs(_: Principal = viewer) -> list[RunOut]:
        """Every kept run (``OUT/.runs/NNNNNN``), newest first; ``current`` is the published one."""
        return [_out(r) for r in list_runs(folder())]

    @router.get("/runs/{run_id}", response_model=RunOut)
    def one_run(
        run_id: Annotated[str, PathParam(pattern=r"^[0-9]{1,12}$")], _: Principal = viewer
    ) -> RunOut:
        """One run by its number (``000007`` or ``7``)."""
        found = run_info(folder(), run_id)
        if found is None:
            raise not_found(f"no kept run {run_id!r}")
        return _out(found)

    return router
