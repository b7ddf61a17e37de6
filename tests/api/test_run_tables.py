"""RunTables' pages equal a plain filter-and-sort of the whole table, however sparse the filter.

The fast paths (rank windows that widen, an offset turned into a cursor) must return
exactly the rows a naive read would: checked against pyarrow on the same file.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from _api_runs import publish_run

from mercwatch.queries.run_tables import ACCOUNTS_FILE, SIGNALS_FILE
from mercwatch.queries.tables import AccountSort, KeysetNeedsDefaultSort, RunTables


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> RunTables:
    return RunTables(publish_run(tmp_path_factory.mktemp("out"), extra=700))


def test_offset_pages_match_a_naive_read(tables: RunTables) -> None:
    rows = pq.read_table(tables.file(ACCOUNTS_FILE)).to_pylist()
    expected = [r["account_id"] for r in sorted(rows, key=lambda r: r["rank"]) if not r["targeted"]]
    for limit in (1, 7, 100):
        for offset in (0, 3, len(expected) // 2, len(expected) - 2, len(expected) + 5):
            page = tables.accounts(hide_targets=True, offset=offset, limit=limit)
            assert [r["account_id"] for r in page.rows] == expected[offset : offset + limit]
            assert page.total == len(expected)


def test_sparse_filters_widen_the_window_and_miss_nothing(tables: RunTables) -> None:
    rows = pq.read_table(tables.file(SIGNALS_FILE)).to_pylist()
    # 2 of ~706 signals are exploitation: the window must widen several times.
    wanted = sorted((r for r in rows if r["phase"] == "exploitation"), key=lambda r: r["rank"])
    got, after = [], None
    while True:
        page = tables.signals(hide_targets=False, phase="exploitation", after=after, limit=1)
        got += page.rows
        after = page.next_after
        if after is None:
            break
    assert [r["rank"] for r in got] == [r["rank"] for r in wanted] and len(wanted) == 2


def test_other_sorts_page_by_offset_only(tables: RunTables) -> None:
    page = tables.accounts(hide_targets=False, sort=AccountSort.ACCOUNT_ID, offset=2, limit=2)
    assert [r["account_id"] for r in page.rows] == ["acct-3", "bulk-0000"]
    assert page.next_after is None
    with pytest.raises(KeysetNeedsDefaultSort):
        tables.accounts(hide_targets=False, sort=AccountSort.ACCOUNT_ID, after=3)


def test_a_folder_without_tables_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        RunTables(tmp_path).accounts(hide_targets=True)


def test_tables_are_the_same_bytes_whatever_the_input_order(tmp_path: Path) -> None:
    from dataclasses import replace

    from _api_runs import operations, signals

    from mercwatch.queries.run_tables import write_tables

    ops = operations()
    # op-c ties op-a's confidence and shares an account: the pick must not depend on order.
    tied = replace(ops[1], operation_id="op-c", confidence=ops[0].confidence, accounts=("acct-2",))
    table = signals(extra=50)
    shuffled = table.take(list(reversed(range(table.num_rows))))
    for name, (sig, opl) in {"a": (table, [*ops, tied]), "b": (shuffled, [tied, *ops])}.items():
        folder = tmp_path / name
        folder.mkdir()
        write_tables(folder.joinpath, sig, opl)
    for file in (ACCOUNTS_FILE, SIGNALS_FILE):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()
    acct2 = [
        r
        for r in pq.read_table(tmp_path / "a" / ACCOUNTS_FILE).to_pylist()
        if r["account_id"] == "acct-2"
    ]
    assert acct2[0]["operation_id"] == "op-a" and acct2[0]["operation_ids"] == ["op-a", "op-c"]
