"""The contract checks as one Ibis expression, so DuckDB and Spark judge rows alike.

:func:`with_checks` adds ``_field`` and ``_reason`` (the first problem, or NULL) to a
staged table (every contract field as text, see ``readers``). The same expression is
compiled to DuckDB SQL for the embedded ingest and run on Spark for ``--engine spark``,
so a row is rejected for the same reason, in the same words, on both.

Only operations both engines spell the same are used. Regular expressions are written
for both RE2 (DuckDB) and Java (Spark): anchored with ``^`` and ``\\z`` (Java's ``$``
also matches before a final newline), no ``\\s`` (the two disagree on ``\\v``), no
``.``. IP addresses are checked by a regular expression built from the address grammar
(:data:`IP_PATTERN`), proved equal to Python's ``ipaddress`` by a property test on
both engines, instead of asking Python about each distinct value.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import ibis
import ibis.expr.types as ir

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

#: (condition, field at fault, reason) over the staged table, in the order tried.
Check = tuple[Callable[[ir.Table], ir.BooleanValue], str, Callable[[ir.Table], ir.StringValue]]

END = r"\z"
# Date, time and optional zone; the engine then checks the values are real dates.
TIMESTAMP_PATTERN = (
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}(:?\d{2})?)?" + END
)
MAX_ASN = 4_294_967_295
#: An integer as text: digits with an optional sign and surrounding blanks, or a float
#: column's ``12.0``. Exponents, hex and ``_`` separators are not ASNs.
INTEGER_PATTERN = r"^[\t\n\f\r ]*[+-]?[0-9]+(\.0*)?[\t\n\f\r ]*" + END
_BLANK = r"\t\n\f\r "

_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
IPV4 = rf"{_OCTET}(\.{_OCTET}){{3}}"
_H = r"[0-9A-Fa-f]{1,4}"


def _groups(n: int) -> str:
    """``n`` hextets separated by colons (empty for 0)."""
    return "" if n == 0 else _H + rf"(:{_H}){{{n - 1}}}" if n > 1 else _H


def _ipv6_forms() -> list[str]:
    """Every IPv6 text form ``ipaddress`` accepts: 8 hextets, or fewer around one ``::``
    standing for at least one, optionally ending in an IPv4 address (two hextets)."""
    forms = [_groups(8), _groups(6) + ":" + IPV4]
    for left in range(8):
        # at most 7 - left hextets after "::", or 5 - left and an IPv4 address
        forms.append(
            _groups(left) + "::" + (rf"({_H}(:{_H}){{0,{6 - left}}})?" if left < 7 else "")
        )
        if left <= 5:
            forms.append(_groups(left) + "::" + rf"({_H}:){{0,{5 - left}}}" + IPV4)
    return forms


IPV6 = "(" + "|".join(_ipv6_forms()) + ")(%[0-9A-Za-z_.-]{1,32})?"
IP_BODY = rf"({IPV4}|{IPV6})"
#: A valid IPv4 or IPv6 address (with an optional zone), as Python's ``ipaddress`` reads it.
IP_PATTERN = f"^{IP_BODY}{END}"


def _shown(col: ir.StringValue) -> ir.StringValue:
    """The offending value, shortened, for a reason string."""
    return "'" + col.substr(0, 60) + "'"


def _thousands(n: ir.IntegerValue) -> ir.StringValue:
    """``n`` (>= 0) with thousands separators, as DuckDB's ``format('{:,}')`` writes it."""
    powers = (9, 6, 3, 0)  # a value longer than 10**12 characters cannot be staged
    groups = [((n // 10**p) % 1000).cast("string") for p in powers]
    result = groups[-1]
    for top, power in enumerate(powers[:-1]):
        text = groups[top]
        for lower in groups[top + 1 :]:
            text = text + "," + lower.lpad(3, "0")
        result = (n >= 10**power).ifelse(text, result)
    return result


def parse_timestamp(col: ir.StringValue) -> ir.TimestampValue:
    """RFC 3339 text as a UTC timestamp without zone (NULL if it is not one)."""
    parsed = col.try_cast("timestamp('UTC')").cast("timestamp")
    return col.re_search(TIMESTAMP_PATTERN).ifelse(parsed, ibis.null("timestamp"))


def parsed_column(name: str) -> str:
    """The column :func:`with_checks` keeps a timestamp field's parsed value in."""
    return f"_parsed_{name}"


def _with_parsed(staged: ir.Table, spec: TableSpec) -> ir.Table:
    """``staged`` plus each timestamp field parsed once (:func:`parse_timestamp`), for
    every check of that field and for the typed output: the text was parsed three times
    (format check, window check, clean table)."""
    parsed = {
        parsed_column(f.name): parse_timestamp(staged[f.name])
        for f in spec.fields
        if f.type is FieldType.TIMESTAMP
    }
    return staged.mutate(**parsed) if parsed else staged


def parse_integer(col: ir.StringValue) -> ir.IntegerValue:
    """An integer text (:data:`INTEGER_PATTERN`) as a BIGINT (NULL if it is not one)."""
    digits = col.re_extract(r"^[\t\n\f\r ]*([+-]?[0-9]+)", 1)
    return col.re_search(INTEGER_PATTERN).ifelse(digits.try_cast("int64"), ibis.null("int64"))


def _field_checks(spec: TableSpec, limits: IngestLimits, now: datetime | None) -> list[Check]:
    checks: list[Check] = []
    earliest, latest = limits.window(now)
    for field in spec.fields:
        name = field.name
        checks.append(_size_check(name, limits.max_field_chars))
        if field.required:
            checks.append(_missing_check(name))
        if field.type is FieldType.TIMESTAMP:
            checks.append(_timestamp_check(name))
            checks.append(_window_check(name, earliest, latest))
        elif field.type is FieldType.INTEGER:
            checks.append(_asn_check(name))
        elif field.type is FieldType.STRING_LIST:
            checks.append(_list_check(name))
    checks.extend(_TABLE_CHECKS.get(spec.name, ()))
    return checks


def _missing_check(name: str) -> Check:
    return (
        lambda t: t[name].isnull(),
        name,
        lambda t: ibis.literal(f"missing required field '{name}'"),
    )


def _timestamp_check(name: str) -> Check:
    return (
        lambda t: t[name].notnull() & t[parsed_column(name)].isnull(),
        name,
        lambda t: "not an RFC 3339 timestamp: " + _shown(t[name]),
    )


def _asn_check(name: str) -> Check:
    return (
        lambda t: t[name].notnull() & ~parse_integer(t[name]).between(0, MAX_ASN).fill_null(False),
        name,
        lambda t: f"not an autonomous system number (integer 0..{MAX_ASN}): " + _shown(t[name]),
    )


def _list_check(name: str) -> Check:
    return (
        lambda t: t[name].notnull() & ~t[name].re_search(STRING_ARRAY_PATTERN),
        name,
        lambda t: ibis.literal("list items must be strings"),
    )


_JSON_STRING = r'"[^"\\]*(\\[^\n][^"\\]*)*"'
_JSON_BLANK = r"[\t\n\r ]*"
#: A JSON array whose items are all strings (the staged list text is normalised JSON).
STRING_ARRAY_PATTERN = (
    rf"^\[{_JSON_BLANK}({_JSON_STRING}{_JSON_BLANK}(,{_JSON_BLANK}{_JSON_STRING}{_JSON_BLANK})*)?\]"
    + END
)


def _size_check(name: str, limit: int) -> Check:
    return (
        lambda t: t[name].length() > limit,
        name,
        lambda t: (
            f"value longer than {limit:,} characters (ingest limit max_field_chars): "
            + _thousands(t[name].length().cast("int64"))
            + " characters"
        ),
    )


def _window_check(name: str, earliest: datetime, latest: datetime) -> Check:
    """Timestamps outside the plausible window: a 1970 placeholder, a clock set to 2040."""
    # Literal text cast to a timestamp: the same SQL on both engines, and a compiled
    # query can be reused for another window by replacing the text (validate.py).
    low, high = (ibis.literal(t.isoformat(sep=" ")).cast("timestamp") for t in (earliest, latest))
    shown = " .. ".join(t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in (earliest, latest))
    return (
        lambda t: t[name].notnull() & ~t[parsed_column(name)].between(low, high),
        name,
        lambda t: (
            "timestamp outside the plausible window (ingest limits earliest / latest): "
            + _shown(t[name])
            + f" is not in {shown}"
        ),
    )


def _pattern_check(col: str, pattern: str, what: str) -> Check:
    """A value that does not match ``pattern`` (anchored), shown after ``what``."""
    return (
        lambda t: t[col].notnull() & ~t[col].re_search(f"^{pattern}{END}"),
        col,
        lambda t: what + ": " + _shown(t[col]),
    )


_ACCOUNT_CHECKS: list[Check] = [
    _pattern_check("photo_hash", PHASH_HEX, "not a 64-bit perceptual hash (16 hex digits)"),
    _pattern_check("country", "[A-Za-z]{2}", "not an ISO 3166-1 alpha-2 country code"),
    _pattern_check("phone_cc", r"\+[0-9]{1,4}", "not a calling code like +44"),
    _pattern_check("email_domain", rf"[^@{_BLANK}]+\.[^@{_BLANK}.]+", "not a domain name"),
]

_TYPES = sorted(t.value for t in EventType)


def _needs(types: frozenset[str], col: str, null: bool) -> Callable[[ir.Table], ir.BooleanValue]:
    def cond(t: ir.Table) -> ir.BooleanValue:
        present = t[col].isnull() if null else t[col].notnull()
        return t.type.isin(sorted(types)) & present

    return cond


def _type_reason(text: str) -> Callable[[ir.Table], ir.StringValue]:
    return lambda t: "an event of type '" + t.type + "' " + text


_EVENT_CHECKS: list[Check] = [
    (
        lambda t: t.type.notin(_TYPES),
        "type",
        lambda t: (
            "unknown event type " + _shown(t.type) + f" (expected one of: {', '.join(_TYPES)})"
        ),
    ),
    (_needs(ACTOR_REQUIRED, "actor_id", True), "actor_id", _type_reason("needs actor_id")),
    (_needs(TARGET_REQUIRED, "target_id", True), "target_id", _type_reason("needs target_id")),
    (
        _needs(TARGET_FORBIDDEN, "target_id", False),
        "target_id",
        _type_reason("takes no target_id"),
    ),
    _pattern_check("ip", IP_BODY, "not an IPv4 or IPv6 address"),
]
_FRIENDSHIP_CHECKS: list[Check] = [
    (lambda t: t.a == t.b, "b", lambda t: ibis.literal("an account cannot be its own friend"))
]

_TABLE_CHECKS: dict[str, list[Check]] = {
    "accounts": _ACCOUNT_CHECKS,
    "events": _EVENT_CHECKS,
    "friendships": _FRIENDSHIP_CHECKS,
}


def with_checks(
    staged: ir.Table,
    spec: TableSpec,
    limits: IngestLimits,
    now: datetime | None = None,
    *,
    keep_parsed: bool = False,
) -> ir.Table:
    """``staged`` plus ``_field`` and ``_reason``: a reader's problem first, else the
    first failing contract check, else NULL.

    Args:
        staged: every contract field as text plus ``_pre_reason`` / ``_pre_field``.
        spec: the contract table.
        limits: field size and timestamp window.
        now: the moment the window's default end is measured from (ingest start).
        keep_parsed: keep each timestamp field's parsed value (:func:`parsed_column`),
            which the clean table can take instead of parsing the text again.
    """
    checks = _field_checks(spec, limits, now)
    parsed = _with_parsed(staged, spec)
    extra = [c for c in parsed.columns if c not in staged.columns]
    staged = parsed
    # Each condition is evaluated once per row: the number of the first failing check
    # (0: a reader's problem) is found first; field and reason are looked up from it.
    first = ibis.cases(
        (staged._pre_reason.notnull(), 0),
        *((cond(staged), i) for i, (cond, _, _) in enumerate(checks, 1)),
        else_=ibis.null("int32"),
    )
    numbered = staged.mutate(_check=first)
    number = numbered._check
    fields = [(number == 0, numbered._pre_field)] + [
        (number == i, ibis.literal(field)) for i, (_, field, _) in enumerate(checks, 1)
    ]
    reasons = [(number == 0, numbered._pre_reason)] + [
        (number == i, reason(numbered)) for i, (_, _, reason) in enumerate(checks, 1)
    ]
    checked = numbered.mutate(
        _field=ibis.cases(*fields, else_=ibis.null("string")),
        _reason=ibis.cases(*reasons, else_=ibis.null("string")),
    )
    return checked.drop("_check", *([] if keep_parsed else extra))
