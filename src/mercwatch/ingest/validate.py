"""Check staged rows against the contract, in SQL over the whole batch.

Each row gets the first problem found (``_field``, ``_reason``) or none. The checks
follow SCHEMA.md: required fields, RFC 3339 timestamps, integer ASNs, IP addresses,
16-hex-digit photo hashes, the event-type enum and which types need an actor or a
target. The reason strings are written for the person who has to fix the export.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime
from typing import Any

import pyarrow as pa

from mercwatch.ingest.contract import (
    ACTOR_REQUIRED,
    TARGET_FORBIDDEN,
    TARGET_REQUIRED,
    EventType,
    FieldType,
    TableSpec,
)
from mercwatch.ingest.limits import IngestLimits
from mercwatch.model.phash import PHASH_HEX

#: (SQL condition, field at fault, SQL expression of the reason)
Check = tuple[str, str, str]

# Date, time and optional zone; the engine then checks the values are real dates.
TIMESTAMP_PATTERN = (
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}(:?\d{2})?)?$"
)
MAX_ASN = 4_294_967_295
#: What an IPv4 or IPv6 address (with an optional zone) can look like at most; anything
#: else is not an address without asking Python.
IP_SHAPE = r"[0-9.]{7,15}|[0-9A-Fa-f:.]{2,45}(%[0-9A-Za-z_.-]{1,32})?"


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _shown(col: str) -> str:
    """The offending value, shortened, for a reason string."""
    return f"'''' || left({col}, 60) || ''''"


def _sql_list(values: frozenset[str]) -> str:
    return ", ".join(_q(v) for v in sorted(values))


def timestamp_sql(col: str) -> str:
    """Expression parsing an RFC 3339 text ``col`` into a UTC TIMESTAMP (NULL if invalid)."""
    return (
        f"CASE WHEN regexp_matches({col}, {_q(TIMESTAMP_PATTERN)}) "
        f"THEN timezone('UTC', try_cast({col} AS TIMESTAMPTZ)) END"
    )


def _field_checks(spec: TableSpec, limits: IngestLimits, now: datetime | None) -> list[Check]:
    """(condition, field, reason expression) in the order they are tried."""
    checks: list[Check] = []
    for field in spec.fields:
        col = f'"{field.name}"'
        checks.append(_size_check(field.name, limits.max_field_chars))
        if field.required:
            checks.append(
                (f"{col} IS NULL", field.name, _q(f"missing required field '{field.name}'"))
            )
        if field.type is FieldType.TIMESTAMP:
            checks.append(
                (
                    f"{col} IS NOT NULL AND ({timestamp_sql(col)}) IS NULL",
                    field.name,
                    f"'not an RFC 3339 timestamp: ' || {_shown(col)}",
                )
            )
            checks.append(_window_check(field.name, *limits.window(now)))
        elif field.type is FieldType.INTEGER:
            checks.append(
                (
                    f"{col} IS NOT NULL AND "
                    f"coalesce(try_cast({col} AS BIGINT) NOT BETWEEN 0 AND {MAX_ASN}, true)",
                    field.name,
                    f"'not an autonomous system number (integer 0..{MAX_ASN}): ' || {_shown(col)}",
                )
            )
        elif field.type is FieldType.STRING_LIST:
            checks.append(
                (
                    f"{col} IS NOT NULL AND len(list_filter(json_extract({col}::JSON, '$[*]'), "
                    f"lambda x: json_type(x) <> 'VARCHAR')) > 0",
                    field.name,
                    _q("list items must be strings"),
                )
            )
    checks.extend(_TABLE_CHECKS.get(spec.name, ()))
    return checks


def _size_check(name: str, limit: int) -> Check:
    col = f'"{name}"'
    # strlen (bytes, free) first: a value can have more characters only if it has more bytes
    return (
        f"strlen({col}) > {limit} AND length({col}) > {limit}",
        name,
        f"'value longer than {limit:,} characters (ingest limit max_field_chars): ' || "
        f"format('{{:,}}', length({col})) || ' characters'",
    )


def _window_check(name: str, earliest: datetime, latest: datetime) -> Check:
    """Timestamps outside the plausible window: a 1970 placeholder, a clock set to 2040."""
    col = f'"{name}"'
    low, high = (_q(t.isoformat(sep=" ")) for t in (earliest, latest))
    shown = " .. ".join(t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in (earliest, latest))
    return (
        f"{col} IS NOT NULL AND ({timestamp_sql(col)}) NOT BETWEEN "
        f"CAST({low} AS TIMESTAMP) AND CAST({high} AS TIMESTAMP)",
        name,
        f"'timestamp outside the plausible window (ingest limits earliest / latest): ' || "
        f"{_shown(col)} || ' is not in {shown}'",
    )


_ACCOUNT_CHECKS = [
    (
        f"photo_hash IS NOT NULL AND NOT regexp_full_match(photo_hash, '{PHASH_HEX}')",
        "photo_hash",
        "'not a 64-bit perceptual hash (16 hex digits): ' || " + _shown("photo_hash"),
    ),
    (
        "country IS NOT NULL AND NOT regexp_full_match(country, '[A-Za-z]{2}')",
        "country",
        "'not an ISO 3166-1 alpha-2 country code: ' || " + _shown("country"),
    ),
    (
        "phone_cc IS NOT NULL AND NOT regexp_full_match(phone_cc, '\\+[0-9]{1,4}')",
        "phone_cc",
        "'not a calling code like +44: ' || " + _shown("phone_cc"),
    ),
    (
        "email_domain IS NOT NULL AND NOT regexp_full_match(email_domain, '[^@\\s]+\\.[^@\\s.]+')",
        "email_domain",
        "'not a domain name: ' || " + _shown("email_domain"),
    ),
]

_TYPES = frozenset(t.value for t in EventType)
_EVENT_CHECKS = [
    (
        f"type NOT IN ({_sql_list(_TYPES)})",
        "type",
        f"'unknown event type ' || {_shown('type')} || "
        f"' (expected one of: {', '.join(sorted(_TYPES))})'",
    ),
    (
        f"type IN ({_sql_list(ACTOR_REQUIRED)}) AND actor_id IS NULL",
        "actor_id",
        "'an event of type ''' || type || ''' needs actor_id'",
    ),
    (
        f"type IN ({_sql_list(TARGET_REQUIRED)}) AND target_id IS NULL",
        "target_id",
        "'an event of type ''' || type || ''' needs target_id'",
    ),
    (
        f"type IN ({_sql_list(TARGET_FORBIDDEN)}) AND target_id IS NOT NULL",
        "target_id",
        "'an event of type ''' || type || ''' takes no target_id'",
    ),
    (
        f"ip IS NOT NULL AND (NOT regexp_full_match(ip, {_q(IP_SHAPE)}) "
        "OR ip IN (SELECT ip FROM _mw_bad_ips))",
        "ip",
        "'not an IPv4 or IPv6 address: ' || " + _shown("ip"),
    ),
]
_FRIENDSHIP_CHECKS = [("a = b", "b", _q("an account cannot be its own friend"))]

_TABLE_CHECKS: dict[str, list[tuple[str, str, str]]] = {
    "accounts": _ACCOUNT_CHECKS,
    "events": _EVENT_CHECKS,
    "friendships": _FRIENDSHIP_CHECKS,
}


def register_bad_ips(raw: Any, stage: str) -> None:
    """Find the distinct ``ip`` values that are not addresses (Python over distinct values).

    Only values shaped like an address (:data:`IP_SHAPE`) reach Python, read in chunks:
    junk of any size is rejected by the shape check in SQL, so a hostile export cannot
    make this step hold millions of long strings.
    """
    result = raw.execute(
        f"SELECT DISTINCT ip FROM {stage} WHERE ip IS NOT NULL "
        f"AND regexp_full_match(ip, {_q(IP_SHAPE)})"
    )
    bad = []
    while chunk := result.fetchmany(100_000):
        for (value,) in chunk:
            try:
                ipaddress.ip_address(value)
            except ValueError:
                bad.append(value)
    raw.register("_mw_bad_ips", pa.table({"ip": pa.array(bad, pa.string())}))


def checked_sql(
    spec: TableSpec, stage: str, limits: IngestLimits, now: datetime | None = None
) -> str:
    """SELECT adding ``_field`` and ``_reason`` (first problem, or NULL) to each staged row.

    Args:
        spec: the contract table.
        stage: the staging table of that table.
        limits: field size and timestamp window.
        now: the moment the window's default end is measured from (ingest start).
    """
    # Each condition is evaluated once per row: the first failing check's number is found
    # first, and field and reason are looked up from it (only bad rows build a reason).
    # A timestamp is parsed once, into _ts_N, for both its format and its window check.
    checks = _field_checks(spec, limits, now)
    parsed: dict[str, str] = {}
    for field in spec.fields:
        if field.type is FieldType.TIMESTAMP:
            parsed[timestamp_sql(f'"{field.name}"')] = f"_ts_{len(parsed)}"
    for old, name in parsed.items():
        checks = [(c.replace(old, name), f, r) for c, f, r in checks]
    first = " ".join(f"WHEN {cond} THEN {i}" for i, (cond, _, _) in enumerate(checks, 1))
    fields = ", ".join(_q(field) for _, field, _ in checks)
    reason_case = " ".join(f"WHEN {i} THEN {reason}" for i, (_, _, reason) in enumerate(checks, 1))
    inner = ", ".join(f"{expr} AS {name}" for expr, name in parsed.items())
    source = f"(SELECT *, {inner} FROM {stage})" if parsed else stage
    drop = ", ".join(["_check", *parsed.values()])
    return (
        f"SELECT * EXCLUDE ({drop}), "
        f"CASE WHEN _pre_reason IS NOT NULL THEN _pre_field ELSE [{fields}][_check] END AS _field, "
        f"CASE WHEN _pre_reason IS NOT NULL THEN _pre_reason ELSE CASE _check {reason_case} END "
        f"END AS _reason "
        f"FROM (SELECT *, CASE WHEN _pre_reason IS NOT NULL THEN 0 {first} END AS _check "
        f"FROM {source})"
    )


def typed_columns(spec: TableSpec) -> list[str]:
    """Typed, normalised projections of the contract fields for the clean table."""
    cols = []
    for field in spec.fields:
        col = f'"{field.name}"'
        if field.type is FieldType.TIMESTAMP:
            expr = timestamp_sql(col)
        elif field.type is FieldType.INTEGER:
            expr = f"try_cast({col} AS BIGINT)"
        elif field.type is FieldType.STRING_LIST:
            expr = f"from_json({col}, '[\"VARCHAR\"]')"
        elif field.name in ("country",):
            expr = f"upper({col})"
        elif field.name in ("photo_hash", "email_domain"):
            expr = f"lower({col})"
        else:
            expr = col
        cols.append(f'{expr} AS "{field.name}"')
    return cols
