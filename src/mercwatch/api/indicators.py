"""``/api/indicators``: read a peer's feed (import) and export in every format.

The same library calls as ``mercwatch intel import|export`` and ``mercwatch enforce
blocklists``, no second parser or writer:

- ``POST /indicators/import`` (analyst+): the body is one feed — a STIX 2.1 bundle, a
  MISP event (JSON), Meta's CSV/TSV/JSON or a plain list — read by
  :func:`mercwatch.intel.feeds.parse_feed` with the CLI's format detection and JSON
  depth limit; the answer is what ``intel import --json`` prints (counts, actors, every
  oddity). A body over ``max_content_length`` is cut off at that size: 413; one that
  is not UTF-8 or does not parse: 422. Nothing is stored: like the CLI verb, it says
  what a feed holds before anyone feeds it to a run (``mercwatch run --intel``).
- ``GET /indicators/export?format=`` (viewer+): ``stix``, ``misp``, ``csv`` (Meta's
  2023 layout), ``meta-csv`` (Meta's 2021 layout) and ``plain`` from the run's
  operations, with every target id passed as a sensitive term (the privacy gate of
  the exporters: values holding one are withheld); ``rpz`` and ``hosts`` are what is
  blocked now in the state store (infrastructure only, never a person).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from pydantic import BaseModel

from mercwatch.api.operations import OperationsFile
from mercwatch.api.responses import ERRORS, unavailable
from mercwatch.api.review import StoreSource
from mercwatch.auth.authenticator import Authenticator, Principal, Role
from mercwatch.enforce.blocklists import blocked_now, blocklist_texts
from mercwatch.errors import InputError, IntelFormatError
from mercwatch.intel.feeds import FORMATS, parse_feed
from mercwatch.intel.lifetime import IndicatorLifetime
from mercwatch.intel.meta_csv import export_csv_2021, export_csv_2023
from mercwatch.intel.misp import export_misp, misp_text
from mercwatch.intel.plain import export_plain
from mercwatch.intel.stix import export_stix, stix_text
from mercwatch.model import IndicatorType, Operation

#: The feed formats ``parse_feed`` knows, for the ``format`` query parameter.
_FEED_FORMAT = "^(" + "|".join(FORMATS) + ")$"

#: Days an unattributed indicator stays valid after last seen: ``intel export``'s default.
UNATTRIBUTED_VALID_DAYS = 365


class ExportFormat(StrEnum):
    STIX = "stix"
    MISP = "misp"
    CSV = "csv"
    META_CSV = "meta-csv"
    PLAIN = "plain"
    RPZ = "rpz"
    HOSTS = "hosts"


_MEDIA = {
    ExportFormat.STIX: "application/stix+json;version=2.1",
    ExportFormat.MISP: "application/json",
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.META_CSV: "text/csv; charset=utf-8",
    ExportFormat.PLAIN: "text/plain; charset=utf-8",
    ExportFormat.RPZ: "text/dns; charset=utf-8",
    ExportFormat.HOSTS: "text/plain; charset=utf-8",
}


class OddityOut(BaseModel):
    where: str
    value: str
    reason: str
    rejected: bool
    suggestion: str | None = None


class ImportOut(BaseModel):
    """What ``mercwatch intel import --json`` prints for one feed."""

    source: str
    format: str
    rows: int
    indicators: int
    by_type: dict[str, int]
    actors: list[str]
    rejected: int
    warnings: int
    revoked: int
    expired: int
    oddities: list[OddityOut]


_FEED_BODY = {
    "requestBody": {
        "required": True,
        "description": "One feed: STIX 2.1 bundle, MISP JSON, Meta CSV/TSV/JSON or a plain list.",
        "content": {
            "application/json": {"schema": {"type": ["object", "array"]}},
            "text/csv": {"schema": {"type": "string"}},
            "text/plain": {"schema": {"type": "string"}},
        },
    }
}


def indicators_router(
    operations: OperationsFile | None, state_url: str | None, auth: Authenticator
) -> APIRouter:
    """``POST /indicators/import`` (analyst) and ``GET /indicators/export`` (viewer)."""
    router = APIRouter(tags=["indicators"], responses=ERRORS)
    analyst = Depends(auth.require(Role.ANALYST))
    viewer = Depends(auth.require(Role.VIEWER))
    db = StoreSource(state_url)

    @router.post("/indicators/import", response_model=ImportOut, openapi_extra=_FEED_BODY)
    async def import_feed(
        request: Request,
        format: Annotated[
            str | None, Query(pattern=_FEED_FORMAT, description="Force a format.")
        ] = None,
        kind: Annotated[
            IndicatorType | None, Query(alias="type", description="Plain lists: every line is.")
        ] = None,
        actor: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
        _: Principal = analyst,
    ) -> ImportOut:
        """Read one feed and say what it holds: indicators, actors, every oddity."""
        raw = await request.body()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise HTTPException(422, f"the feed is not UTF-8 text: {exc}") from exc
        if not text.strip():
            raise HTTPException(422, "the feed is empty")
        try:
            feed = parse_feed(text, "request body", format=format, kind=kind, actor=actor)
        except (IntelFormatError, InputError) as exc:
            raise HTTPException(422, str(exc)) from exc
        return ImportOut(
            **feed.summary(),
            expired=len(feed.expired(datetime.now(UTC).replace(tzinfo=None))),
            oddities=[OddityOut(**o.to_dict()) for o in feed.oddities],
        )

    @router.get(
        "/indicators/export",
        response_class=Response,
        responses={200: {"content": {m.split(";")[0]: {} for m in _MEDIA.values()}}},
    )
    def export(
        format: ExportFormat,
        defanged: Annotated[bool, Query(description="plain: write evil[.]com.")] = False,
        _: Principal = viewer,
    ) -> Response:
        """The operations' shareable indicators, or what is blocked now (rpz, hosts)."""
        if format in (ExportFormat.RPZ, ExportFormat.HOSTS):
            texts = blocklist_texts(blocked_now(db.state()))
            text = texts["blocked.rpz" if format is ExportFormat.RPZ else "blocked.hosts"]
        else:
            text = _export(format, _operations(operations), defanged)
        return Response(text, media_type=_MEDIA[format])

    return router


def _operations(source: OperationsFile | None) -> list[Operation]:
    if source is None:
        raise unavailable("no run folder configured (MERCWATCH_RUN_DIR)")
    try:
        return list(source.all())
    except FileNotFoundError as exc:
        raise unavailable("no operations yet: the run folder has none") from exc


def _export(format: ExportFormat, ops: list[Operation], defanged: bool) -> str:
    """One export as ``intel export`` writes it; target ids are the sensitive terms."""
    terms = sorted({t for op in ops for t in op.targets})
    if format is ExportFormat.STIX:
        lifetime = IndicatorLifetime.from_days(
            named_actor=None, unattributed=UNATTRIBUTED_VALID_DAYS
        )
        return stix_text(export_stix(ops, sensitive=terms, lifetime=lifetime))
    if format is ExportFormat.MISP:
        return misp_text(export_misp(ops, sensitive=terms))
    if format is ExportFormat.CSV:
        return export_csv_2023(ops, sensitive=terms)
    if format is ExportFormat.META_CSV:
        return export_csv_2021(ops, sensitive=terms)
    return export_plain(ops, defanged=defanged, sensitive=terms)
