"""Server-side sessions, signed session cookies and CSRF tokens for the dashboard.

An analyst signs in once with an API key; the dashboard then gives the browser a
cookie holding only a random session id, signed with itsdangerous (HMAC, with an
expiry), so the key itself is never stored in the browser. Who the session is, its
CSRF token and a fingerprint of the key it was opened with live on the server
(:class:`SessionRegistry`): signing out deletes the record, so a copied cookie is dead
at once, and each request re-checks the fingerprint against the keys configured *now*,
so removing, re-issuing or demoting a key ends its sessions on their next request.
(A signed cookie alone cannot be revoked: it stays valid until it expires.)

The cookie is ``HttpOnly`` (no script can read it) and ``SameSite=Strict`` (no other
site can make the browser send it). Every form that changes something also carries a
per-session CSRF token, checked in constant time, so a forged request fails even in a
browser that ignores SameSite.

Sessions are kept in this process's memory: a restart signs everyone out, and the
dashboard must run as one process (``mercwatch serve`` does).
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.responses import Response

from mercwatch.auth.keys import Principal, Role

SESSION_COOKIE = "mw_session"
LOGIN_COOKIE = "mw_login"
_LOGIN_MAX_AGE = 15 * 60
MAX_SESSIONS = 10_000


@dataclass(frozen=True, slots=True)
class Session:
    """Who is signed in, and the token their forms must echo.

    Attributes:
        key_id, role: the key signed in with and its role at that time.
        csrf: the token every state-changing form must echo.
        sid: the random session id the cookie carries.
        key_fingerprint: :meth:`Authenticator.fingerprint` of the key at sign-in; the
            session is valid only while the configured key still has it.
    """

    key_id: str
    role: Role
    csrf: str
    sid: str = ""
    key_fingerprint: str = ""

    @property
    def principal(self) -> Principal:
        return Principal(self.key_id, self.role)

    def csrf_ok(self, presented: str | None) -> bool:
        """Whether a form's token is this session's (constant-time)."""
        return bool(presented) and hmac.compare_digest(self.csrf, str(presented))


def new_nonce() -> str:
    """A fresh random token for the sign-in form."""
    return secrets.token_urlsafe(24)


class SessionRegistry:
    """The live sessions, by id: what makes signing out and key removal take effect at once.

    Args:
        max_age: seconds a session lasts from sign-in.
        clock: seconds since some epoch (``time.monotonic``; tests pass their own).
        limit: the most live sessions kept; the oldest is dropped past it, so a flood of
            sign-ins cannot grow memory without bound.
    """

    def __init__(
        self,
        max_age: int,
        clock: Callable[[], float] = time.monotonic,
        limit: int = MAX_SESSIONS,
    ) -> None:
        self.max_age = max_age
        self._clock = clock
        self._limit = limit
        self._live: OrderedDict[str, tuple[Session, float]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._live)

    def add(self, session: Session) -> None:
        now = self._clock()
        with self._lock:
            self._live[session.sid] = (session, now + self.max_age)
            while self._live:
                oldest, (_, expires) = next(iter(self._live.items()))
                if expires > now and len(self._live) <= self._limit:
                    break
                del self._live[oldest]

    def get(self, sid: str) -> Session | None:
        """The live session with this id, or ``None`` (ended, expired or never made)."""
        with self._lock:
            found = self._live.get(sid)
            if found is None:
                return None
            if found[1] <= self._clock():
                del self._live[sid]
                return None
            return found[0]

    def drop(self, sid: str) -> None:
        with self._lock:
            self._live.pop(sid, None)

    def drop_key(self, key_id: str) -> int:
        """End every session of one key (the key was revoked); returns how many."""
        with self._lock:
            doomed = [sid for sid, (s, _) in self._live.items() if s.key_id == key_id]
            for sid in doomed:
                del self._live[sid]
        return len(doomed)


class SessionSigner:
    """Writes and reads the session and sign-in cookies; sessions live in a registry.

    Args:
        secret: the signing key (from settings or the environment, never from code).
        max_age: seconds a session lasts.
        secure: add the ``Secure`` flag (HTTPS only).
        registry: where live sessions are kept (default: a new one for ``max_age``).
    """

    def __init__(
        self,
        secret: str,
        max_age: int,
        secure: bool = True,
        registry: SessionRegistry | None = None,
    ) -> None:
        self._session = URLSafeTimedSerializer(secret, salt="mercwatch.web.session")
        self._login = URLSafeTimedSerializer(secret, salt="mercwatch.web.login")
        self.max_age = max_age
        self.secure = secure
        self.registry = registry or SessionRegistry(max_age)

    def start(self, response: Response, principal: Principal, key_fingerprint: str) -> Session:
        """Sign ``principal`` in: a new session record, CSRF token and cookie.

        Args:
            response: gets the cookie.
            principal: who signed in.
            key_fingerprint: the key's :meth:`Authenticator.fingerprint` now, so the
                session dies when the key is removed, re-issued or its role changes.
        """
        session = Session(
            principal.key_id,
            principal.role,
            secrets.token_urlsafe(32),
            secrets.token_urlsafe(32),
            key_fingerprint,
        )
        self.registry.add(session)
        self._set(response, SESSION_COOKIE, self._session.dumps({"s": session.sid}), self.max_age)
        return session

    def read(self, cookie: str | None) -> Session | None:
        """The live session a cookie names, or ``None``.

        ``None`` when the cookie is absent, forged, expired or malformed, or names a
        session that was ended (signed out, key revoked) or never existed here.
        """
        if not cookie:
            return None
        try:
            sid = self._session.loads(cookie, max_age=self.max_age)["s"]
        except (BadSignature, KeyError, TypeError, ValueError):
            return None
        return self.registry.get(sid) if isinstance(sid, str) else None

    def end(self, response: Response, session: Session | None = None) -> None:
        """Sign out: the server forgets the session and the browser drops the cookie."""
        if session is not None:
            self.registry.drop(session.sid)
        response.delete_cookie(
            SESSION_COOKIE, path="/", secure=self.secure, httponly=True, samesite="strict"
        )

    def set_login_nonce(self, response: Response, nonce: str) -> None:
        """Set the sign-in form's token (see :func:`new_nonce`) as a cookie too.

        The form must echo it (double submit), which stops another site from signing
        a victim in under the attacker's key.
        """
        self._set(response, LOGIN_COOKIE, self._login.dumps(nonce), _LOGIN_MAX_AGE)

    def login_nonce_ok(self, cookie: str | None, presented: str | None) -> bool:
        """Whether the sign-in form's token matches its cookie."""
        if not cookie or not presented:
            return False
        try:
            expected = str(self._login.loads(cookie, max_age=_LOGIN_MAX_AGE))
        except BadSignature:
            return False
        return hmac.compare_digest(expected, presented)

    def _set(self, response: Response, name: str, value: str, max_age: int) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path="/",
            secure=self.secure,
            httponly=True,
            samesite="strict",
        )
