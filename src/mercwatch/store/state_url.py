"""Where the operational state store is, and how to connect to it.

Apart from :mod:`mercwatch.store.state` (the tables and :class:`StateStore`) because
the migrations need an engine too, and the store runs the migrations: with the engine
in ``state`` the two modules imported each other (deferred imports dodged the cycle).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import SQLAlchemyError

from mercwatch.errors import ConfigError


class StateSettings(BaseSettings):
    """Where the state store lives; read from ``MERCWATCH_STATE_URL``."""

    model_config = SettingsConfigDict(env_prefix="MERCWATCH_", extra="ignore")

    state_url: str | None = None


def resolve_state_url(value: str | None = None, out_dir: Path | None = None) -> str:
    """Pick the state store URL: explicit value, then the environment, then ``OUT/state.db``.

    A plain filesystem path is accepted and turned into a SQLite URL, because that is
    what people type on a command line.

    Raises:
        ConfigError: nothing names a store.
    """
    url = value or StateSettings().state_url
    if not url and out_dir is not None:
        url = str(Path(out_dir) / "state.db")
    if not url:
        raise ConfigError("no state store: pass --state or set MERCWATCH_STATE_URL")
    if "://" not in url:
        url = f"sqlite:///{Path(url).resolve()}"
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # WAL lets readers (dashboard, `outbox status`) run while a run writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_state_engine(url: str) -> Engine:
    """An engine for ``url`` with the pragmas SQLite needs to behave as a server would.

    Raises:
        ConfigError: the URL cannot be parsed or its driver is missing.
    """
    try:
        engine = create_engine(url, pool_pre_ping=True)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise ConfigError(f"state store URL {url!r}: {exc}") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine
