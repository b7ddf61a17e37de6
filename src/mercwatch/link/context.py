"""What every step of linking reads: the engine tables, the signals and the settings.

Engine errors are translated here, at the one place results leave the engine, so the
rest of the package only ever sees :class:`~mercwatch.errors.EngineError`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import ibis
import pandas as pd
import pyarrow as pa

from mercwatch.detectors.base import SIGNAL_COLUMNS
from mercwatch.errors import EngineError, InputError
from mercwatch.link.config import LinkConfig
from mercwatch.link.intel import IntelIndex

REQUIRED_COLUMNS = {
    "accounts": ("account_id", "display_name", "photo_hash", "email_domain"),
    "events": ("ts", "type", "actor_id", "target_id", "ip", "asn", "device_id", "text", "url"),
}


@dataclass(frozen=True, slots=True)
class LinkContext:
    """Engine tables and settings shared by the link steps.

    Attributes:
        accounts: the ``accounts`` engine table.
        events: the ``events`` engine table.
        signals: the unioned detector signals as an engine table.
        intel: imported indicators.
        config: thresholds.
        links: the link events (:func:`~mercwatch.link.hosts.link_events`) once
            materialised by :func:`~mercwatch.link.hosts.with_link_events`; ``None``
            until then (every reader then recomputes them from ``events``).
    """

    accounts: ibis.Table
    events: ibis.Table
    signals: ibis.Table
    intel: IntelIndex
    config: LinkConfig
    links: ibis.Table | None = None


def open_context(
    con: ibis.BaseBackend,
    signals: ibis.Table | pa.Table | pd.DataFrame,
    intel: IntelIndex,
    config: LinkConfig,
) -> LinkContext:
    """Bind the engine tables and the signals, checking the contract columns.

    Raises:
        InputError: a required table or signal column is missing.
    """
    opened = {}
    for name, columns in REQUIRED_COLUMNS.items():
        try:
            opened[name] = con.table(name)
        except Exception as exc:  # backends raise their own "no such table" types
            raise InputError("engine", f"cannot open table {name!r}: {exc}") from exc
        absent = [col for col in columns if col not in opened[name].columns]
        if absent:
            raise InputError(name, f"missing column(s): {', '.join(absent)}")
    accounts, events = opened["accounts"], opened["events"]
    table = signals if isinstance(signals, ibis.Table) else ibis.memtable(signals)
    absent = [col for col in SIGNAL_COLUMNS if col not in table.columns]
    if absent:
        raise InputError("signals", f"missing column(s): {', '.join(absent)}")
    table = table.select(
        *(table[c].cast("string") for c in SIGNAL_COLUMNS if c != "score"),
        score=table.score.cast("float64"),
    )
    return LinkContext(accounts, events, table, intel, config)


def fetch(expr: ibis.Table) -> list[dict[str, Any]]:
    """Run ``expr`` on its engine and return its rows as dicts.

    Only small results (per flagged account or indicator) come back to Python.

    Raises:
        EngineError: the engine failed; the original error is chained.
    """
    try:
        return expr.to_pyarrow().to_pylist()
    except Exception as exc:  # backends raise their own types; translate at the edge
        raise EngineError(f"engine query failed: {exc}") from exc


def keys_table(column: str, values: Iterable[Any], dtype: str = "string") -> ibis.Table:
    """A one-column in-memory table, to semi-join engine tables on a small key set.

    The column type is fixed so an empty set still joins (an empty memtable would
    otherwise have a null type).
    """
    data = sorted(set(values))
    return ibis.memtable(pa.table({column: pa.array(data, type=_ARROW[dtype])}))


def rows_table(rows: list[dict[str, Any]], schema: dict[str, str]) -> ibis.Table:
    """An in-memory table of ``rows`` with a fixed schema (empty rows allowed)."""
    arrays = {
        name: pa.array([row[name] for row in rows], type=_ARROW[kind])
        for name, kind in schema.items()
    }
    return ibis.memtable(pa.table(arrays))


_ARROW = {"string": pa.string(), "float64": pa.float64(), "int64": pa.int64()}


def popularity_discount(accounts: int) -> float:
    """Weight of a tie through something ``accounts`` distinct accounts use.

    ``ln 3 / ln(1 + n)``: 1 for a key only two accounts share, 0.46 for ten, 0.24 for
    a hundred. An office NAT or a webmail domain ties everyone a little, and so ties
    nobody in particular.
    """
    return min(1.0, math.log(3.0) / math.log(1.0 + max(accounts, 2)))


def noisy_or(scores: Iterable[float]) -> float:
    """``1 - prod(1 - s)``: independent pieces of evidence, each able to be wrong."""
    rest = 1.0
    for score in scores:
        rest *= 1.0 - min(max(float(score), 0.0), 1.0)
    return 1.0 - rest
