"""Judge an indicator's validity at the time of each event, not at the time of import.

``Feed.live(now)`` keeps only indicators still valid at the run's "now" (the newest
event). An old feed -- Meta's 2021 Cytrox list exported with a one-year validity, or
any feed re-imported years later -- was then wholly expired and explained nothing,
even the 2021 activity it was published about. Here each expired indicator is checked
against the platform's own events: it stays usable when at least one event carrying
it (its domain or a subdomain as a URL's host, its URL, its IP) happened *before* its
``valid_until``. Revoked indicators are never used: the publisher withdrew them.

``valid_from`` is deliberately not a lower bound: infrastructure is usually active for
weeks before anyone reports it, and Meta's own feeds date indicators by publication.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import pyarrow as pa
from ibis.backends import BaseBackend

from mercwatch.intel.records import Feed
from mercwatch.model import Indicator, IndicatorType
from mercwatch.store.engine import duckdb_connection

_KIND = {
    IndicatorType.DOMAIN: "domain",
    IndicatorType.URL: "url",
    IndicatorType.IPV4: "ip",
    IndicatorType.IPV6: "ip",
}

# One row per (indicator, event) pair inside the indicator's window; only the indicator's
# position comes back. Hosts are compared lower-case, subdomains included.
_SQL = """
WITH ev AS (
    SELECT ts, url, ip,
           lower(regexp_extract(url, '^[A-Za-z][A-Za-z0-9+.-]*://([^/:?#@]+)', 1)) AS host
    FROM (SELECT ts, {url} AS url, {ip} AS ip FROM events)
    WHERE url IS NOT NULL OR ip IS NOT NULL
)
SELECT DISTINCT i.pos
FROM mercwatch_expired_indicators AS i
JOIN ev ON ev.ts < i.valid_until AND (
    (i.kind = 'domain' AND (ev.host = i.value OR ev.host LIKE '%.' || i.value))
    OR (i.kind = 'url' AND rtrim(ev.url, '/') = rtrim(i.value, '/'))
    OR (i.kind = 'ip' AND ev.ip = i.value)
)
"""


def usable_at_event_time(con: BaseBackend, feed: Feed, now: datetime) -> tuple[Indicator, ...]:
    """The feed's indicators that may explain this platform's events.

    Live ones at ``now`` (every event is at or before ``now``, so inside their window),
    plus expired ones that some event carried while they were still valid.
    """
    live = feed.live(now)
    expired = [
        i
        for i in feed.expired(now)
        if i.type in _KIND and i.valid_until is not None  # expired() guarantees the date
    ]
    if not expired:
        return live
    kept = set(_positions_in_window(con, expired))
    return (*live, *(ind for pos, ind in enumerate(expired) if pos in kept))


def _positions_in_window(con: BaseBackend, indicators: Iterable[Indicator]) -> list[int]:
    rows = list(indicators)
    table = pa.table(
        {
            "pos": pa.array(range(len(rows)), pa.int64()),
            "kind": [_KIND[i.type] for i in rows],
            "value": [i.value.lower() if _KIND[i.type] == "domain" else i.value for i in rows],
            "valid_until": pa.array([i.valid_until for i in rows], pa.timestamp("us")),
        }
    )
    columns = set(con.table("events").columns)  # url and ip are optional (SCHEMA.md)
    sql = _SQL.format(
        url="CAST(url AS VARCHAR)" if "url" in columns else "CAST(NULL AS VARCHAR)",
        ip="CAST(ip AS VARCHAR)" if "ip" in columns else "CAST(NULL AS VARCHAR)",
    )
    raw = duckdb_connection(con)
    raw.register("mercwatch_expired_indicators", table)
    try:
        return [int(r[0]) for r in raw.execute(sql).fetchall()]
    finally:
        raw.unregister("mercwatch_expired_indicators")
