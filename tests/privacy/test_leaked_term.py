"""The exporters' last check (defence in depth): a target's name is found however spelled.

``leaked_term`` used to lower-case and percent-decode only, so ``Nour Novak`` was not
found in ``/signin/nour.novak``, ``NOUR_NOVAK`` or its base64.
"""

from __future__ import annotations

import base64
from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st

from mercwatch.intel.indicators import leaked_term

NAME = st.from_regex(r"[A-Z][a-z]{3,8}", fullmatch=True)


@given(
    first=NAME,
    last=NAME,
    sep=st.sampled_from([".", "_", "-", " ", "", "+", "~"]),
    case=st.sampled_from([str.lower, str.upper, str.title, str.swapcase]),
    encode=st.sampled_from(
        [
            lambda s: s,
            lambda s: quote(s, safe=""),
            lambda s: quote(quote(s, safe=""), safe=""),
            lambda s: base64.urlsafe_b64encode(s.encode()).decode().rstrip("="),
            lambda s: base64.b64encode(s.encode()).decode(),
        ]
    ),
)
def test_names_are_found_in_every_spelling(first, last, sep, case, encode) -> None:  # type: ignore[no-untyped-def]
    name = f"{first} {last}"
    value = f"https://evil.example/signin/{encode(case(f'{first}{sep}{last}'))}/x"
    assert leaked_term(value, [name]) == name


def test_short_and_numeric_ids_match_whole_tokens_only() -> None:
    assert leaked_term("203.0.113.142", ["42"]) is None
    assert leaked_term("https://evil.example/u/42", ["42"]) == "42"
    assert leaked_term("https://evil.example/u/1002345", ["100234"]) is None
    assert leaked_term("https://evil.example/p?rid=100234", ["100234"]) == "100234"
    assert leaked_term("https://evil.example/p?rid=u100234", ["100234"]) == "100234"
