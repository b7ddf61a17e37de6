"""The dashboard in a real headless Chromium: sign in, read an operation, approve by clicking.

Runs the server (uvicorn) on a free loopback port in a thread, and drives Debian's
chromium through playwright (never ``playwright install``: no downloads).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from _chromium import ARGS, CHROMIUM

from mercwatch.api import ApiSettings, Role, create_app
from mercwatch.enforce import read_audit
from mercwatch.model import ActionStatus
from mercwatch.web import WebSettings

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(run: Any) -> Iterator[str]:
    import uvicorn

    # Plain HTTP on loopback: the Secure flag would be honoured by Chromium on
    # 127.0.0.1 too, but the setting exists for exactly this case, so use it.
    web = WebSettings(
        state_url=run.state_url,
        export_dir=run.export,
        session_secret="b" * 40,
        secure_cookies=False,
    )
    app = create_app(ApiSettings(run_dir=run.out), authenticator=run.auth, web=web)
    port = _free_port()
    srv = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        if not thread.is_alive():
            raise RuntimeError("the dashboard server did not start")
        threading.Event().wait(0.02)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.skip("Debian chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


def test_analyst_reviews_an_operation_end_to_end(
    run: Any, server: str, browser: Any, tmp_path: Any
) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    problems: list[str] = []
    page.on(
        "console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None
    )
    page.on("pageerror", lambda e: problems.append(str(e)))

    def on_dialog(dialog: Any) -> None:  # an alert() would mean injected script ran
        problems.append(f"dialog {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)

    page.goto(f"{server}/operations/{run.hostile_op}")
    assert page.url.startswith(f"{server}/login?next=")
    page.fill("#token", run.tokens[Role.WRITER])
    page.click("button:text('Sign in')")
    page.wait_for_url(f"{server}/operations/{run.hostile_op}")
    page.screenshot(path=str(tmp_path / "operation.png"), full_page=True)

    name, bio, actor, *_ = run.hostile
    accounts = page.locator("section.card", has_text="Accounts run by the operation")
    assert accounts.get_by_text(name, exact=True).count() == 1  # shown as text, not markup
    assert accounts.get_by_text(bio, exact=True).count() == 1
    assert page.get_by_text(actor, exact=True).count() >= 1
    assert page.locator("img, svg").count() == 0
    # The only scripts are the graph's own files and its (inert) JSON data block.
    scripts = page.eval_on_selector_all(
        "script", "els => els.map(e => [e.getAttribute('src') || '', e.type])"
    )
    assert sorted(scripts) == sorted(
        [
            ["/static/vendor/cytoscape.min.js", ""],
            ["/static/operation-graph.js", ""],
            ["", "application/json"],
        ]
    )
    assert "pwned" not in page.title()

    page.click("nav >> text=Review queue")
    item = page.locator(f"#action-{run.pending_ids[0]}")
    assert item.get_by_text(name).count() == 1
    item.locator("input[name=note]").fill("persona confirmed with the engagement team")
    page.screenshot(path=str(tmp_path / "review.png"), full_page=True)
    item.locator("button[value=approve]").click()
    page.wait_for_url("**/review?done=*")
    assert page.locator(f"#action-{run.pending_ids[0]}").count() == 0
    assert page.get_by_role("status").inner_text().startswith("Decision recorded")

    stored = {s.id: s for s in run.enforcer().list_actions()}[run.pending_ids[0]]
    assert stored.action.status is ActionStatus.APPLIED
    assert read_audit(run.store())[-1].reason == "persona confirmed with the engagement team"

    page.click("nav >> text=Audit log")
    page.click("button:text('Verify chain')")
    first = page.locator("table.audit tbody tr").first
    assert "dashboard:reviewer-1" in first.inner_text()
    assert "persona confirmed with the engagement team" in first.inner_text()
    assert page.get_by_role("status").inner_text().startswith("Chain verified")
    page.screenshot(path=str(tmp_path / "audit.png"), full_page=True)

    page.click("nav >> text=Overview")
    page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)
    page.click("nav >> text=Operations")
    page.screenshot(path=str(tmp_path / "operations.png"), full_page=True)
    assert "pwned" not in page.title()
    assert problems == []
    for shot in ["operation", "review", "audit", "overview", "operations"]:
        assert (tmp_path / f"{shot}.png").stat().st_size > 10_000
