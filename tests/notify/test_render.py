"""Warning texts: every language, every level, escaped, with help links."""

from __future__ import annotations

import pytest

from mercwatch.model.records import Phase
from mercwatch.notify import MessageRenderer, available_locales, pick_locale
from mercwatch.notify.catalogs import missing


def test_every_catalog_translates_every_text() -> None:
    """Issue 13 item 3: 20+ locales, each complete (no English left in a warning)."""
    assert len(available_locales()) >= 20
    for locale in available_locales():
        if locale != "en":
            assert missing(locale) == [], locale


@pytest.mark.parametrize("locale", available_locales())
@pytest.mark.parametrize("level", list(Phase))
def test_each_language_and_level_renders_what_happened_and_what_to_do(
    locale: str, level: Phase
) -> None:
    message = MessageRenderer(
        checkup_url="https://platform.example/checkup", help_url="https://www.accessnow.org/help/"
    ).render(level, locale)
    assert message.locale == locale
    assert message.subject and "\n" not in message.subject
    for body in (message.text, message.html):
        assert "https://www.accessnow.org/help/" in body
        assert "https://platform.example/checkup" in body
        assert "{" not in body and "}" not in body
    assert f'lang="{locale}"' in message.html
    rtl = locale in ("ar", "fa", "ur")
    assert message.direction == ("rtl" if rtl else "ltr")
    assert ('dir="rtl"' in message.html) == rtl


def test_levels_say_different_things() -> None:
    renderer = MessageRenderer()
    subjects = {renderer.render(level, "fr").subject for level in Phase}
    assert len(subjects) == 3


def test_display_name_is_escaped_in_html_only() -> None:
    name = '<img src=x onerror="alert(1)">&co'
    message = MessageRenderer().render(Phase.ENGAGEMENT, "es", display_name=name)
    assert name not in message.html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;&amp;co" in message.html
    assert name in message.text


@pytest.mark.parametrize(
    ("requested", "chosen"),
    [
        ("es-MX", "es"),
        ("fr_CA", "fr"),
        ("AR", "ar"),
        ("de", "de"),
        ("hu", "en"),
        (None, "en"),
        ("", "en"),
    ],
)
def test_pick_locale(requested: str | None, chosen: str) -> None:
    assert pick_locale(requested) == chosen
