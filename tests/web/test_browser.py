"""The dashboard in a real headless Chromium: sign in, read an operation, approve by clicking.

The ``server`` and ``browser`` fixtures (conftest.py) run uvicorn on a free loopback
port in a thread and drive Debian's chromium through playwright (never
``playwright install``: no downloads).
"""

from __future__ import annotations

from typing import Any

import pytest

from mercwatch.api import Role
from mercwatch.enforce import read_audit
from mercwatch.model import ActionStatus

pytestmark = pytest.mark.browser


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
