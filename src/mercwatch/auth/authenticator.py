"""API keys with roles, for the REST API and the TAXII server.

A key is a public id plus a secret; only an scrypt hash of the secret is configured
(settings, environment or a secrets file), so a leaked configuration does not leak
access. A client presents it as HTTP Basic (``id`` / ``secret``, what TAXII clients
speak; the password may also be the whole ``id.secret``), as
``Authorization: Bearer id.secret`` or as ``X-API-Key: id.secret``.

Roles are ordered (see :class:`~mercwatch.auth.keys.Role`): ``viewer`` < ``analyst`` <
``reviewer`` < ``admin``; the first release's ``reader`` / ``writer`` still parse.
Missing or wrong credentials answer 401 with a ``WWW-Authenticate`` challenge; valid
credentials without the role answer 403; too many failed attempts from one client (or
from everyone) answer 429 with ``Retry-After``, before any scrypt is run.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import (
    APIKeyHeader,
    HTTPAuthorizationCredentials,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
)

from mercwatch.auth.keys import (  # re-exported: callers may import them from here
    ApiKey,
    Principal,
    Role,
    hash_secret,
    new_api_key,
    verify_secret,
)
from mercwatch.auth.throttle import FailureLimiter, TooManyAttempts
from mercwatch.errors import ConfigError

__all__ = [
    "ApiKey",
    "Authenticator",
    "Principal",
    "Role",
    "TooManyAttempts",
    "hash_secret",
    "new_api_key",
    "verify_secret",
]

_CACHE_SIZE = 1024
CHALLENGE = 'Basic realm="mercwatch", Bearer'
_BASIC = HTTPBasic(
    auto_error=False,
    realm="mercwatch",
    description="user: the key id; password: the whole `id.secret` credential (or its secret)",
)
_BEARER = HTTPBearer(auto_error=False, description="`id.secret`")
_API_KEY = APIKeyHeader(name="X-API-Key", auto_error=False, description="`id.secret`")
log = logging.getLogger(__name__)


class Authenticator:
    """Checks presented credentials against the keys configured *now*.

    scrypt is deliberately slow, so successful checks are remembered (as an HMAC of
    the secret under a per-process random key, never the secret, bound to the key's
    hash) for later requests. Checks that may fail are budgeted per client and in
    total (:class:`~mercwatch.auth.throttle.FailureLimiter`): past the budget a request
    is refused without running scrypt, so a bad-key flood cannot starve the server.

    Keys can change while the server runs: :meth:`replace_keys` / :meth:`revoke`, or a
    keys file that is re-read whenever it changes on disk. A removed or re-issued key
    stops working on the next request, cached checks and dashboard sessions included.

    Args:
        keys: the keys to admit.
        limiter: failure budgets (default: :class:`FailureLimiter` defaults).
        keys_file: a file whose change on disk triggers ``reload``.
        reload: returns the full key list again (``ApiSettings.all_keys``).
    """

    def __init__(
        self,
        keys: Iterable[ApiKey],
        *,
        limiter: FailureLimiter | None = None,
        keys_file: Path | None = None,
        reload: Callable[[], list[ApiKey]] | None = None,
    ) -> None:
        self._keys = {k.key_id: k for k in keys}
        self._pepper = secrets.token_bytes(32)
        self._dummy = hash_secret("not-a-key")
        self._verified: OrderedDict[tuple[str, str, bytes], Role] = OrderedDict()
        self._lock = threading.Lock()
        self.limiter = limiter or FailureLimiter()
        self._keys_file = keys_file
        self._reload = reload
        self._stamp = _file_stamp(keys_file) if keys_file else None

    def __len__(self) -> int:
        return len(self._current())

    # -- the key set ------------------------------------------------------------------

    def replace_keys(self, keys: Iterable[ApiKey]) -> None:
        """Admit exactly ``keys`` from now on; cached checks of other keys are forgotten."""
        with self._lock:
            self._keys = {k.key_id: k for k in keys}
            self._verified.clear()

    def revoke(self, key_id: str) -> bool:
        """Stop admitting one key at once; returns whether it was configured."""
        with self._lock:
            found = self._keys.pop(key_id, None) is not None
            self._verified.clear()
        return found

    def key(self, key_id: str) -> ApiKey | None:
        """The key configured under ``key_id`` now (after re-reading a changed keys file)."""
        return self._current().get(key_id)

    def fingerprint(self, key_id: str) -> str | None:
        """A digest of the key's hash and role, or ``None`` when the key is not configured.

        Sessions remember it at sign-in and compare it on every request: it changes
        when the key is removed, re-issued with a new secret or given another role.
        """
        key = self.key(key_id)
        if key is None:
            return None
        material = f"{key.key_id}\0{key.role.value}\0{key.secret_hash}".encode()
        return hmac.digest(self._pepper, material, "sha256").hex()

    def _current(self) -> dict[str, ApiKey]:
        if self._keys_file is not None and self._reload is not None:
            stamp = _file_stamp(self._keys_file)
            if stamp != self._stamp:
                self._reload_keys(stamp)
        return self._keys

    def _reload_keys(self, stamp: tuple[int, int, int] | None) -> None:
        assert self._reload is not None
        try:
            keys = self._reload()
        except ConfigError as exc:
            # Fail closed: a half-written or broken file must not keep a revoked key alive.
            log.error("API keys: %s; admitting no key until the file is fixed", exc)
            keys = []
        self.replace_keys(keys)
        self._stamp = stamp

    # -- checking -------------------------------------------------------------------------

    def authenticate(self, key_id: str, secret: str, client: str = "?") -> Principal | None:
        """The principal for a key id and secret, or ``None`` when they do not match.

        Args:
            key_id, secret: what the caller presented.
            client: who is calling (their address), for the failure budget.

        Raises:
            TooManyAttempts: the client (or everyone) made too many failed attempts;
                no scrypt was run.
        """
        key = self._current().get(key_id)
        fingerprint = (
            key_id,
            key.secret_hash if key else "",
            hmac.digest(self._pepper, secret.encode(), "sha256"),
        )
        with self._lock:
            role = self._verified.get(fingerprint)
        if role is not None and key is not None and key.role == role:
            return Principal(key_id, role)
        self.limiter.reserve(client)
        # Unknown ids still pay for one scrypt, so timing does not reveal valid ids.
        if not verify_secret(secret, key.secret_hash if key else self._dummy) or key is None:
            return None
        self.limiter.succeeded(client)
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
            client = request.client.host if request.client else "?"
            try:
                principal = self._check(basic, bearer.credentials if bearer else header, client)
            except TooManyAttempts as exc:
                raise HTTPException(
                    status.HTTP_429_TOO_MANY_REQUESTS,
                    str(exc),
                    headers={"Retry-After": str(exc.retry_after)},
                ) from exc
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

    def _check(
        self, basic: HTTPBasicCredentials | None, token: str | None, client: str
    ) -> Principal | None:
        if basic is not None:
            key_id, secret = basic_pair(basic.username, basic.password)
            return self.authenticate(key_id, secret, client) if key_id else None
        if token:
            key_id, sep, secret = token.partition(".")
            return self.authenticate(key_id, secret, client) if sep else None
        return None


def basic_pair(username: str, password: str) -> tuple[str, str]:
    """The key id and secret that HTTP Basic credentials stand for.

    ``keygen`` hands out one credential, ``id.secret``, and it must work as given
    everywhere: so Basic accepts user ``id`` with password ``id.secret`` (the whole
    credential, what people paste) as well as the bare ``secret``, and the whole
    credential as user name with an empty password (``curl -u id.secret:``). A
    secret never contains a dot (URL-safe base64), so the forms cannot be confused;
    a credential naming another key id than the user name is refused (empty id).
    """
    if not password and "." in username:
        key_id, _, secret = username.partition(".")
        return key_id, secret
    if "." in password:
        key_id, _, secret = password.partition(".")
        return (key_id, secret) if key_id == username else ("", "")
    return username, password


def _file_stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)
