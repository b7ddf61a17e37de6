"""STIX 2.1 patterns for single indicator values, built and read with stix2's own parser.

Patterns are never split on ``=``: a URL holds ``=`` in its query string and a value
may hold quotes, so patterns are built from :mod:`stix2.patterns` objects (which escape
quotes and backslashes) and read back through :func:`stix2.pattern_visitor.create_pattern_object`
(the ANTLR grammar of :mod:`stix2patterns`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stix2.exceptions import STIXError
from stix2.pattern_visitor import create_pattern_object
from stix2.patterns import (
    EqualityComparisonExpression,
    InComparisonExpression,
    ListConstant,
    ObjectPath,
    ObservationExpression,
    OrBooleanExpression,
    OrObservationExpression,
    ParentheticalExpression,
    StringConstant,
)
from stix2patterns.exceptions import ParseException

from mercwatch.errors import IntelFormatError
from mercwatch.model import IndicatorType

# Object paths for each indicator type. Hash algorithm names are the STIX vocabulary
# spellings; "SHA-256" needs quotes in a path because of its hyphen.
PATH_FOR_TYPE: dict[IndicatorType, str] = {
    IndicatorType.DOMAIN: "domain-name:value",
    IndicatorType.URL: "url:value",
    IndicatorType.IPV4: "ipv4-addr:value",
    IndicatorType.IPV6: "ipv6-addr:value",
    IndicatorType.EMAIL: "email-addr:value",
    IndicatorType.MD5: "file:hashes.MD5",
    IndicatorType.SHA1: "file:hashes.'SHA-1'",
    IndicatorType.SHA256: "file:hashes.'SHA-256'",
    IndicatorType.FILE_NAME: "file:name",
    IndicatorType.PROCESS_NAME: "process:name",
}

# Reading is laxer than writing: peers write hash names in several spellings.
_TYPE_FOR_PATH: dict[str, IndicatorType] = {
    "domain-name:value": IndicatorType.DOMAIN,
    "url:value": IndicatorType.URL,
    "ipv4-addr:value": IndicatorType.IPV4,
    "ipv6-addr:value": IndicatorType.IPV6,
    "email-addr:value": IndicatorType.EMAIL,
    "email-message:from_ref.value": IndicatorType.EMAIL,
    "file:hashes.md5": IndicatorType.MD5,
    "file:hashes.sha1": IndicatorType.SHA1,
    "file:hashes.sha256": IndicatorType.SHA256,
    "file:name": IndicatorType.FILE_NAME,
    "process:name": IndicatorType.PROCESS_NAME,
}

_ESCAPE = re.compile(r"\\(['\\])")


@dataclass(frozen=True, slots=True)
class Comparison:
    """One ``path = 'value'`` test inside a pattern.

    Attributes:
        path: the object path as written, e.g. ``file:hashes.'SHA-256'``.
        value: the string it is compared with, unescaped.
        kind: our indicator type for ``path``, None when we have no such type.
    """

    path: str
    value: str
    kind: IndicatorType | None


def build_pattern(kind: IndicatorType, value: str) -> str:
    """``[domain-name:value = 'evil.com']`` for one value, quotes and backslashes escaped."""
    path = ObjectPath.make_object_path(PATH_FOR_TYPE[kind])
    return str(ObservationExpression(EqualityComparisonExpression(path, StringConstant(value))))


def unescape_literal(text: str) -> str:
    """Inverse of stix2's ``escape_quotes_and_backslashes``.

    stix2's visitor keeps string literals as written between the quotes (``a\\'b``), so
    the two escapes the STIX grammar allows, ``\\'`` and ``\\\\``, are undone here.
    """
    return _ESCAPE.sub(r"\1", text)


def _path_key(path: ObjectPath) -> tuple[str, str]:
    written = str(path)
    key = written.replace("'", "")
    object_type, _, prop = key.partition(":")
    if prop.startswith("hashes."):
        prop = "hashes." + prop[len("hashes.") :].replace("-", "").lower()
    return written, f"{object_type}:{prop}"


def _string_values(expr: object) -> list[str] | None:
    rhs = getattr(expr, "rhs", None)
    if isinstance(expr, EqualityComparisonExpression) and isinstance(rhs, StringConstant):
        return [unescape_literal(rhs.value)]
    if isinstance(expr, InComparisonExpression) and isinstance(rhs, ListConstant):
        values = [v for v in rhs.value if isinstance(v, StringConstant)]
        if len(values) == len(rhs.value):
            return [unescape_literal(v.value) for v in values]
    return None


def _comparisons(expr: object, pattern: str) -> list[Comparison]:
    if isinstance(expr, ObservationExpression | ParentheticalExpression):
        inner = expr.operand if isinstance(expr, ObservationExpression) else expr.expression
        return _comparisons(inner, pattern)
    if isinstance(expr, OrObservationExpression | OrBooleanExpression):
        return [c for operand in expr.operands for c in _comparisons(operand, pattern)]
    values = _string_values(expr)
    if values is None or getattr(expr, "negated", False):
        raise IntelFormatError(pattern, f"not a list of values: {expr}")
    # _string_values finds values only in these two comparison kinds
    assert isinstance(expr, EqualityComparisonExpression | InComparisonExpression)
    written, key = _path_key(expr.lhs)
    return [Comparison(written, v, _TYPE_FOR_PATH.get(key)) for v in values]


def parse_pattern(pattern: str) -> list[Comparison]:
    """The values a pattern lists, for patterns that are ``=`` / ``IN`` tests joined by OR.

    Anything else (AND, ``!=``, LIKE, MATCHES, WITHIN) describes behaviour rather than
    listing values, so it cannot become a set of indicators and is reported instead.

    Raises:
        IntelFormatError: the pattern does not parse, or is not a plain list of values.
    """
    try:
        tree = create_pattern_object(pattern, version="2.1")
    except (ParseException, STIXError, ValueError, TypeError) as exc:
        raise IntelFormatError(pattern, f"pattern does not parse: {exc}") from exc
    return _comparisons(tree, pattern)
