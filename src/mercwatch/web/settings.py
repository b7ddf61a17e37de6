"""Settings of the analyst dashboard, from arguments or ``MERCWATCH_*`` variables.

The dashboard shares the API's keys and run folder (:class:`mercwatch.api.ApiSettings`);
what it adds is where the state store is, where the platform export is (to show the
operation accounts' profiles) and how sessions are signed.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from mercwatch.errors import ConfigError

MIN_SECRET_CHARS = 32


class WebSettings(BaseSettings):
    """What the dashboard needs beyond the API settings.

    Attributes:
        state_url: SQLAlchemy URL (or SQLite path) of the state store: review queue,
            audit log, outbox (``MERCWATCH_STATE_URL``, the variable the CLI reads).
        export_dir: the platform export the run read; when set, operation accounts
            show their display name, bio and employer, and the operation graph its
            edges (shared use, from the ``events`` table).
        session_secret: key that signs session cookies (``MERCWATCH_SESSION_SECRET``).
            When unset a random one is made at start. Sessions themselves live in the
            server's memory (so sign-out and key removal end them at once), so they
            end on restart either way.
        session_max_age: seconds a sign-in lasts.
        secure_cookies: mark the cookie ``Secure`` (keep on behind TLS; tests on
            plain-HTTP loopback turn it off).
    """

    model_config = SettingsConfigDict(env_prefix="MERCWATCH_", extra="ignore")

    state_url: str | None = None
    export_dir: Path | None = None
    session_secret: SecretStr | None = None
    session_max_age: int = Field(default=8 * 3600, ge=60, le=30 * 24 * 3600)
    secure_cookies: bool = True

    def signing_secret(self) -> str:
        """The session-signing key: configured, or random for this process.

        Raises:
            ConfigError: a configured secret too short to resist guessing.
        """
        if self.session_secret is None:
            return secrets.token_urlsafe(48)
        value = self.session_secret.get_secret_value()
        if len(value) < MIN_SECRET_CHARS:
            raise ConfigError(
                f"MERCWATCH_SESSION_SECRET must be at least {MIN_SECRET_CHARS} characters"
            )
        return value


def load_web_settings(**overrides: Any) -> WebSettings:  # Any: pydantic validates each
    """:class:`WebSettings` from the environment plus ``overrides`` (``None`` ones dropped).

    Raises:
        ConfigError: a ``MERCWATCH_*`` variable or an override is malformed.
    """
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return WebSettings(**given)
    except (SettingsError, ValidationError) as exc:
        raise ConfigError(f"dashboard settings: {exc}") from exc
