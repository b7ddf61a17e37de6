"""Alembic migrations for the state store, run from code (no ``alembic.ini`` needed).

The scripts ship inside the package, so :func:`upgrade` works the same from a source
checkout and from an installed wheel. Alembic's version table is named
``schema_version``: it is the store's schema version.
"""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from mercwatch.errors import StateError
from mercwatch.store.state_url import create_state_engine

VERSION_TABLE = "schema_version"


def alembic_config() -> Config:
    """An Alembic config pointing at the packaged scripts."""
    cfg = Config()
    cfg.set_main_option("script_location", str(files("mercwatch.store.migrations")))
    return cfg


def head_revision() -> str:
    """The newest migration shipped with this mercwatch."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise StateError("no state-store migrations are packaged")
    return head


def upgrade(url: str | Engine, revision: str = "head") -> str:
    """Migrate the state store at ``url`` (a URL or an Engine) to ``revision``.

    Returns:
        The revision the store is at afterwards.

    Raises:
        StateError: the migration failed; the database is left at its last good revision.
    """
    engine = create_state_engine(url) if isinstance(url, str) else url
    cfg = alembic_config()
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
        return current_revision(engine) or ""
    except SQLAlchemyError as exc:
        raise StateError(f"migrating the state store failed: {exc}") from exc
    finally:
        if isinstance(url, str):
            engine.dispose()


def upgrade_if_behind(engine: Engine) -> str:
    """Migrate only when the store is behind this mercwatch; a current store is not touched.

    The runtime database role of a production store may not create or alter tables (the
    owner role migrates, ``mercwatch state migrate``), so opening a current store must not
    need those rights, and a store left behind must say who has to act.

    Raises:
        StateError: the store is behind and could not be migrated with this connection.
    """
    wanted = head_revision()
    try:
        found = current_revision(engine)
    except SQLAlchemyError as exc:
        raise StateError(f"reading the state store's schema version failed: {exc}") from exc
    if found == wanted:
        return found
    if found is not None and not _known(found):
        raise StateError(
            f"the state store is at schema {found}, which this mercwatch (schema {wanted}) "
            "does not know: it was migrated by a newer mercwatch"
        )
    try:
        return upgrade(engine)
    except StateError as exc:
        raise StateError(
            f"the state store is at schema {found or 'none'} and this mercwatch needs {wanted}, "
            f"but migrating with this connection failed; the database owner runs "
            f"`mercwatch state migrate --owner-url URL --app-role ROLE` ({exc})"
        ) from exc


def _known(revision: str) -> bool:
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:
        return False


def current_revision(engine: Engine) -> str | None:
    """The revision recorded in ``schema_version``, or None for an empty database."""
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        return ctx.get_current_revision()
