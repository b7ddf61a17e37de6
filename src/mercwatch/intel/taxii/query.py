"""TAXII 2.1 filtering (section 3.4) and pagination over a collection's stored versions.

Pure functions over :class:`StoredVersion` tuples, so the semantics are tested without
HTTP. The order the filters apply in matters and follows the spec's meaning:

1. ``match[id]`` and ``match[type]`` pick objects;
2. ``match[spec_version]`` picks versions by STIX spec; without it only the latest spec
   each object exists in is kept;
3. ``match[version]`` picks ``first``, ``last`` (default), ``all`` or exact versions
   among what is left of each object;
4. ``added_after`` then keeps versions added after that instant, so an incremental
   client sees an object again exactly when a newer version arrived.

Pagination uses an opaque ``next`` cursor holding the last row's ``seq``: stateless, so
it survives restarts and several server processes, and stable while objects are added.
"""

from __future__ import annotations

import base64
import binascii
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from mercwatch.errors import MercwatchError
from mercwatch.intel.taxii.store import StoredVersion
from mercwatch.intel.taxii.versions import parse_ts, spec_key

_VERSION_WORDS = frozenset({"first", "last", "all"})
_CURSOR_PREFIX = "mw1:"


class BadFilter(MercwatchError):
    """A query parameter of a TAXII request is malformed (the server answers 400)."""

    def __init__(self, parameter: str, reason: str) -> None:
        super().__init__(f"{parameter}: {reason}")
        self.parameter = parameter
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ObjectFilter:
    """The TAXII filters of one request; empty sets mean "no restriction"."""

    added_after: datetime | None = None
    ids: frozenset[str] = frozenset()
    types: frozenset[str] = frozenset()
    spec_versions: frozenset[str] = frozenset()
    versions: frozenset[str] = frozenset({"last"})

    @classmethod
    def from_params(cls, params: Mapping[str, str], *, allow: Iterable[str] = ()) -> ObjectFilter:
        """Build from query parameters; ``allow`` lists the ``match[...]`` names accepted.

        Raises:
            BadFilter: on an unknown ``match[...]`` or a malformed value.
        """
        allowed = set(allow)
        for name in params:
            if name.startswith("match[") and name[6:-1] not in allowed:
                raise BadFilter(name, "filter not supported on this endpoint")
        versions = _split(params.get("match[version]")) or frozenset({"last"})
        for value in versions - _VERSION_WORDS:
            _timestamp("match[version]", value)
        return cls(
            added_after=_timestamp("added_after", params["added_after"])
            if params.get("added_after")
            else None,
            ids=_split(params.get("match[id]")),
            types=_split(params.get("match[type]")),
            spec_versions=_split(params.get("match[spec_version]")),
            versions=versions,
        )


@dataclass(frozen=True, slots=True)
class Page:
    """One page of results, in ``date_added`` order."""

    rows: tuple[StoredVersion, ...]
    more: bool
    next: str | None

    @property
    def date_added_first(self) -> datetime | None:
        return self.rows[0].date_added if self.rows else None

    @property
    def date_added_last(self) -> datetime | None:
        return self.rows[-1].date_added if self.rows else None


def select(rows: Sequence[StoredVersion], flt: ObjectFilter) -> list[StoredVersion]:
    """Apply the TAXII filters; the result keeps ``rows``' (``date_added``) order."""
    picked = [r for r in rows if _matches_object(r, flt)]
    picked = _by_spec(picked, flt.spec_versions)
    keep = _by_version(picked, flt.versions)
    if flt.added_after is not None:
        keep = {r.seq for r in picked if r.seq in keep and r.date_added > flt.added_after}
    return [r for r in picked if r.seq in keep]


def paginate(rows: Sequence[StoredVersion], limit: int, cursor: str | None) -> Page:
    """Cut ``rows`` (sorted by ``seq``) into the page after ``cursor`` of at most ``limit``."""
    start = 0
    if cursor:
        after = decode_cursor(cursor)
        start = next((i for i, r in enumerate(rows) if r.seq > after), len(rows))
    chunk = tuple(rows[start : start + limit])
    more = start + limit < len(rows)
    return Page(chunk, more, encode_cursor(chunk[-1].seq) if more and chunk else None)


def parse_limit(raw: str | None, maximum: int) -> int:
    """The page size a client asked for, capped at the server's ``maximum``.

    Raises:
        BadFilter: when ``limit`` is not a positive integer.
    """
    if raw is None or raw == "":
        return maximum
    try:
        value = int(raw)
    except ValueError as exc:
        raise BadFilter("limit", f"not an integer: {raw!r}") from exc
    if value < 1:
        raise BadFilter("limit", "must be at least 1")
    return min(value, maximum)


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{seq}".encode()).decode().rstrip("=")


def decode_cursor(token: str) -> int:
    """The ``seq`` a ``next`` token points after.

    Raises:
        BadFilter: when the token was not made by this server.
    """
    try:
        padded = token + "=" * (-len(token) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
        if not text.startswith(_CURSOR_PREFIX):
            raise ValueError("wrong prefix")
        return int(text[len(_CURSOR_PREFIX) :])
    except (ValueError, binascii.Error, UnicodeError) as exc:
        raise BadFilter("next", "not a cursor this server issued") from exc


def _matches_object(row: StoredVersion, flt: ObjectFilter) -> bool:
    return (not flt.ids or row.id in flt.ids) and (not flt.types or row.type in flt.types)


def _by_spec(rows: list[StoredVersion], wanted: frozenset[str]) -> list[StoredVersion]:
    if wanted:
        return [r for r in rows if r.spec_version in wanted]
    latest: dict[str, tuple[int, ...]] = {}
    for r in rows:
        key = spec_key(r.spec_version)
        latest[r.id] = max(latest.get(r.id, key), key)
    return [r for r in rows if spec_key(r.spec_version) == latest[r.id]]


def _by_version(rows: list[StoredVersion], wanted: frozenset[str]) -> set[int]:
    """The ``seq`` of each row picked by ``match[version]``."""
    if "all" in wanted:
        return {r.seq for r in rows}
    groups: dict[str, list[StoredVersion]] = defaultdict(list)
    for r in rows:
        groups[r.id].append(r)
    exact = {parse_ts(v) for v in wanted - _VERSION_WORDS}
    keep: set[int] = set()
    for versions in groups.values():
        if "first" in wanted:
            keep.add(min(versions, key=lambda r: (r.version, r.seq)).seq)
        if "last" in wanted:
            keep.add(max(versions, key=lambda r: (r.version, r.seq)).seq)
        keep.update(r.seq for r in versions if r.version in exact)
    return keep


def _split(raw: str | None) -> frozenset[str]:
    if not raw:
        return frozenset()
    return frozenset(part.strip() for part in raw.split(",") if part.strip())


def _timestamp(parameter: str, value: str) -> datetime:
    try:
        return parse_ts(value)
    except ValueError as exc:
        raise BadFilter(parameter, f"not an RFC 3339 UTC timestamp: {value!r}") from exc
