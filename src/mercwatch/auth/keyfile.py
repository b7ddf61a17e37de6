"""Add a key to a keys file, so ``keygen`` leaves a file a server can start from.

The file is the one ``--keys-file`` / ``MERCWATCH_KEYS_FILE`` names (JSON or YAML: a
list of records or ``{"keys": [...]}``). Adding reads what is there, refuses an id
that is already configured, and replaces the file atomically (write a sibling, then
rename) under an exclusive lock, so two ``keygen`` runs at once cannot lose a key and
a crash never leaves half a file — a running server re-reads the file on change and
would otherwise admit nobody (it fails closed on a broken file).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from mercwatch.auth.keys import ApiKey, Role, new_api_key
from mercwatch.errors import ConfigError

_YAML_SUFFIXES = {".yaml", ".yml"}


def add_key(path: Path, key_id: str, role: Role, label: str = "") -> tuple[str, ApiKey]:
    """Make a key, add its hashed record to ``path`` (created if missing).

    Returns:
        The credential ``id.secret`` (to hand over once; only its hash is stored)
        and the record written.

    Raises:
        ConfigError: the file is unreadable or malformed, or ``key_id`` is taken.
    """
    with _locked(path):
        records = _read_records(path)
        if any(isinstance(r, dict) and r.get("id") == key_id for r in records):
            raise ConfigError(
                f"keys file {path}: key id {key_id!r} is already configured "
                "(pick another id, or delete its record to re-issue it)"
            )
        token, key = new_api_key(key_id, role, label)
        created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        records.append(
            {
                "id": key.key_id,
                "role": key.role.value,
                "hash": key.secret_hash,
                "label": label,
                "created": created,
            }
        )
        _write_atomically(path, records)
    return token, key


def _read_records(path: Path) -> list[Any]:
    if not path.exists():
        return []
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"keys file {path}: {exc}") from exc
    if data is None:
        return []
    if isinstance(data, dict) and isinstance(data.get("keys"), list):
        data = data["keys"]
    if isinstance(data, list):
        for number, record in enumerate(data, 1):
            _check_record(path, number, record)
        return list(data)
    raise ConfigError(f"keys file {path}: expected a list of keys or {{'keys': [...]}}")


def _write_atomically(path: Path, records: list[Any]) -> None:
    document = {"keys": records}
    if path.suffix.lower() in _YAML_SUFFIXES:
        text = yaml.safe_dump(document, sort_keys=False)
    else:
        text = json.dumps(document, indent=2) + "\n"  # JSON is also YAML
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)  # hashes only, but nobody else needs to read them
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path``'s sibling lock file (the file itself is replaced)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path.with_name(f".{path.name}.lock"), "a")  # noqa: SIM115
    except OSError as exc:
        raise ConfigError(f"keys file {path}: {exc}") from exc
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _check_record(path: Path, number: int, record: Any) -> None:
    """Refuse to add to a file the server would refuse, naming the bad record."""
    try:
        if not isinstance(record, dict):
            raise ConfigError("not a mapping")
        ApiKey(str(record["id"]), Role(record["role"]), str(record["hash"]))
    except (KeyError, ValueError, ConfigError) as exc:
        raise ConfigError(f"keys file {path}: key #{number}: {exc!s} is wrong") from exc


def list_records(path: Path) -> list[dict[str, str]]:
    """The keys recorded in ``path``: id, role, label and created (never the hash).

    Raises:
        ConfigError: the file is unreadable or malformed (naming the bad record).
    """
    return [
        {
            "id": str(r["id"]),
            "role": Role(r["role"]).value,
            "label": str(r.get("label") or ""),
            "created": str(r.get("created") or ""),
        }
        for r in _read_records(path)
    ]


def remove_key(path: Path, key_id: str, *, keep_an_admin: bool = True) -> ApiKey | None:
    """Delete ``key_id``'s record from ``path`` (atomically, under the lock).

    A running server re-reads the file on change, so the key stops working (and its
    dashboard sessions end) on the next request.

    Args:
        keep_an_admin: refuse to remove the file's last admin key, so nobody can
            lock everyone out of key management.

    Returns:
        The removed key, or ``None`` when no record had that id.

    Raises:
        ConfigError: the file is malformed, or removing would leave no admin.
    """
    with _locked(path):
        records = _read_records(path)
        kept = [r for r in records if r.get("id") != key_id]
        if len(kept) == len(records):
            return None
        (gone,) = [r for r in records if r.get("id") == key_id]
        last_admin = not any(Role(r["role"]) is Role.ADMIN for r in kept)
        if keep_an_admin and Role(gone["role"]) is Role.ADMIN and last_admin:
            raise LastAdminKey(f"keys file {path}: {key_id!r} is the last admin key")
        _write_atomically(path, kept)
    return ApiKey(str(gone["id"]), Role(gone["role"]), str(gone["hash"]))


class LastAdminKey(ConfigError):
    """Removing this key would leave no admin key in the file."""
