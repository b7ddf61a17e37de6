"""The refusals every ``/api`` route documents in OpenAPI, and the 503 for missing data.

:data:`ERRORS` adds 422 to the review module's list with a schema that fits both forms
a 422 takes here: FastAPI's list of validation errors and a one-line reason (a feed
that does not parse, a cursor with the wrong sort).
"""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, status
from pydantic import BaseModel

from mercwatch.api.review import ERRORS as _REVIEW_ERRORS


class InvalidOut(BaseModel):
    detail: str | list[dict[str, Any]]


ERRORS: dict[int | str, dict[str, Any]] = {
    **_REVIEW_ERRORS,
    422: {"model": InvalidOut, "description": "Invalid parameters or body."},
}


def unavailable(why: str) -> HTTPException:
    """503: the data a route serves is not there (no run folder, no run yet, no store)."""
    return HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, why)


def not_found(what: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, what)
