"""The report in a real headless Chromium (Debian's, driven by playwright; never downloaded).

Loaded from file:// with the network off: no console errors, both SVG charts laid out
with a real size, the hostile payloads shown as text and never run, and a screenshot.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from _chromium import ARGS, CHROMIUM
from _report_samples import SUMMARY, actions, notifications, operations

from mercwatch.intel.report import render_html

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser: Any, tmp_path: Path) -> Iterator[tuple[Any, list[str], list[str]]]:
    html = render_html(
        operations(),
        SUMMARY,
        notifications=notifications(),
        actions=actions(),
        generated_at=datetime(2021, 12, 16, 9, 0),
    )
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
    tab = context.new_page()
    console: list[str] = []
    failed: list[str] = []
    tab.on(
        "console",
        lambda m: console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None,
    )
    tab.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    tab.on("requestfailed", lambda r: failed.append(r.url))
    tab.on("dialog", lambda d: (console.append(f"dialog: {d.message}"), d.dismiss()))
    tab.goto(path.as_uri(), wait_until="load")
    yield tab, console, failed
    context.close()


def test_report_renders_cleanly(page: tuple[Any, list[str], list[str]], tmp_path: Path) -> None:
    tab, console, failed = page
    assert console == [] and failed == []
    sizes = tab.eval_on_selector_all(
        "figure svg",
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return [r.width, r.height, e.querySelectorAll('rect').length]; })",
    )
    assert len(sizes) == 2
    for width, height, rects in sizes:
        assert width > 400 and height > 100 and rects >= 3
    shot = tmp_path / "report.png"
    tab.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000


def test_payloads_are_shown_and_never_run(page: tuple[Any, list[str], list[str]]) -> None:
    tab, console, _ = page
    assert tab.evaluate("window.__pwned") is None
    assert tab.evaluate("document.scripts.length") == 0
    assert (
        tab.evaluate("document.querySelectorAll('img, [onerror], a[href^=javascript]').length") == 0
    )
    text = tab.inner_text("body")
    assert "<script>window.__pwned=1</script>" in text  # visible as text
    assert "victim-" not in text
    assert console == []


def test_print_layout_fits_a_page_width(
    page: tuple[Any, list[str], list[str]], tmp_path: Path
) -> None:
    tab, _, _ = page
    overflow = tab.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert overflow is False
    pdf = tab.pdf(path=str(tmp_path / "report.pdf"), format="A4")
    assert pdf[:4] == b"%PDF"


@pytest.mark.parametrize("edition", ["internal", "public"])
def test_both_editions_render(browser: Any, tmp_path: Path, edition: str) -> None:
    """Each edition in Chromium: no console error, fits the page width, a screenshot."""
    from mercwatch.intel.report.render import render_public_html

    options: dict[str, Any] = {
        "notifications": notifications(),
        "actions": actions(),
        "generated_at": datetime(2021, 12, 16, 9, 0),
    }
    if edition == "public":
        html = render_public_html(operations(), **options)
    else:
        html = render_html(operations(), SUMMARY, **options)
    path = tmp_path / f"report.{edition}.html"
    path.write_text(html, encoding="utf-8")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
    tab = context.new_page()
    console: list[str] = []
    tab.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: console.append(str(e)))
    tab.goto(path.as_uri(), wait_until="load")
    text = tab.inner_text("body")
    shot = tmp_path / f"{edition}.png"
    tab.screenshot(path=str(shot), full_page=True)
    overflow = tab.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    context.close()
    assert console == [] and overflow is False
    assert shot.stat().st_size > 20_000
    assert "Cytrox" in text
    assert ("TLP:CLEAR" if edition == "public" else "TLP:AMBER") in text
    if edition == "public":
        assert "Unattributed operation 1" in text and "victim-" not in text
