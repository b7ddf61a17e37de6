"""Where an operation's targets are and who they are, in aggregate only.

``Operation.target_countries`` existed but nothing filled it, so every report said
"0 countries targeted". This fills it, and ``target_sectors``, from the export's
``accounts`` table (``country`` and ``tags``, both optional in SCHEMA.md) as counts per
value: the report can say where and which communities were targeted without ever
holding a list of who.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence

from ibis.backends import BaseBackend

from mercwatch.model import Operation


def with_targeting(con: BaseBackend, operations: Sequence[Operation]) -> list[Operation]:
    """``operations`` with ``target_countries`` and ``target_sectors`` counted from
    the accounts table (an operation whose targets have neither keeps them empty)."""
    targets = sorted({t for op in operations for t in op.targets})
    if not targets:
        return list(operations)
    accounts = con.table("accounts")
    columns = [c for c in ("country", "tags") if c in accounts.columns]
    if not columns:
        return list(operations)
    rows = (
        accounts.filter(accounts.account_id.isin(targets))
        .select("account_id", *columns)
        .to_pyarrow()
        .to_pylist()
    )
    country = {r["account_id"]: (r.get("country") or "").upper() for r in rows}
    tags = {r["account_id"]: tuple(r.get("tags") or ()) for r in rows}
    out = []
    for op in operations:
        people = set(op.targets)
        countries = Counter(country[t] for t in people if country.get(t))
        sectors = Counter(tag for t in people for tag in set(tags.get(t, ())) if tag)
        out.append(
            dataclasses.replace(
                op,
                target_countries=tuple(sorted(countries.items())),
                target_sectors=tuple(sorted(sectors.items())),
            )
        )
    return out
