"""Pull a peer's TAXII 2.1 collection, every page, into one STIX 2.1 bundle file.

Built on taxii2-client (``ApiRoot``/``Server``, ``as_pages``) so paging, media types
and the spec's quirks are handled by the reference client. Each object is checked with
``stix2`` before it is written: one broken object in a peer's feed is counted and
skipped, it never spoils the whole pull. The server's ``X-TAXII-Date-Added-Last`` is
reported so the next pull can ask only for what is new (``--added-after``).

A peer is not trusted to end: one that always answers ``more: true`` used to keep a
pull looping forever. Every pull is bounded (:class:`PullLimits`) in pages, objects,
total time, time per request and (decompressed) bytes per response, and each response
is refused if its JSON nests deeper than
:data:`~mercwatch.intel.safe_json.DEFAULT_MAX_DEPTH` (it would crash the JSON parser).
Reaching a bound is :class:`PullLimitReached`; nothing is written then.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import stix2
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase, HTTPBasicAuth
from stix2.exceptions import STIXError
from taxii2client.common import _HTTPConnection  # the documented ``conn=`` argument's type
from taxii2client.exceptions import TAXIIServiceException
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

from mercwatch.errors import ConfigError, InputError, IntelFormatError
from mercwatch.intel.safe_json import DEFAULT_MAX_DEPTH, depth_exceeds
from mercwatch.intel.taxii.validate import InvalidStixObject, check_common
from mercwatch.intel.taxii.versions import parse_ts


@dataclass(frozen=True, slots=True)
class PullResult:
    """What a pull brought in.

    Attributes:
        path: the bundle file written.
        objects: objects written to it.
        skipped: objects left out (invalid STIX, or not STIX 2.1), with the first reasons.
        pages: TAXII responses read.
        date_added_last: the server's last ``date_added`` seen; pass it as
            ``added_after`` next time. ``None`` when nothing new came.
    """

    path: Path
    objects: int
    skipped: int
    pages: int
    date_added_last: str | None
    skip_reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PullLimits:
    """How far one pull may go before it stops with :class:`PullLimitReached`.

    Attributes:
        max_pages: TAXII responses read.
        max_objects: objects received (valid or not).
        max_seconds: wall-clock time for the whole pull.
        request_timeout: seconds to connect, and between bytes of a response.
        max_depth: deepest JSON nesting accepted in a response.
        max_response_bytes: the largest response body read (counted as it arrives).
    """

    max_pages: int = 10_000
    max_objects: int = 1_000_000
    max_seconds: float = 3600.0
    request_timeout: float = 60.0
    max_depth: int = DEFAULT_MAX_DEPTH
    max_response_bytes: int = 256 * 1024 * 1024


class PullLimitReached(InputError):
    """The peer kept sending past a :class:`PullLimits` bound; nothing was written."""


class _TimeoutAdapter(HTTPAdapter):
    """Gives every request a timeout (taxii2-client sets none, so a silent peer hangs)."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout

    # ignore[override]: this forwards **kwargs unchanged instead of repeating send()'s
    # parameters, whose annotation types live in a private requests module (not in 2.31).
    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        kwargs["timeout"] = kwargs.get("timeout") or self.timeout
        return super().send(request, **kwargs)


