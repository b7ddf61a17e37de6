"""Fixtures for ingest tests: a tiny export written in any format."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from _ingest_samples import ACCOUNTS, EVENTS, FRIENDSHIPS, write_table

from mercwatch.store.engine import connect


@pytest.fixture
def make_export(tmp_path: Path) -> Callable[..., Path]:
    """Build an export folder: ``make_export(fmt, events=..., accounts=...)``."""

    def build(
        fmt: str = "jsonl", *, accounts=ACCOUNTS, friendships=FRIENDSHIPS, events=EVENTS
    ) -> Path:
        folder = tmp_path / f"export-{fmt}"
        folder.mkdir(exist_ok=True)
        write_table(folder, "accounts", accounts, fmt)
        if friendships is not None:
            write_table(folder, "friendships", friendships, fmt)
        write_table(folder, "events", events, fmt)
        return folder

    return build


@pytest.fixture
def con():
    backend = connect()
    yield backend
    backend.disconnect()
