"""A TAXII 2.1 server (FastAPI) over a :class:`CollectionStore`.

The app serves discovery at its own root, so mounted at ``/taxii2`` (as the API app and
``mercwatch taxii serve`` do) discovery is ``/taxii2/`` and the one API root is
``/taxii2/<api_root>/``. Every response is ``application/taxii+json;version=2.1``,
errors included (TAXII error messages), and every endpoint needs an API key: readers
GET, writers also POST objects, admins also DELETE objects.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from mercwatch.auth.authenticator import Authenticator, Principal, Role
from mercwatch.auth.http_policy import SecureFastAPI
from mercwatch.auth.settings import ApiSettings
from mercwatch.errors import ConfigError, StateError
from mercwatch.intel import safe_json
from mercwatch.intel.taxii.query import BadFilter, ObjectFilter, Page, paginate, parse_limit, select
from mercwatch.intel.taxii.store import AddOutcome, CollectionNotFound, CollectionStore
from mercwatch.intel.taxii.versions import format_ts

TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"
_OBJECT_FILTERS = ("id", "type", "version", "spec_version")
_ONE_OBJECT_FILTERS = ("version", "spec_version")


class TaxiiResponse(JSONResponse):
    """JSON with the TAXII 2.1 media type, which TAXII clients check on every response."""

    media_type = TAXII_MEDIA_TYPE


def create_taxii_app(
    settings: ApiSettings,
    *,
    store: CollectionStore | None = None,
    authenticator: Authenticator | None = None,
) -> FastAPI:
    """Build the TAXII 2.1 app; mount it at ``/taxii2``.

    Args:
        settings: server settings (API root name, page size, body limit, keys).
        store: the collection store; defaults to ``settings.taxii_store``.
        authenticator: key checker; defaults to the keys in ``settings``.

    Raises:
        ConfigError: when no store folder or no API key is configured.
    """
    if store is None:
        if settings.taxii_store is None:
            raise ConfigError("no TAXII store folder configured (MERCWATCH_TAXII_STORE)")
        store = CollectionStore(settings.taxii_store)
    auth = authenticator or settings.authenticator()
    app = SecureFastAPI(
        hsts=bool(settings.hsts),
        max_body=settings.max_content_length,
        title="mercwatch TAXII 2.1",
        version="2.1",
        description=settings.taxii_description,
    )
    app.state.store = store
    _install_error_handlers(app)
    # Accept is checked per route, not app-wide, so /taxii2/docs still opens in a browser.
    router = APIRouter(default_response_class=TaxiiResponse, dependencies=[Depends(_check_accept)])
    _add_discovery_routes(router, settings, store, auth)
    _add_read_routes(router, settings, store, auth)
    _add_write_routes(router, settings, store, auth)
    app.include_router(router)
    return app


def create_taxii_server(settings: ApiSettings) -> FastAPI:
    """What ``mercwatch taxii serve`` runs: the TAXII app at ``/taxii2``, nothing else.

    The root app applies the same header policy and body limit as the full API server,
    so its 404s and errors carry them too.

    Raises:
        ConfigError: when no store folder or no API key is configured.
    """
    root = SecureFastAPI(
        hsts=bool(settings.hsts),
        max_body=settings.max_content_length,
        title="mercwatch TAXII",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    root.mount("/taxii2", create_taxii_app(settings))
    return root


# -- content negotiation -------------------------------------------------------------------


def _media_ok(value: str | None, *, wildcard: bool) -> bool:
    """Whether a header lists TAXII 2.1 JSON (``version`` absent or 2.1), or ``*/*``."""
    if not value:
        return wildcard
    for item in value.split(","):
        kind, *params = [p.strip().lower() for p in item.split(";")]
        args = dict(p.split("=", 1) for p in params if "=" in p)
        if args.get("q") in {"0", "0.0", "0.00", "0.000"}:
            continue
        if wildcard and kind in {"*/*", "application/*"}:
            return True
        if kind == "application/taxii+json" and args.get("version", "2.1") == "2.1":
            return True
    return False


def _check_accept(request: Request) -> None:
    if not _media_ok(request.headers.get("accept"), wildcard=True):
        raise HTTPException(406, f"this server speaks {TAXII_MEDIA_TYPE}")


# -- errors ----------------------------------------------------------------------------------


def _error(
    status: int, title: str, description: str, headers: Mapping[str, str] | None = None
) -> TaxiiResponse:
    body = {"title": title, "description": description, "http_status": str(status)}
    return TaxiiResponse(body, status_code=status, headers=dict(headers or {}))


def _install_error_handlers(app: FastAPI) -> None:
    titles = {
        400: "Bad Request",
        401: "Unauthorized",
        403: "Forbidden",
        404: "Not Found",
        405: "Method Not Allowed",
        406: "Not Acceptable",
        413: "Payload Too Large",
        415: "Unsupported Media Type",
        422: "Unprocessable Entity",
        429: "Too Many Requests",
    }

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> TaxiiResponse:
        return _error(
            exc.status_code, titles.get(exc.status_code, "Error"), str(exc.detail), exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> TaxiiResponse:
        return _error(400, "Bad Request", "; ".join(e["msg"] for e in exc.errors()))

    @app.exception_handler(BadFilter)
    async def bad_filter(_: Request, exc: BadFilter) -> TaxiiResponse:
        return _error(400, "Bad Request", str(exc))

    @app.exception_handler(CollectionNotFound)
    async def missing(_: Request, exc: CollectionNotFound) -> TaxiiResponse:
        return _error(404, "Not Found", str(exc))

    @app.exception_handler(StateError)
    async def broken(_: Request, exc: StateError) -> TaxiiResponse:
        return _error(500, "Internal Server Error", "the collection store failed")


# -- discovery, API root, collections, status ----------------------------------------------


def _add_discovery_routes(
    app: APIRouter, settings: ApiSettings, store: CollectionStore, auth: Authenticator
) -> None:
    root = f"/{settings.taxii_api_root}"
    reader = Depends(auth.require(Role.READER))

    @app.get("/", summary="TAXII server discovery")
    def discovery(request: Request, _: Principal = reader) -> dict[str, Any]:
        url = urljoin(str(request.url.replace(query=None)), f"{settings.taxii_api_root}/")
        data: dict[str, Any] = {
            "title": settings.taxii_title,
            "description": settings.taxii_description,
            "default": url,
            "api_roots": [url],
        }
        if settings.taxii_contact:
            data["contact"] = settings.taxii_contact
        return data

    @app.get(f"{root}/", summary="API root information")
    def api_root(_: Principal = reader) -> dict[str, Any]:
        return {
            "title": settings.taxii_title,
            "description": settings.taxii_description,
            "versions": [TAXII_MEDIA_TYPE],
            "max_content_length": settings.max_content_length,
        }

    @app.get(f"{root}/collections/", summary="Collections of this API root")
    def collections(principal: Principal = reader) -> dict[str, Any]:
        items = [_collection(i.to_dict(), principal) for i in store.collections()]
        return {"collections": items} if items else {}

    @app.get(f"{root}/collections/{{collection_id}}/", summary="One collection")
    def collection(collection_id: str, principal: Principal = reader) -> dict[str, Any]:
        return _collection(store.collection(collection_id).to_dict(), principal)

    @app.get(f"{root}/status/{{status_id}}/", summary="Status of an add-objects request")
    def get_status(status_id: str, _: Principal = reader) -> dict[str, Any]:
        found = store.status(status_id)
        if found is None:
            raise HTTPException(404, f"no status {status_id!r}")
        return found


def _collection(data: dict[str, Any], principal: Principal) -> dict[str, Any]:
    media = data.pop("media_types")
    data["can_read"] = principal.role.allows(Role.READER)
    data["can_write"] = principal.role.allows(Role.ANALYST)  # analysts add indicators
    data["media_types"] = media
    return data


# -- objects, manifest, versions -----------------------------------------------------------


def _add_read_routes(
    app: APIRouter, settings: ApiSettings, store: CollectionStore, auth: Authenticator
) -> None:
    base = f"/{settings.taxii_api_root}/collections/{{collection_id}}"
    reader = Depends(auth.require(Role.READER))
    page_size = settings.taxii_max_page_size

    @app.get(f"{base}/objects/", summary="Objects, filtered and paginated")
    def get_objects(collection_id: str, request: Request, _: Principal = reader) -> TaxiiResponse:
        page = _page(store, collection_id, request, _OBJECT_FILTERS, page_size)
        return _paged("objects", [r.obj for r in page.rows], page)

    @app.get(f"{base}/manifest/", summary="Manifest of objects, filtered and paginated")
    def get_manifest(collection_id: str, request: Request, _: Principal = reader) -> TaxiiResponse:
        page = _page(store, collection_id, request, _OBJECT_FILTERS, page_size)
        return _paged("objects", [r.manifest_entry() for r in page.rows], page)

    @app.get(f"{base}/objects/{{object_id}}/", summary="All stored versions of one object")
    def get_object(
        collection_id: str, object_id: str, request: Request, _: Principal = reader
    ) -> TaxiiResponse:
        page = _page(store, collection_id, request, _ONE_OBJECT_FILTERS, page_size, object_id)
        return _paged("objects", [r.obj for r in page.rows], page)

    @app.get(f"{base}/objects/{{object_id}}/versions/", summary="Versions of one object")
    def get_versions(
        collection_id: str, object_id: str, request: Request, _: Principal = reader
    ) -> TaxiiResponse:
        params = {**request.query_params, "match[version]": "all"}
        page = _page(
            store,
            collection_id,
            request,
            ("spec_version", "version"),
            page_size,
            object_id,
            params=params,
        )
        versions = sorted({format_ts(r.version) for r in page.rows})
        return _paged("versions", versions, page)


def _add_write_routes(
    app: APIRouter, settings: ApiSettings, store: CollectionStore, auth: Authenticator
) -> None:
    base = f"/{settings.taxii_api_root}/collections/{{collection_id}}"
    writer = Depends(auth.require(Role.ANALYST))  # adding indicators is analyst work
    admin = Depends(auth.require(Role.ADMIN))

    @app.delete(f"{base}/objects/{{object_id}}/", summary="Delete versions of one object")
    def delete_object(
        collection_id: str, object_id: str, request: Request, _: Principal = admin
    ) -> TaxiiResponse:
        params = {"match[version]": "all", **request.query_params}
        flt = ObjectFilter.from_params(params, allow=_ONE_OBJECT_FILTERS)
        doomed = select(_object_rows(store, collection_id, object_id), flt)
        store.delete_versions(collection_id, doomed)
        return TaxiiResponse({}, status_code=200)

    @app.post(f"{base}/objects/", status_code=202, summary="Add objects (analyst role and up)")
    async def add_objects(
        collection_id: str, request: Request, _: Principal = writer
    ) -> TaxiiResponse:
        await run_in_threadpool(store.collection, collection_id)  # 404 before the body
        envelope = await _read_envelope(
            request, settings.max_content_length, settings.max_json_depth
        )
        requested = datetime.now(UTC).replace(tzinfo=None)
        # Validation and the atomic rewrite take seconds for big envelopes: keep them
        # off the event loop so reads are served meanwhile.
        outcomes = await run_in_threadpool(store.add_objects, collection_id, envelope["objects"])
        status = _status_resource(requested, outcomes)
        await run_in_threadpool(store.save_status, status)
        return TaxiiResponse(status, status_code=202)


def _object_rows(store: CollectionStore, collection_id: str, object_id: str) -> list[Any]:
    rows = [r for r in store.versions(collection_id) if r.id == object_id]
    if not rows:
        raise HTTPException(404, f"no object {object_id!r} in this collection")
    return rows


def _page(
    store: CollectionStore,
    collection_id: str,
    request: Request,
    allow: tuple[str, ...],
    page_size: int,
    object_id: str | None = None,
    *,
    params: Mapping[str, str] | None = None,
) -> Page:
    query = dict(params if params is not None else request.query_params)
    flt = ObjectFilter.from_params(query, allow=allow)
    limit = parse_limit(query.get("limit"), page_size)
    rows = (
        _object_rows(store, collection_id, object_id)
        if object_id
        else store.versions(collection_id)
    )
    return paginate(select(rows, flt), limit, query.get("next"))


def _paged(key: str, items: list[Any], page: Page) -> TaxiiResponse:
    body: dict[str, Any] = {"more": page.more}
    if page.next:
        body["next"] = page.next
    if items:
        body[key] = items
    headers = {}
    first, last = page.date_added_first, page.date_added_last  # None exactly when no rows
    if first is not None and last is not None:
        headers["X-TAXII-Date-Added-First"] = format_ts(first)
        headers["X-TAXII-Date-Added-Last"] = format_ts(last)
    return TaxiiResponse(body, headers=headers)


async def _read_envelope(request: Request, max_length: int, max_depth: int) -> dict[str, Any]:
    """The POSTed envelope, read chunk by chunk and refused (413) once over ``max_length``.

    The body is never buffered past the limit: a declared ``Content-Length`` over it is
    refused before reading, and a chunked body at the first chunk that crosses it.
    """
    if not _media_ok(request.headers.get("content-type"), wildcard=False):
        raise HTTPException(415, f"send objects as {TAXII_MEDIA_TYPE}")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_length:
        raise HTTPException(413, f"body over {max_length} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_length:
            raise HTTPException(413, f"body over {max_length} bytes")
        chunks.append(chunk)
    body = b"".join(chunks)
    try:
        envelope = await run_in_threadpool(safe_json.loads, body, max_depth)
    except safe_json.JsonTooDeep as exc:
        raise HTTPException(400, f"body is not acceptable JSON: {exc}") from exc
    except ValueError as exc:
        raise HTTPException(400, f"body is not JSON: {exc}") from exc
    if not isinstance(envelope, dict) or not isinstance(envelope.get("objects"), list):
        raise HTTPException(422, "body must be a TAXII envelope with an 'objects' list")
    return envelope


def _status_resource(requested: datetime, outcomes: list[AddOutcome]) -> dict[str, Any]:
    def detail(o: AddOutcome) -> dict[str, str]:
        item = {"id": o.id, "version": o.version}
        if o.message:
            item["message"] = o.message
        return item

    successes = [detail(o) for o in outcomes if o.ok]
    failures = [detail(o) for o in outcomes if not o.ok]
    status: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "status": "complete",
        "request_timestamp": format_ts(requested),
        "total_count": len(outcomes),
        "success_count": len(successes),
        "failure_count": len(failures),
        "pending_count": 0,
    }
    if successes:
        status["successes"] = successes
    if failures:
        status["failures"] = failures
    return status