def _read_bounded(response: requests.Response, max_bytes: int) -> None:
    """Read the body chunk by chunk, refusing it once it passes ``max_bytes``."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        response.close()
        raise PullLimitReached(response.url, f"response of {declared} bytes is over {max_bytes}")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > max_bytes:
            response.close()
            raise PullLimitReached(response.url, f"response over {max_bytes} bytes")
        chunks.append(chunk)
    response._content = b"".join(chunks)  # what ``response.content`` would have read


class _HeaderWatch(AuthBase):
    """requests auth hook: adds Basic credentials (if any), records TAXII headers and
    refuses responses nested too deep for the JSON parser."""

    def __init__(self, user: str | None, password: str | None, limits: PullLimits) -> None:
        self._basic = HTTPBasicAuth(user, password or "") if user else None
        self.date_added_last: str | None = None
        self.max_depth = limits.max_depth
        self.max_bytes = limits.max_response_bytes

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if self._basic is not None:
            request = self._basic(request)
        request.register_hook("response", self._watch)
        return request

    def _watch(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        # Response hooks run before requests reads the body, so it can be bounded here.
        _read_bounded(response, self.max_bytes)
        if response.ok and depth_exceeds(response.content, self.max_depth):
            raise PullLimitReached(
                response.url, f"response JSON nested deeper than {self.max_depth} levels"
            )
        last = response.headers.get("X-TAXII-Date-Added-Last")
        if last and response.ok:
            self.date_added_last = last


def pull_collection(
    url: str,
    collection: str,
    out: Path,
    *,
    added_after: str | None = None,
    user: str | None = None,
    password: str | None = None,
    per_request: int = 500,
    all_versions: bool = False,
    verify: bool = True,
    limits: PullLimits | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> PullResult:
    """Fetch every object of ``collection`` from a TAXII 2.1 server into ``out``.

    Args:
        url: the server's API root URL, or its discovery URL (ending in ``/taxii2/``).
        collection: the collection's id, alias or title.
        out: the STIX 2.1 bundle file to write (atomically).
        added_after: only objects the server added after this RFC 3339 UTC time.
        user, password: HTTP Basic credentials (for mercwatch: key id and secret).
        per_request: page size asked for; the server may cap it.
        all_versions: every version of each object instead of the latest only.
        verify: check the server's TLS certificate.
        limits: bounds on pages, objects and time (default: :class:`PullLimits`).
        clock: seconds, for the time bound (tests pass their own).

    Raises:
        ConfigError: a bad ``added_after``.
        PullLimitReached: the peer went past a bound (nothing is written).
        InputError: the server cannot be reached, refuses us, or lacks the collection.
    """
    limits = limits or PullLimits()
    if added_after:
        try:
            parse_ts(added_after)
        except ValueError as exc:
            raise ConfigError(f"--added-after: {exc}") from exc
    watch = _HeaderWatch(user, password, limits)
    conn = _HTTPConnection(verify=verify, version="2.1", auth=watch)
    adapter = _TimeoutAdapter(limits.request_timeout)
    conn.session.mount("http://", adapter)
    conn.session.mount("https://", adapter)
    budget = _Budget(url, limits, clock)
    try:
        found = _find_collection(url, collection, conn)
        objects, skipped, pages = _collect(found, per_request, added_after, all_versions, budget)
    except requests.HTTPError as exc:
        code = exc.response.status_code if exc.response is not None else "?"
        raise InputError(url, f"TAXII server answered HTTP {code}") from exc
    except (requests.RequestException, TAXIIServiceException) as exc:
        raise InputError(url, f"TAXII request failed: {exc}") from exc
    _write_bundle(out, objects)
    reasons = tuple(dict.fromkeys(skipped))[:5]
    return PullResult(out, len(objects), len(skipped), pages, watch.date_added_last, reasons)


class _Budget:
    """Counts pages and objects against :class:`PullLimits` and watches the clock."""

    def __init__(self, url: str, limits: PullLimits, clock: Callable[[], float]) -> None:
        self.url = url
        self.limits = limits
        self.clock = clock
        self.deadline = clock() + limits.max_seconds
        self.pages = 0
        self.objects = 0

    def page(self, objects: int, more: bool) -> None:
        """Count one response; stop when over a bound and the peer still has more."""
        self.pages += 1
        self.objects += objects
        lim = self.limits
        if self.objects > lim.max_objects:
            self._stop(f"more than {lim.max_objects} objects (--max-objects)")
        if more and self.pages >= lim.max_pages:
            self._stop(f"{lim.max_pages} pages and the peer still says more (--max-pages)")
        if more and self.clock() > self.deadline:
            self._stop(f"{lim.max_seconds:g} s and the peer still says more (--max-seconds)")

    def _stop(self, what: str) -> None:
        raise PullLimitReached(
            self.url,
            f"stopped after {what}; nothing was written. Raise the limit, or narrow the "
            "pull with --added-after if the peer's collection really is that large.",
        )


def _find_collection(url: str, wanted: str, conn: _HTTPConnection) -> Collection:
    base = url if url.endswith("/") else url + "/"
    if base.endswith("/taxii2/"):
        server = Server(base, conn=conn)
        found = [server.default] if server.default else list(server.api_roots)
        # The API roots a Server makes open their own connections, without our
        # timeouts and response checks: reopen each on ours.
        roots = [ApiRoot(r.url, conn=conn) for r in found]
    else:
        roots = [ApiRoot(base, conn=conn)]
    for root in roots:
        for coll in root.collections:
            if wanted in (coll.id, coll.alias, coll.title):
                if not coll.can_read:
                    raise InputError(url, f"collection {wanted!r} is not readable by this key")
                return coll
    raise InputError(url, f"no collection {wanted!r} on this TAXII server")


def _collect(
    coll: Collection,
    per_request: int,
    added_after: str | None,
    all_versions: bool,
    budget: _Budget,
) -> tuple[list[Any], list[str], int]:
    filters: dict[str, Any] = {}
    if added_after:
        filters["added_after"] = added_after
    if all_versions:
        filters["version"] = "all"
    objects: list[Any] = []
    skipped: list[str] = []
    pages = 0
    for envelope in as_pages(coll.get_objects, per_request=per_request, **filters):
        pages += 1
        raw = envelope.get("objects", [])
        raw = raw if isinstance(raw, list) else [raw]
        budget.page(len(raw), bool(envelope.get("more", False)))
        for obj, reason in _parse_all(raw):
            if reason:
                skipped.append(reason)
            else:
                objects.append(obj)
    return objects, skipped, pages


def _parse_all(raw: list[Any]) -> Iterator[tuple[Any, str]]:
    for item in raw:
        try:
            spec = check_common(item)
        except InvalidStixObject as exc:
            name = item.get("id", item.get("type", "?")) if isinstance(item, dict) else "?"
            yield None, f"{str(name)[:120]}: {exc}"
            continue
        if spec != "2.1":
            yield None, f"{item.get('id', item['type'])}: STIX {spec}, not 2.1"
            continue
        try:
            yield stix2.parse(item, allow_custom=True, version="2.1"), ""
        except STIXError as exc:
            yield None, f"{item.get('id', item['type'])}: {exc}"


def _write_bundle(out: Path, objects: list[Any]) -> None:
    try:
        bundle = (
            stix2.v21.Bundle(objects=objects, allow_custom=True)
            if objects
            else stix2.v21.Bundle(allow_custom=True)
        )
    except STIXError as exc:
        raise IntelFormatError(str(out), f"cannot build the bundle: {exc}") from exc
    tmp = ""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(bundle.serialize(pretty=False))
        os.replace(tmp, out)
    except OSError as exc:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        raise ConfigError(f"cannot write the bundle to {out}: {exc}") from exc
