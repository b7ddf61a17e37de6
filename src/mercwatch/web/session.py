"""Signed session cookies and CSRF tokens for the dashboard.

An analyst signs in once with an API key; the dashboard then keeps who they are in a
cookie signed with itsdangerous (HMAC, with an expiry), so the key itself is never
stored in the browser. The cookie is ``HttpOnly`` (no script can read it) and
``SameSite=Strict`` (no other site can make the browser send it). Every form that
changes something also carries a per-session CSRF token, checked in constant time,
so a forged request fails even in a browser that ignores SameSite.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.responses import Response

from mercwatch.api.keys import Principal, Role

SESSION_COOKIE = "mw_session"
LOGIN_COOKIE = "mw_login"
_LOGIN_MAX_AGE = 15 * 60


@dataclass(frozen=True, slots=True)
class Session:
    """Who is signed in, and the token their forms must echo."""

    key_id: str
    role: Role
    csrf: str

    @property
    def principal(self) -> Principal:
        return Principal(self.key_id, self.role)

    def csrf_ok(self, presented: str | None) -> bool:
        """Whether a form's token is this session's (constant-time)."""
        return bool(presented) and hmac.compare_digest(self.csrf, str(presented))


def new_nonce() -> str:
    """A fresh random token for the sign-in form."""
    return secrets.token_urlsafe(24)


class SessionSigner:
    """Writes and reads the session and sign-in cookies.

    Args:
        secret: the signing key (from settings or the environment, never from code).
        max_age: seconds a session lasts.
        secure: add the ``Secure`` flag (HTTPS only).
    """

    def __init__(self, secret: str, max_age: int, secure: bool = True) -> None:
        self._session = URLSafeTimedSerializer(secret, salt="mercwatch.web.session")
        self._login = URLSafeTimedSerializer(secret, salt="mercwatch.web.login")
        self.max_age = max_age
        self.secure = secure

    def start(self, response: Response, principal: Principal) -> Session:
        """Sign ``principal`` in: a fresh CSRF token and a new cookie."""
        session = Session(principal.key_id, principal.role, secrets.token_urlsafe(32))
        value = self._session.dumps(
            {"k": session.key_id, "r": session.role.value, "c": session.csrf}
        )
        self._set(response, SESSION_COOKIE, value, self.max_age)
        return session

    def read(self, cookie: str | None) -> Session | None:
        """The session in a cookie, or ``None`` when absent, forged, expired or malformed."""
        if not cookie:
            return None
        try:
            data = self._session.loads(cookie, max_age=self.max_age)
            return Session(str(data["k"]), Role(data["r"]), str(data["c"]))
        except (BadSignature, KeyError, TypeError, ValueError):
            return None

    def end(self, response: Response) -> None:
        """Sign out: the browser drops the cookie."""
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
