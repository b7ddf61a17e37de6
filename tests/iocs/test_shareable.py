"""shareable_url: scheme, host and a path shape; nothing that could name a person."""

from __future__ import annotations

import pytest

from mercwatch.iocs import IdentityMatcher, shareable_text, shareable_url

WHO = IdentityMatcher(["100234", "Nour Novak", "nour@mail.example"])


@pytest.mark.parametrize(
    ("url", "shared"),
    [
        (
            "https://evil.example/signin/nour.novak?rid=100234#inbox",
            "https://evil.example/signin/:target",
        ),
        ("https://evil.example/u/NOUR_NOVAK/", "https://evil.example/u/:target/"),
        ("https://evil.example/t/bm91ci5ub3Zhaw", "https://evil.example/t/:target"),
        ("https://evil.example/p/nour%252Enovak", "https://evil.example/p/:target"),
        ("https://evil.example/p/u100234", "https://evil.example/p/:target"),
        ("https://evil.example/login/index.php?lang=en", "https://evil.example/login/index.php"),
        (
            "https://user:pw@evil.example:8443/wp-content/x.js",
            "https://evil.example:8443/wp-content/x.js",
        ),
        ("evil.example/reset-password/8f3a9b2c1d", "http://evil.example/reset-password/:token"),
        ("https://evil.example/x/+1%20555%20123%204567", "https://evil.example/x/:phone"),
        ("https://evil.example/x/jane.doe@mail.example", "https://evil.example/x/:email"),
        ("https://evil.example/x/20241105", "https://evil.example/x/:number"),
        ("https://evil.example/x/ab12cd", "https://evil.example/x/:id"),
        ("https://evil.example/x/janedoe", "https://evil.example/x/:name"),
        ("hxxps[:]//evil[.]example/verify", "https://evil.example/verify"),
        ("https://[2001:db8::1]/login", "https://[2001:db8::1]/login"),
    ],
)
def test_shapes(url: str, shared: str) -> None:
    assert shareable_url(url, WHO) == shared


@pytest.mark.parametrize(
    "url",
    ["https://nour-novak.evil.example/", "https://x.100234.evil.example/", "data:,nour"],
)
def test_nothing_may_leave(url: str) -> None:
    assert shareable_url(url, WHO) is None


def test_text_keeps_its_punctuation_and_withholds_what_cannot_go() -> None:
    text = "sent https://evil.example/u/nour.novak, then https://nour-novak.evil.example/x."
    assert shareable_text(text, WHO) == (
        "sent https://evil.example/u/:target, then [url withheld]."
    )
