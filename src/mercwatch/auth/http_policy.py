"""One HTTP policy for every response of every mercwatch app: security headers, body limit.

The REST API returns targeted people, the TAXII server shares indicators and the
dashboard shows both; each used to set (or not set) its own headers, so ``/api/*``
went out cacheable and sniffable while the dashboard was locked down. Here the policy
is one ASGI wrapper placed *outside* Starlette's error middleware of the outermost app
(:class:`SecureFastAPI`), so it also covers mounted sub-apps, 404s, 405s and the 500
page of an unhandled exception.

The same wrapper counts request-body bytes as they arrive and answers 413 as soon as
a body passes the limit: a declared ``Content-Length`` over the limit is refused at the
first read, before any byte is taken, and a chunked body is cut off at the first chunk
that crosses it, so nothing buffers a 600 MB upload just to find it too big.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HSTS = "max-age=63072000; includeSubDomains"
BASE_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def security_headers(*, hsts: bool) -> dict[str, str]:
    """The headers every response carries; HSTS only when the site is served over HTTPS.

    Args:
        hsts: add ``Strict-Transport-Security`` (on when session cookies are ``Secure``,
            which means the deployment is HTTPS; on plain-HTTP loopback it would only
            confuse browsers about ``localhost``).
    """
    headers = dict(BASE_HEADERS)
    if hsts:
        headers["Strict-Transport-Security"] = HSTS
    return headers


class BodyTooLarge(HTTPException):
    """A request body passed the limit; every app's HTTP-error handler renders it as 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body over {limit} bytes")
        self.limit = limit


class HttpPolicy:
    """ASGI wrapper: adds the security headers to every response and bounds request bodies.

    Args:
        app: the app to wrap (the whole middleware stack, errors included).
        headers: header names and values to add where the app did not set them.
        max_body: the largest request body accepted, in bytes.
    """

    def __init__(self, app: ASGIApp, headers: Mapping[str, str], max_body: int) -> None:
        self.app = app
        self.raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.raw if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        try:
            await self.app(scope, self._counting(receive, scope), send_with_headers)
        except BodyTooLarge:
            # Raised from a read outside any app's handlers (e.g. a form parsed in a
            # dependency of a sub-app without one): answer it here if nothing was sent.
            if started:
                raise
            await self._refuse(send_with_headers)

    def _counting(self, receive: Receive, scope: Scope) -> Receive:
        """``receive`` that raises :class:`BodyTooLarge` instead of passing the limit.

        A declared ``Content-Length`` over the limit raises on the first read, before
        a byte of the body is taken; the app that reads renders the 413 (TAXII as a
        TAXII error), and an app that never reads the body answers as it would.
        """
        seen = 0
        declared = _declared_length(scope)

        async def counted() -> Message:
            nonlocal seen
            if declared > self.max_body:
                raise BodyTooLarge(self.max_body)
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise BodyTooLarge(self.max_body)
            return message

        return counted

    async def _refuse(self, send: Send) -> None:
        body = json.dumps({"detail": f"request body over {self.max_body} bytes"}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _declared_length(scope: Scope) -> int:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0


class SecureFastAPI(FastAPI):
    """A FastAPI app whose whole middleware stack, error pages included, is wrapped in
    :class:`HttpPolicy`.

    ``add_middleware`` would place the policy *inside* Starlette's
    ``ServerErrorMiddleware``, so a 500 would go out without headers; overriding
    :meth:`build_middleware_stack` puts it outside.
    """

    def __init__(
        self, *, hsts: bool = False, max_body: int = 10 * 1024 * 1024, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.policy_headers = security_headers(hsts=hsts)
        self.max_body = max_body

    def build_middleware_stack(self) -> ASGIApp:
        return HttpPolicy(super().build_middleware_stack(), self.policy_headers, self.max_body)
