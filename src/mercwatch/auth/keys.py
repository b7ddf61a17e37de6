"""API keys and roles, without any web framework (the CLI's ``keygen`` needs only this).

A key is a public id plus a secret; only an scrypt hash of the secret is ever
configured, so a leaked configuration does not leak access.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

from mercwatch.errors import ConfigError

_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class Role(StrEnum):
    """What a key may do; each role includes the ones before it.

    - ``viewer`` reads operations, accounts and indicators, never a target's identity;
    - ``analyst`` reads everything (target identities included) and proposes: adds
      indicators (TAXII objects), queues actions for review;
    - ``reviewer`` also decides enforcement (approve / reject) and reverses on appeal;
    - ``admin`` also manages keys.

    The names of the first release still parse, so existing keys files keep working:
    ``reader`` is ``viewer``; ``writer`` is ``reviewer`` (a writer key could already
    decide reviews in the dashboard, so it keeps every power it had and gains reading
    target identities, which deciding on evidence needs). The old names stay as
    aliases in code (``Role.READER is Role.VIEWER``).
    """

    VIEWER = "viewer"
    ANALYST = "analyst"
    REVIEWER = "reviewer"
    ADMIN = "admin"
    # Aliases of the first release's names (Enum aliases: same members).
    READER = "viewer"
    WRITER = "reviewer"

    @classmethod
    def _missing_(cls, value: object) -> Role | None:
        legacy = _LEGACY_ROLES.get(str(value).lower()) if isinstance(value, str) else None
        return cls(legacy) if legacy else None

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank

    @property
    def sees_targets(self) -> bool:
        """Whether this role may see who was targeted (``viewer`` never does)."""
        return self.allows(Role.ANALYST)


#: First-release role names, accepted in keys files and on the command line.
_LEGACY_ROLES = {"reader": "viewer", "writer": "reviewer"}


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A configured key: never the secret, only its hash."""

    key_id: str
    role: Role
    secret_hash: str
    label: str = ""

    def __post_init__(self) -> None:
        if not _KEY_ID.match(self.key_id):
            raise ConfigError(f"API key id {self.key_id!r}: use 1-64 of A-Z a-z 0-9 _ -")
        if not self.secret_hash.startswith("scrypt$"):
            raise ConfigError(f"API key {self.key_id!r}: hash must come from hash_secret()")


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, once authenticated."""

    key_id: str
    role: Role


def hash_secret(secret: str, *, salt: bytes | None = None) -> str:
    """scrypt-hash a secret as ``scrypt$n$r$p$salt$hash`` (base64), for the key list."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, dklen=32, **_SCRYPT)
    parts = [str(_SCRYPT[k]) for k in ("n", "r", "p")]
    return "$".join(["scrypt", *parts, _b64(salt), _b64(digest)])


def verify_secret(secret: str, encoded: str) -> bool:
    """Constant-time check of ``secret`` against a :func:`hash_secret` string."""
    try:
        _, n, r, p, salt, digest = encoded.split("$")
        expected = _unb64(digest)
        got = hashlib.scrypt(
            secret.encode(), salt=_unb64(salt), dklen=32, n=int(n), r=int(r), p=int(p)
        )
    except (ValueError, binascii.Error):
        return False
    return hmac.compare_digest(got, expected)


def new_api_key(key_id: str, role: Role, label: str = "") -> tuple[str, ApiKey]:
    """Make a fresh key: returns the token to hand over once and the record to configure."""
    secret = secrets.token_urlsafe(32)
    record = ApiKey(key_id, role, hash_secret(secret), label)
    return f"{key_id}.{secret}", record


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)
