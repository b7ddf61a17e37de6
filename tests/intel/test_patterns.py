"""STIX patterns are built and read through the STIX grammar, never by splitting on "="."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stix2patterns.validator import validate

from mercwatch.errors import IntelFormatError
from mercwatch.intel.patterns import build_pattern, parse_pattern, unescape_literal
from mercwatch.model import IndicatorType as T


@pytest.mark.parametrize(
    ("kind", "value", "pattern"),
    [
        (T.DOMAIN, "evil.com", "[domain-name:value = 'evil.com']"),
        (T.URL, "http://a/b'c\\d=e", "[url:value = 'http://a/b\\'c\\\\d=e']"),
        (T.SHA256, "ab" * 32, f"[file:hashes.'SHA-256' = '{'ab' * 32}']"),
        (T.SHA1, "ab" * 20, f"[file:hashes.'SHA-1' = '{'ab' * 20}']"),
        (T.MD5, "ab" * 16, f"[file:hashes.MD5 = '{'ab' * 16}']"),
        (T.IPV6, "2001:db8::1", "[ipv6-addr:value = '2001:db8::1']"),
        (T.PROCESS_NAME, "bh", "[process:name = 'bh']"),
    ],
)
def test_build_pattern_escapes(kind: T, value: str, pattern: str) -> None:
    assert build_pattern(kind, value) == pattern
    assert validate(pattern, ret_errs=True, stix_version="2.1")[0]


def test_parse_reads_or_lists_and_hash_spellings() -> None:
    found = parse_pattern(
        "[file:hashes.'SHA-256' = 'aa'] OR [domain-name:value IN ('a.com', 'b.com')] OR "
        "[file:hashes.sha1 = 'bb']"
    )
    assert [(c.kind, c.value) for c in found] == [
        (T.SHA256, "aa"),
        (T.DOMAIN, "a.com"),
        (T.DOMAIN, "b.com"),
        (T.SHA1, "bb"),
    ]


def test_unknown_paths_are_kept_for_reporting() -> None:
    (comp,) = parse_pattern("[android-property:name = 'persist.x']")
    assert comp.kind is None and comp.path == "android-property:name"


@pytest.mark.parametrize(
    "pattern",
    [
        "[domain-name:value = 'a.com' AND domain-name:value = 'b.com']",
        "[domain-name:value != 'a.com']",
        "[domain-name:value LIKE '%.com']",
        "[domain-name:value = 'a.com'] WITHIN 5 SECONDS",
        "domain-name:value = 'a.com'",
        "[domain-name:value = 'a.com'",
    ],
)
def test_behavioural_or_broken_patterns_are_errors(pattern: str) -> None:
    with pytest.raises(IntelFormatError):
        parse_pattern(pattern)


# Any text a feed may hold: quotes, backslashes, "=", brackets, unicode, newlines.
VALUES = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)


@given(st.sampled_from(list(T)), VALUES)
def test_pattern_round_trip(kind: T, value: str) -> None:
    (comp,) = parse_pattern(build_pattern(kind, value))
    assert comp.value == value
    assert comp.kind is kind


@given(VALUES)
def test_unescape_inverts_stix2_escaping(value: str) -> None:
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    assert unescape_literal(escaped) == value
