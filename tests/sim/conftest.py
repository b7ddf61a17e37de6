"""Small simulated exports shared by the simulator tests (generated once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mercwatch.sim import ExportFormat, SimConfig, SimResult, simulate

USERS = 2000


@pytest.fixture(scope="session")
def parquet_export(tmp_path_factory: pytest.TempPathFactory) -> SimResult:
    return simulate(SimConfig(users=USERS, seed=11), tmp_path_factory.mktemp("pq"))


@pytest.fixture(scope="session")
def jsonl_export(tmp_path_factory: pytest.TempPathFactory) -> SimResult:
    config = SimConfig(users=USERS, seed=12, format=ExportFormat.JSONL, bad_rows=14)
    return simulate(config, tmp_path_factory.mktemp("jsonl"))


@pytest.fixture(scope="session")
def csv_export(tmp_path_factory: pytest.TempPathFactory) -> SimResult:
    config = SimConfig(users=USERS, seed=13, format=ExportFormat.CSV, bad_rows=12, days=14)
    return simulate(config, tmp_path_factory.mktemp("csv"))


@pytest.fixture(scope="session")
def seeds_exports(tmp_path_factory: pytest.TempPathFactory) -> list[SimResult]:
    """A few more seeds, for properties that must hold whatever the seed."""
    return [
        simulate(SimConfig(users=1000, seed=s, days=20), tmp_path_factory.mktemp(f"s{s}"))
        for s in (21, 22, 23, 24)
    ]


def export_dir(result: SimResult) -> Path:
    return result.out
