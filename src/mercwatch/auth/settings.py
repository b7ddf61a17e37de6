"""Settings of the API and TAXII server, from arguments, ``MERCWATCH_*`` variables or files.

pydantic-settings reads, in this order of precedence: constructor arguments, the
environment (``MERCWATCH_API_KEYS='[{"id": ..., "role": ..., "hash": ...}]'``), and a
secrets folder (``ApiSettings(_secrets_dir="/run/secrets")`` reads the file
``mercwatch_api_keys``). A ``keys_file`` (JSON or YAML: a list of key records, or
``{"keys": [...]}``) is merged in. Only hashes are ever configured: see
:func:`mercwatch.auth.authenticator.hash_secret` and ``mercwatch keygen``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from mercwatch.auth.authenticator import ApiKey, Authenticator, Role
from mercwatch.auth.throttle import FailureLimiter
from mercwatch.errors import ConfigError


class ApiKeyConfig(BaseModel):
    """One key record as written in settings: id, role and scrypt hash."""

    id: str
    role: Role
    hash: str
    label: str = ""

    def to_key(self) -> ApiKey:
        return ApiKey(self.id, self.role, self.hash, self.label)


class ApiSettings(BaseSettings):
    """Everything the REST API and the TAXII server need to start.

    Attributes:
        api_keys: hashed keys given directly or through ``MERCWATCH_API_KEYS``.
        keys_file: a JSON/YAML file with more hashed keys.
        run_dir: a ``mercwatch run`` output folder; ``/api/operations`` serves its
            ``operations.json``.
        taxii_store: folder of the TAXII collection store; TAXII is off when unset.
        taxii_api_root: the API root's name in URLs (``/taxii2/<name>/``).
        taxii_max_page_size: the most objects one TAXII response holds.
        max_content_length: the largest request body accepted, in bytes; counted while
            the body streams in, so a bigger one is cut off at that size (413).
        hsts: send ``Strict-Transport-Security``; default: when session cookies are
            ``Secure`` (the dashboard is behind HTTPS).
        max_json_depth: the deepest nesting of arrays and objects a JSON body may have.
        auth_failures_per_client: failed sign-ins a client may make in a burst before
            it must wait (each costs an scrypt); one more is allowed every
            ``60 / auth_failures_per_minute`` seconds.
        auth_failures_per_minute: the refill rate of that allowance.
        auth_failures_global_per_second: failed sign-ins per second across all clients
            that may cost an scrypt, so a flood from many addresses cannot saturate CPU.
    """

    model_config = SettingsConfigDict(env_prefix="MERCWATCH_", extra="ignore")

    api_keys: list[ApiKeyConfig] = Field(default_factory=list)
    keys_file: Path | None = None
    run_dir: Path | None = None
    taxii_store: Path | None = None
    taxii_api_root: str = Field(default="mercwatch", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    taxii_title: str = "mercwatch TAXII server"
    taxii_description: str = "Indicators of surveillance-for-hire operations (no target data)."
    taxii_contact: str = ""
    taxii_max_page_size: int = Field(default=1000, ge=1, le=100_000)
    max_content_length: int = Field(default=10 * 1024 * 1024, ge=1024)
    hsts: bool | None = None
    max_json_depth: int = Field(default=64, ge=2, le=500)
    auth_failures_per_client: int = Field(default=10, ge=1)
    auth_failures_per_minute: float = Field(default=10.0, gt=0)
    auth_failures_global_per_second: float = Field(default=5.0, gt=0)

    def all_keys(self) -> list[ApiKey]:
        """All configured keys (settings plus ``keys_file``).

        Raises:
            ConfigError: when the keys file cannot be read or a record is invalid.
        """
        records = list(self.api_keys)
        if self.keys_file is not None:
            records.extend(_read_keys_file(self.keys_file))
        keys = [r.to_key() for r in records]
        ids = [k.key_id for k in keys]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ConfigError(f"API key ids configured twice: {', '.join(duplicates)}")
        return keys

    def authenticator(self) -> Authenticator:
        """An :class:`Authenticator` over :meth:`all_keys`; refuses to run with no keys at all.

        Raises:
            ConfigError: when no key is configured (the server would admit nobody).
        """
        keys = self.all_keys()
        if not keys:
            raise ConfigError(
                "no API keys configured: set MERCWATCH_API_KEYS or MERCWATCH_KEYS_FILE "
                "(make one with `mercwatch keygen ID --keys-file FILE`)"
            )
        limiter = FailureLimiter(
            self.auth_failures_per_client,
            self.auth_failures_per_minute,
            self.auth_failures_global_per_second,
        )
        # A keys file is re-read when it changes: deleting a line revokes that key (and
        # its dashboard sessions) without a restart.
        return Authenticator(keys, limiter=limiter, keys_file=self.keys_file, reload=self.all_keys)


def load_settings(**overrides: Any) -> ApiSettings:
    """:class:`ApiSettings` from the environment plus ``overrides`` (``None`` ones dropped).

    Raises:
        ConfigError: a ``MERCWATCH_*`` variable or an override is malformed.
    """
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return ApiSettings(**given)
    except (SettingsError, ValidationError) as exc:
        raise ConfigError(f"settings: {_first_problem(exc)}") from exc


def _first_problem(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        return f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
    return str(exc)


def _read_keys_file(path: Path) -> list[ApiKeyConfig]:
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"keys file {path}: {exc}") from exc
    if isinstance(data, dict):
        data = data.get("keys")
    if not isinstance(data, list):
        raise ConfigError(f"keys file {path}: expected a list of keys or {{'keys': [...]}}")
    try:
        return [ApiKeyConfig.model_validate(item) for item in data]
    except ValidationError as exc:
        raise ConfigError(f"keys file {path}: {_first_problem(exc)}") from exc
