"""Masking message texts: the fast path (link pre-check, token cache) equals the plain rule."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mercwatch.detectors.engagement.templates import (
    LINK,
    NAME,
    NUMBER,
    TOKEN_RE,
    URL_RE,
    find_templates,
    masked_tokens,
)


def plain_masked_tokens(text: str) -> list[str]:
    """The rule as first written, one regular expression pass and test per token."""
    out: list[str] = []
    for token in TOKEN_RE.findall(URL_RE.sub(" zzurlzz ", text)):
        if token == "zzurlzz":
            word = LINK
        elif token.isalpha():
            word = NAME if token[0].isupper() else token.lower()
        elif any(ch.isdigit() for ch in token):
            word = NUMBER
        elif token[0].isupper():
            word = NAME
        else:
            word = token.lower()
        if not (word == NAME and out and out[-1] == NAME):
            out.append(word)
    return out


PIECES = st.sampled_from(
    [
        "Anna",
        "anna",
        "ÉLODIE",
        "Ústí",
        "İstanbul",
        "ǅemal",
        "ΣΟΦΙΑ",
        "σοφία",
        "x²",
        "42",
        "٣٤",
        "rock'n'roll",
        "l’été",
        "O'Neil",
        "_x",
        "www.",
        "WwW.example.org/a",
        "http://",
        "HTTPS://Example.com/p?q=1",
        "ftp://x",
        "zzurlzz",
        ".",
        ",",
        " ",
        "\n",
        "://",
        "é",
        "e\u0301",
        "ß",
        "ﬁ",
        "Ⅻ",
        "🙂",
        "-",
        "'",
    ]
)
TEXTS = st.one_of(
    st.lists(PIECES, max_size=14).map("".join),
    st.lists(st.one_of(PIECES, st.text(max_size=4)), max_size=10).map(" ".join),
)


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_fast_masking_equals_the_plain_rule(text: str) -> None:
    assert masked_tokens(text) == plain_masked_tokens(text)


@settings(max_examples=100, deadline=None)
@given(st.lists(TEXTS, max_size=12))
def test_templates_do_not_depend_on_input_order(texts: list[str]) -> None:
    forward = find_templates(texts, 0.5, 2)
    backward = find_templates(list(reversed(texts)), 0.5, 2)
    assert forward == backward
    for tpl in forward:
        first = min(tpl.texts)
        assert tpl.masked == " ".join(plain_masked_tokens(first))
