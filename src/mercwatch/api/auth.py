"""API keys with roles, for the REST API and the TAXII server.

A key is a public id plus a secret; only an scrypt hash of the secret is configured
(settings, environment or a secrets file), so a leaked configuration does not leak
access. A client presents it as HTTP Basic (``id`` / ``secret``, what TAXII clients
speak), as ``Authorization: Bearer id.secret`` or as ``X-API-Key: id.secret``.

Roles are ordered: ``reader`` may read, ``writer`` may also add objects, ``admin`` may
also see target identities. Missing or wrong credentials answer 401 with a
``WWW-Authenticate`` challenge; valid credentials without the role answer 403.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import (
    APIKeyHeader,
    HTTPAuthorizationCredentials,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
)

from mercwatch.api.keys import (  # re-exported: callers may import them from here
    ApiKey,
    Principal,
    Role,
    hash_secret,
    new_api_key,
    verify_secret,
)

__all__ = [
    "ApiKey",
    "Authenticator",
    "Principal",
    "Role",
    "hash_secret",
    "new_api_key",
    "verify_secret",
]

_CACHE_SIZE = 1024
CHALLENGE = 'Basic realm="mercwatch", Bearer'
_BASIC = HTTPBasic(auto_error=False, realm="mercwatch", description="key id / secret")
_BEARER = HTTPBearer(auto_error=False, description="`id.secret`")
_API_KEY = APIKeyHeader(name="X-API-Key", auto_error=False, description="`id.secret`")


class Authenticator:
    """Checks presented credentials against configured keys.

    scrypt is deliberately slow, so successful checks are remembered (as an HMAC of
    the secret under a per-process random key, never the secret) for later requests.
    """

    def __init__(self, keys: Iterable[ApiKey]) -> None:
        self._keys = {k.key_id: k for k in keys}
        self._pepper = secrets.token_bytes(32)
        self._dummy = hash_secret("not-a-key")
        self._verified: OrderedDict[tuple[str, bytes], Role] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._keys)

    def authenticate(self, key_id: str, secret: str) -> Principal | None:
        """The principal for a key id and secret, or ``None`` when they do not match."""
        fingerprint = (key_id, hmac.digest(self._pepper, secret.encode(), "sha256"))
        with self._lock:
            role = self._verified.get(fingerprint)
        key = self._keys.get(key_id)
        if role is not None and key is not None and key.role == role:
            return Principal(key_id, role)
        # Unknown ids still pay for one scrypt, so timing does not reveal valid ids.
        if not verify_secret(secret, key.secret_hash if key else self._dummy) or key is None:
            return None
        with self._lock:
            self._verified[fingerprint] = key.role
            while len(self._verified) > _CACHE_SIZE:
                self._verified.popitem(last=False)
        return Principal(key_id, key.role)

    def require(self, role: Role) -> Callable[..., Principal]:
        """A FastAPI dependency that admits callers holding ``role`` (or a higher one).

        The three credential forms are declared as FastAPI security schemes, so the
        OpenAPI document tells clients how to authenticate.
        """

        def dependency(
            request: Request,
            basic: Annotated[HTTPBasicCredentials | None, Depends(_BASIC)],
            bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)],
            header: Annotated[str | None, Depends(_API_KEY)],
        ) -> Principal:
            principal = self._check(basic, bearer.credentials if bearer else header)
            if principal is None:
                raise HTTPException(
                    status.HTTP_401_UNAUTHORIZED,
                    "valid credentials required",
                    headers={"WWW-Authenticate": CHALLENGE},
                )
            if not principal.role.allows(role):
                raise HTTPException(status.HTTP_403_FORBIDDEN, f"role {role.value!r} required")
            request.state.principal = principal
            return principal

        return dependency

    def _check(self, basic: HTTPBasicCredentials | None, token: str | None) -> Principal | None:
        if basic is not None:
            return self.authenticate(basic.username, basic.password)
        if token:
            key_id, sep, secret = token.partition(".")
            return self.authenticate(key_id, secret) if sep else None
        return None
