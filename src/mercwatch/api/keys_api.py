"""``/api/keys`` (admin only): list, create and revoke API keys in the keys file.

The same calls as ``mercwatch keygen`` (:func:`mercwatch.auth.keyfile.add_key`): the
file keeps only scrypt hashes, a new credential ``id.secret`` is returned once and
never again, and every change replaces the file atomically under a lock. The server
re-reads the file when it changes, so a revoked key (and its dashboard sessions)
stops working on the next request; the running authenticator is also told at once.

Keys configured elsewhere (``MERCWATCH_API_KEYS``) are listed but read-only: they can
only be changed where they are configured (409).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from mercwatch.api.responses import ERRORS, not_found, unavailable
from mercwatch.auth.authenticator import Authenticator, Principal, Role
from mercwatch.auth.keyfile import add_key, list_records, remove_key
from mercwatch.auth.settings import ApiSettings
from mercwatch.errors import ConfigError

KeyId = Annotated[str, PathParam(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


class KeyOut(BaseModel):
    """A key as listed: never its secret or hash."""

    id: str
    role: Role
    label: str
    source: str = Field(description="`file` (managed here) or `settings` (read-only).")
    created: str = Field("", description="When the record was written (keys file, UTC).")


class KeyIn(BaseModel):
    id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    role: Role
    label: str = Field(default="", max_length=200)


class NewKeyOut(KeyOut):
    credential: str = Field(description="`id.secret`: shown once; only its hash is kept.")


def _keys_file(settings: ApiSettings) -> Path:
    if settings.keys_file is None:
        raise unavailable("no keys file configured (MERCWATCH_KEYS_FILE)")
    return settings.keys_file


def _conflict(exc: ConfigError) -> HTTPException:
    return HTTPException(status.HTTP_409_CONFLICT, str(exc))


def keys_router(settings: ApiSettings, auth: Authenticator) -> APIRouter:
    """``GET /keys``, ``POST /keys``, ``DELETE /keys/{key_id}``."""
    router = APIRouter(tags=["keys"], responses=ERRORS)
    admin = Depends(auth.require(Role.ADMIN))
    fixed = {k.id for k in settings.api_keys}

    @router.get("/keys", response_model=list[KeyOut])
    def keys(_: Principal = admin) -> list[KeyOut]:
        """Every configured key: id, role, label and where it is configured."""
        out = [
            KeyOut(id=k.id, role=k.role, label=k.label, source="settings", created="")
            for k in settings.api_keys
        ]
        if settings.keys_file is not None:
            try:
                recorded = list_records(settings.keys_file)
            except ConfigError as exc:
                raise _conflict(exc) from exc
            out += [KeyOut.model_validate({**r, "source": "file"}) for r in recorded]
        return out

    @router.post("/keys", response_model=NewKeyOut, status_code=201)
    def create(body: KeyIn, _: Principal = admin) -> NewKeyOut:
        """Create a key in the keys file; the answer holds its credential, once."""
        path = _keys_file(settings)
        if body.id in fixed:
            raise HTTPException(status.HTTP_409_CONFLICT, f"key id {body.id!r} is taken")
        try:
            token, key = add_key(path, body.id, body.role, body.label)
        except ConfigError as exc:
            raise _conflict(exc) from exc
        created = next(r["created"] for r in list_records(path) if r["id"] == key.key_id)
        return NewKeyOut(
            id=key.key_id,
            role=key.role,
            label=key.label,
            source="file",
            created=created,
            credential=token,
        )

    @router.delete("/keys/{key_id}", status_code=204)
    def revoke(key_id: KeyId, _: Principal = admin) -> None:
        """Revoke a key: it and its sessions stop working on the next request."""
        if key_id in fixed:
            raise HTTPException(
                status.HTTP_409_CONFLICT, f"key {key_id!r} is configured in settings, not the file"
            )
        try:
            removed = remove_key(_keys_file(settings), key_id)
        except ConfigError as exc:  # LastAdminKey too
            raise _conflict(exc) from exc
        if removed is None:
            raise not_found(f"no key {key_id!r} in the keys file")
        auth.revoke(key_id)

    return router
