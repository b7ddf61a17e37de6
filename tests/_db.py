"""State-store fixtures shared by tests/store, tests/enforce and tests/notify.

Every test gets a fresh, migrated store: a SQLite file always, and a throwaway
database on a real PostgreSQL server when ``MERCWATCH_TEST_POSTGRES_URL`` is set
(``scripts/start-test-postgres.sh`` prints one). The PostgreSQL cases carry the
``postgres`` marker so they can be selected or skipped as a group.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from mercwatch.store.state import StateStore

POSTGRES_ENV = "MERCWATCH_TEST_POSTGRES_URL"
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


class FakeClock:
    """A clock tests move by hand, so retries and leases need no sleeping."""

    def __init__(self, start: datetime = datetime(2021, 12, 16, 9, 0, 0)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def _postgres_database() -> Iterator[str]:
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    name = f"mw_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def state_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database URL: SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'state.db'}"
    else:
        yield from _postgres_database()


@pytest.fixture
def store(state_url: str) -> Iterator[StateStore]:
    """A migrated state store on each backend."""
    opened = StateStore.open(state_url)
    try:
        yield opened
    finally:
        opened.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
