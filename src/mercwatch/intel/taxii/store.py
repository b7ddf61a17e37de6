"""A durable TAXII collection store: one JSON file per collection, written atomically.

Why a folder of JSON files and not a database: shared indicator sets are small (thousands
of objects, not millions), an operator can read, back up and diff them with ordinary
tools, and an atomic ``os.replace`` after ``fsync`` gives crash safety without a server.
Writers take an ``fcntl`` lock so several server processes (uvicorn workers, the
``taxii publish`` verb) can share one folder; readers reload a file when it changes.

Every stored row is one *version* of one STIX object with the time the server added it
(``date_added``). Those times are strictly increasing inside a collection, so a client
that remembers the last ``X-TAXII-Date-Added-Last`` never misses or repeats an object.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import stix2
from stix2.exceptions import STIXError

from mercwatch.errors import IntelFormatError, StateError
from mercwatch.intel.taxii.validate import check_common
from mercwatch.intel.taxii.versions import SPEC_VERSIONS, format_ts, parse_ts

SCHEMA_VERSION = 1
STIX_MEDIA_TYPE = "application/stix+json;version={}"
_ALIAS_NAMESPACE = uuid.UUID("5b3a4cde-3c27-4b8e-9a06-4c8f6a0f5b1e")


class CollectionNotFound(StateError):
    """No collection with that id or alias exists in the store."""

    def __init__(self, collection: str) -> None:
        super().__init__(f"no TAXII collection {collection!r}")
        self.collection = collection


@dataclass(frozen=True, slots=True)
class CollectionInfo:
    """The TAXII collection resource, without the caller-specific ``can_*`` flags."""

    id: str
    title: str
    description: str = ""
    alias: str | None = None
    media_types: tuple[str, ...] = (STIX_MEDIA_TYPE.format("2.1"),)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "title": self.title}
        if self.description:
            data["description"] = self.description
        if self.alias:
            data["alias"] = self.alias
        data["media_types"] = list(self.media_types)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CollectionInfo:
        return cls(
            id=data["id"],
            title=data["title"],
            description=data.get("description", ""),
            alias=data.get("alias"),
            media_types=tuple(data.get("media_types", (STIX_MEDIA_TYPE.format("2.1"),))),
        )


@dataclass(frozen=True, slots=True)
class StoredVersion:
    """One version of one STIX object as held by a collection.

    Attributes:
        seq: position in the collection, strictly increasing; pagination cursors use it.
        date_added: when this server added the version (UTC, microseconds).
        version: the object's ``modified``, else ``created``, else ``date_added``.
        spec_version: STIX spec of the object (``2.0`` or ``2.1``).
        obj: the object exactly as received.
    """

    seq: int
    date_added: datetime
    version: datetime
    spec_version: str
    obj: dict[str, Any] = field(compare=False)

    @property
    def id(self) -> str:
        return str(self.obj["id"])

    @property
    def type(self) -> str:
        return str(self.obj["type"])

    def manifest_entry(self) -> dict[str, str]:
        return {
            "id": self.id,
            "date_added": format_ts(self.date_added),
            "version": format_ts(self.version),
            "media_type": STIX_MEDIA_TYPE.format(self.spec_version),
        }


@dataclass(frozen=True, slots=True)
class AddOutcome:
    """What happened to one object of an add request (a TAXII status detail)."""

    id: str
    version: str
    ok: bool
    message: str = ""


@dataclass(frozen=True, slots=True)
class _Snapshot:
    info: CollectionInfo
    rows: tuple[StoredVersion, ...]
    stamp: tuple[int, int, int]


class CollectionStore:
    """TAXII collections kept under ``root`` (``collections/<id>.json``, ``status/<id>.json``).

    Args:
        root: folder to keep the collections in; created if missing.
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self._dir = self.root / "collections"
        self._status_dir = self.root / "status"
        try:
            self._dir.mkdir(parents=True, exist_ok=True)
            self._status_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StateError(f"cannot create TAXII store at {self.root}: {exc}") from exc
        self._lock = threading.RLock()
        self._cache: dict[str, _Snapshot] = {}

    # -- collections ---------------------------------------------------------------

    def create_collection(
        self,
        title: str,
        *,
        alias: str | None = None,
        description: str = "",
        collection_id: str | None = None,
    ) -> CollectionInfo:
        """Create a collection, or return the existing one with the same id or alias.

        Without ``collection_id`` the id is derived from the alias (or title), so
        publishing twice into "mercwatch" lands in the same collection.
        """
        key = alias or title
        cid = collection_id or str(uuid.uuid5(_ALIAS_NAMESPACE, key))
        with self._write_lock():
            for info in self.collections():
                if info.id == cid or (alias and info.alias == alias):
                    return info
            info = CollectionInfo(id=cid, title=title, description=description, alias=alias)
            self._write_collection(info, ())
        return info

    def collections(self) -> list[CollectionInfo]:
        """All collections, sorted by title then id."""
        infos = [self._load(path.stem).info for path in self._dir.glob("*.json")]
        return sorted(infos, key=lambda i: (i.title, i.id))

    def collection(self, id_or_alias: str) -> CollectionInfo:
        """One collection by id or alias.

        Raises:
            CollectionNotFound: when neither matches.
        """
        return self._resolve(id_or_alias).info

    def versions(self, id_or_alias: str) -> tuple[StoredVersion, ...]:
        """Every stored object version of a collection, in ``date_added`` order."""
        return self._resolve(id_or_alias).rows

    # -- writing ---------------------------------------------------------------------

    def add_objects(
        self, id_or_alias: str, objects: Iterable[Mapping[str, Any]]
    ) -> list[AddOutcome]:
        """Validate and append object versions; a version already held is not added twice.

        Each object is checked with ``stix2.parse`` (custom properties allowed); an
        invalid one is reported as a failure and the others are still stored.
        """
        with self._write_lock():
            snap = self._resolve(id_or_alias)
            held = {(r.id, r.version) for r in snap.rows}
            rows = list(snap.rows)
            clock = _Clock(rows[-1].date_added if rows else None)
            outcomes = []
            for obj in objects:
                outcome, row = _admit(obj, held, clock, rows[-1].seq + 1 if rows else 1)
                outcomes.append(outcome)
                if row is not None:
                    rows.append(row)
                    held.add((row.id, row.version))
            if len(rows) != len(snap.rows):
                self._write_collection(_media_types(snap.info, rows), rows)
        return outcomes

    def add_bundle(self, id_or_alias: str, bundle: Mapping[str, Any] | str) -> list[AddOutcome]:
        """Add every object of a STIX bundle (a dict, a ``stix2.Bundle`` or JSON text)."""
        data = _bundle_dict(bundle)
        return self.add_objects(id_or_alias, data.get("objects", []))

    def delete_versions(self, id_or_alias: str, doomed: Iterable[StoredVersion]) -> int:
        """Remove the given stored versions (picked by the TAXII filters); returns how many."""
        drop = {r.seq for r in doomed}
        with self._write_lock():
            snap = self._resolve(id_or_alias)
            rows = [r for r in snap.rows if r.seq not in drop]
            removed = len(snap.rows) - len(rows)
            if removed:
                self._write_collection(snap.info, rows)
        return removed

    # -- status resources --------------------------------------------------------------

    def save_status(self, status: Mapping[str, Any]) -> None:
        """Persist a TAXII status resource so it can be fetched later by id."""
        _atomic_write(self._status_dir / f"{_safe_name(status['id'])}.json", dict(status))

    def status(self, status_id: str) -> dict[str, Any] | None:
        """A saved status resource, or ``None``."""
        path = self._status_dir / f"{_safe_name(status_id)}.json"
        try:
            return dict(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise StateError(f"cannot read TAXII status {path}: {exc}") from exc

    # -- internals ----------------------------------------------------------------------

    def _resolve(self, id_or_alias: str) -> _Snapshot:
        name = _safe_name(id_or_alias)
        if (self._dir / f"{name}.json").exists():
            return self._load(name)
        for path in self._dir.glob("*.json"):
            snap = self._load(path.stem)
            if snap.info.alias == id_or_alias:
                return snap
        raise CollectionNotFound(id_or_alias)

    def _load(self, cid: str) -> _Snapshot:
        path = self._dir / f"{cid}.json"
        try:
            st = path.stat()
            stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
            with self._lock:
                cached = self._cache.get(cid)
            if cached is not None and cached.stamp == stamp:
                return cached
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise CollectionNotFound(cid) from exc
        except (OSError, ValueError) as exc:
            raise StateError(f"cannot read TAXII collection {path}: {exc}") from exc
        snap = _Snapshot(
            CollectionInfo.from_dict(data["collection"]),
            tuple(_row_from_dict(r) for r in data["objects"]),
            stamp,
        )
        with self._lock:
            self._cache[cid] = snap
        return snap

    def _write_collection(self, info: CollectionInfo, rows: Iterable[StoredVersion]) -> None:
        data = {
            "schema_version": SCHEMA_VERSION,
            "collection": info.to_dict(),
            "objects": [_row_to_dict(r) for r in rows],
        }
        _atomic_write(self._dir / f"{_safe_name(info.id)}.json", data)

    @contextmanager
    def _write_lock(self) -> Iterator[None]:
        with self._lock, open(self.root / ".lock", "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


class _Clock:
    """Hands out strictly increasing ``date_added`` times, never before the last one."""

    def __init__(self, last: datetime | None) -> None:
        self._last = last

    def next(self) -> datetime:
        now = datetime.now(UTC).replace(tzinfo=None)
        if self._last is not None and now <= self._last:
            now = self._last + timedelta(microseconds=1)
        self._last = now
        return now


def _admit(
    obj: Mapping[str, Any], held: set[tuple[str, datetime]], clock: _Clock, seq: int
) -> tuple[AddOutcome, StoredVersion | None]:
    """Validate one object; return its status detail and the row to store (or None).

    The common properties are checked strictly first (:func:`check_common`: custom
    types get no other check); a version already held is then recognised before the
    (slow, pattern-parsing) ``stix2`` check, so re-publishing a feed costs little.
    """
    oid = str(obj.get("id", ""))[:300] if isinstance(obj, Mapping) else ""
    try:
        spec = check_common(obj)
        stamp = obj.get("modified") or obj.get("created")
        version = parse_ts(stamp) if stamp else None
        if version is not None and (oid, version) in held:
            return AddOutcome(oid, format_ts(version), True, "version already held"), None
        stix2.parse(dict(obj), allow_custom=True, version=spec)
    except (STIXError, ValueError, TypeError) as exc:
        return AddOutcome(oid, "", False, str(exc)[:300]), None
    date_added = clock.next()
    version = version or date_added
    row = StoredVersion(seq, date_added, version, spec, dict(obj))
    return AddOutcome(oid, format_ts(version), True), row


def _media_types(info: CollectionInfo, rows: Iterable[StoredVersion]) -> CollectionInfo:
    """The collection's media types: what it had, plus its rows' STIX versions.

    Only supported versions count, so a value stored before objects were validated
    (``version={'x': 1}``) is dropped at the next write instead of being kept forever.
    """
    valid = {STIX_MEDIA_TYPE.format(v) for v in SPEC_VERSIONS}
    types = dict.fromkeys(t for t in info.media_types if t in valid)
    for row in rows:
        if row.spec_version in SPEC_VERSIONS:
            types.setdefault(STIX_MEDIA_TYPE.format(row.spec_version))
    return replace(info, media_types=tuple(types) or (STIX_MEDIA_TYPE.format("2.1"),))


def _bundle_dict(bundle: Mapping[str, Any] | str) -> dict[str, Any]:
    try:
        if isinstance(bundle, str):
            data = json.loads(bundle)
        elif hasattr(bundle, "serialize"):  # a stix2 Bundle object
            data = json.loads(bundle.serialize())
        else:
            data = json.loads(json.dumps(bundle))
    except (ValueError, TypeError) as exc:
        raise IntelFormatError("bundle", f"not JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("type") != "bundle":
        raise IntelFormatError("bundle", "not a STIX bundle (type must be 'bundle')")
    if not isinstance(data.get("objects", []), list):
        raise IntelFormatError("bundle", "'objects' must be a list")
    return data


def _row_to_dict(row: StoredVersion) -> dict[str, Any]:
    return {
        "seq": row.seq,
        "date_added": format_ts(row.date_added),
        "version": format_ts(row.version),
        "spec_version": row.spec_version,
        "object": row.obj,
    }


def _row_from_dict(data: Mapping[str, Any]) -> StoredVersion:
    return StoredVersion(
        seq=int(data["seq"]),
        date_added=parse_ts(data["date_added"]),
        version=parse_ts(data["version"]),
        spec_version=str(data["spec_version"]),
        obj=data["object"],
    )


def _safe_name(name: str) -> str:
    """Collection ids become file names: refuse anything that could leave the folder."""
    if not name or any(c in name for c in "/\\\0") or name.startswith("."):
        raise CollectionNotFound(name)
    return name


def _atomic_write(path: Path, data: Mapping[str, Any]) -> None:
    """Write JSON next to ``path``, fsync it, then rename over: readers never see half."""
    tmp = ""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, separators=(",", ":"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        raise StateError(f"cannot write {path}: {exc}") from exc
