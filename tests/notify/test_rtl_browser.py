"""Right-to-left warnings in a real headless Chromium (Debian's, via playwright).

Arabic, Persian and Urdu warnings must read right to left: the browser's computed
direction and the side a heading's text sits on prove it, not just a ``dir``
attribute in the markup. Left-to-right languages stay left to right.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _chromium import ARGS, CHROMIUM

from mercwatch.model.records import Phase
from mercwatch.notify import MessageRenderer, available_locales

pytestmark = pytest.mark.browser
RTL = {"ar", "fa", "ur"}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def test_direction_as_the_browser_lays_it_out(browser: Any, tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": 800, "height": 900}, offline=True)
    tab = context.new_page()
    renderer = MessageRenderer(checkup_url="https://platform.example/checkup")
    seen = {}
    for locale in available_locales():
        html = renderer.render(Phase.EXPLOITATION, locale, enforcement="removed").html
        path = tmp_path / f"{locale}.html"
        path.write_text(html, encoding="utf-8")
        tab.goto(path.as_uri(), wait_until="load")
        seen[locale] = tab.evaluate(
            "() => { const h = document.querySelector('h2'); const r = document.createRange();"
            " r.selectNodeContents(h); const text = r.getBoundingClientRect();"
            " const box = h.getBoundingClientRect();"
            " return [getComputedStyle(document.body).direction,"
            " box.right - text.right < text.left - box.left]; }"
        )
    context.close()
    for locale, (direction, hugs_right) in seen.items():
        rtl = locale in RTL
        assert direction == ("rtl" if rtl else "ltr"), locale
        assert hugs_right == rtl, locale
