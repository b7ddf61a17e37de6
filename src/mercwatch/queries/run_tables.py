"""The run's per-signal and per-account tables, written as Parquet beside operations.json.

``signals.parquet`` holds every detector signal of the run; ``accounts.parquet`` one
row per account that a signal names or an operation holds (as a member or a target),
with its strongest score, phases, detectors and operations. Both are written in their
default order with a dense ``rank`` column (0, 1, 2 ...), so a reader can page by
keyset (``rank > last``) and let Parquet row-group statistics skip what it does not
need: a page at the end of a million rows costs what a page at the start costs.

``targeted`` marks rows naming a targeted person (an account some operation targeted):
readers whose role may not see targets filter them out in the query itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from mercwatch.model import Operation

SIGNALS_FILE = "signals.parquet"
ACCOUNTS_FILE = "accounts.parquet"
#: Rows per Parquet row group: small enough that a keyset page reads one or two groups.
ROW_GROUP = 64 * 1024

_MEMBERSHIP = pa.schema(
    [("account_id", pa.string()), ("operation_id", pa.string()), ("confidence", pa.float64())]
)


def _membership(operations: Iterable[Operation]) -> tuple[pa.Table, pa.Table]:
    members: list[tuple[str, str, float]] = []
    targets: list[tuple[str, str, float]] = []
    for op in operations:
        members += [(a, op.operation_id, op.confidence) for a in op.accounts]
        targets += [(t, op.operation_id, op.confidence) for t in op.targets]

    def table(rows: list[tuple[str, str, float]]) -> pa.Table:
        return pa.Table.from_pylist(
            [dict(zip(_MEMBERSHIP.names, row, strict=True)) for row in rows], schema=_MEMBERSHIP
        )

    return table(members), table(targets)


def build_tables(signals: pa.Table, operations: Iterable[Operation]) -> tuple[pa.Table, pa.Table]:
    """``(signals, accounts)`` as written to the run folder (see the module docstring)."""
    members, targets = _membership(operations)
    con = duckdb.connect()
    try:
        con.register("sig", signals)
        con.register("members", members)
        con.register("targets", targets)
        signal_rows = con.sql(
            """
            SELECT (row_number() OVER (ORDER BY score DESC, detector, subject_type, subject,
                    detail) - 1)::BIGINT AS rank,
                   detector, phase, subject_type, subject, score, detail,
                   subject_type = 'account'
                     AND subject IN (SELECT account_id FROM targets) AS targeted
            FROM sig ORDER BY rank
            """
        ).to_arrow_table()
        account_rows = con.sql(
            """
            WITH per_signal AS (
                SELECT subject AS account_id, max(score) AS score, count(*) AS signals,
                       list_sort(list_distinct(list(phase))) AS phases,
                       list_sort(list_distinct(list(detector))) AS detectors
                FROM sig WHERE subject_type = 'account' GROUP BY subject
            ), per_op AS (
                SELECT account_id,
                       first(operation_id ORDER BY confidence DESC, operation_id) AS operation_id,
                       max(confidence) AS confidence,
                       list_sort(list_distinct(list(operation_id))) AS operation_ids
                FROM members GROUP BY account_id
            ), everyone AS (
                SELECT account_id FROM per_signal UNION SELECT account_id FROM members
                UNION SELECT account_id FROM targets
            ), joined AS (
                SELECT e.account_id, o.operation_id, coalesce(o.operation_ids, []) AS
                       operation_ids, o.confidence AS operation_confidence,
                       e.account_id IN (SELECT account_id FROM targets) AS targeted,
                       coalesce(s.score, 0.0) AS score, coalesce(s.signals, 0)::BIGINT
                       AS signals, coalesce(s.phases, []) AS phases,
                       coalesce(s.detectors, []) AS detectors
                FROM everyone e LEFT JOIN per_signal s USING (account_id)
                LEFT JOIN per_op o USING (account_id)
            )
            SELECT (row_number() OVER (ORDER BY score DESC, account_id) - 1)::BIGINT AS rank,
                   * FROM joined ORDER BY rank
            """
        ).to_arrow_table()
    finally:
        con.close()
    return signal_rows, account_rows


def write_tables(
    path_for: Callable[[str], Path], signals: pa.Table, operations: Iterable[Operation]
) -> None:
    """Write both tables where ``path_for(name)`` says (the run's staging folder).

    Args:
        path_for: ``OutputSet.path``: the file to write for an output name.
        signals: the run's signals (``DetectionResult.signals``).
        operations: the run's operations.
    """
    signal_rows, account_rows = build_tables(signals, operations)
    for name, table in ((SIGNALS_FILE, signal_rows), (ACCOUNTS_FILE, account_rows)):
        pq.write_table(table, path_for(name), row_group_size=ROW_GROUP, compression="zstd")
