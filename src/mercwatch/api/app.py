"""The REST API app: ``/api/...`` for analysts and tools, TAXII 2.1 mounted at ``/taxii2``.

The analyst dashboard (:mod:`mercwatch.web`) is mounted at ``/``, last, and shares
this app's :class:`Authenticator` and run folder.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from mercwatch import __version__
from mercwatch.api.accounts import accounts_router
from mercwatch.api.indicators import indicators_router
from mercwatch.api.keys_api import keys_router
from mercwatch.api.notifications import notifications_router
from mercwatch.api.operations import OperationsFile, operations_router
from mercwatch.api.responses import ERRORS
from mercwatch.api.review import review_router
from mercwatch.api.runs import runs_router
from mercwatch.auth.authenticator import Authenticator
from mercwatch.auth.http_policy import SecureFastAPI
from mercwatch.auth.settings import ApiSettings, load_settings
from mercwatch.errors import StateError
from mercwatch.intel.taxii import server as taxii_server
from mercwatch.intel.taxii import store as taxii_store
from mercwatch.web import WebSettings, create_dashboard, load_web_settings


def create_app(
    settings: ApiSettings | None = None,
    *,
    authenticator: Authenticator | None = None,
    web: WebSettings | None = None,
) -> FastAPI:
    """Build the API app from settings (default: ``MERCWATCH_*`` environment variables).

    Args:
        settings: keys, run folder, TAXII store and limits.
        authenticator: overrides the keys in ``settings`` (tests, embedding).
        web: the dashboard's settings (state store, session secret); default: environment.

    Raises:
        ConfigError: when no API key is configured.
    """
    settings = settings or load_settings()
    web = web or load_web_settings()
    auth = authenticator or settings.authenticator()
    # One header policy and body limit for the API, TAXII and the dashboard alike, errors
    # and 404s included; HSTS when the deployment is HTTPS (its cookies are Secure).
    app = SecureFastAPI(
        hsts=settings.hsts if settings.hsts is not None else web.secure_cookies,
        max_body=settings.max_content_length,
        title="mercwatch API",
        version=__version__,
        description="Operations found by mercwatch, and its TAXII 2.1 server.",
    )
    app.state.settings = settings
    app.state.authenticator = auth
    source = OperationsFile(settings.run_dir / "operations.json") if settings.run_dir else None
    run_dir, state_url = settings.run_dir, web.state_url
    # Every /api route documents its refusals (401/403/404/409/413/422/503) in OpenAPI.
    for router in (
        operations_router(source, auth, state_url),
        review_router(state_url, auth),
        runs_router(run_dir, auth),
        accounts_router(run_dir, source, auth),
        notifications_router(run_dir, state_url, auth),
        indicators_router(source, state_url, auth),
        keys_router(settings, auth),
    ):
        app.include_router(router, prefix="/api", responses=ERRORS)
    taxii = settings.taxii_store is not None

    @app.get("/api/health", tags=["health"])
    async def health() -> dict[str, Any]:
        """Liveness for load balancers: no credentials needed, no data revealed.

        ``async`` on purpose: it runs on the event loop, so it answers even while every
        worker thread is busy (key checks and other sync routes use the thread pool).
        """
        return {
            "status": "ok",
            "version": __version__,
            "taxii": taxii,
            "operations": source is not None and source.path.exists(),
        }

    @app.exception_handler(StateError)
    async def state_error(_: Request, exc: StateError) -> JSONResponse:
        return JSONResponse({"detail": "the run folder holds unreadable data"}, status_code=500)

    if settings.taxii_store is not None:
        store = taxii_store.CollectionStore(settings.taxii_store)
        app.mount(
            "/taxii2", taxii_server.create_taxii_app(settings, store=store, authenticator=auth)
        )
    app.mount("/", create_dashboard(settings, auth, web))  # last: /api, /taxii2 match first
    return app
