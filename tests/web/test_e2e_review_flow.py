"""Issue 14's end-to-end check in a real headless Chromium (Debian's, via playwright).

A reviewer signs in, opens an operation (the graph is drawn: its node count is read off
the page), approves a queued action, finds it in the audit log, reverses it on appeal,
and watches the overview's counts follow. Then a viewer walks every page and every
graph's JSON, and no target identity (the simulator's ground truth and the run's own
list) appears in any of them. Finally a hostile display name in the graph is shown as
text: no dialog, no error event, nothing injected.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pyarrow.parquet as pq
import pytest

from mercwatch.api import Role
from mercwatch.model import ActionStatus

pytestmark = pytest.mark.browser
COUNT_IDS = ("proposed", "approved", "rejected", "applied", "reversed", "disabled")


class Watched:
    """A page that records every dialog, uncaught error and console error or warning."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.problems: list[str] = []
        page.on("pageerror", lambda e: self.problems.append(f"pageerror {e}"))
        page.on("dialog", self._dialog)
        page.on(
            "console",
            lambda m: (
                self.problems.append(f"console {m.type}: {m.text}")
                if m.type in ("error", "warning")
                else None
            ),
        )

    def _dialog(self, dialog: Any) -> None:  # alert() would mean injected script ran
        self.problems.append(f"dialog {dialog.message}")
        dialog.dismiss()


@pytest.fixture
def watched(browser: Any) -> Iterator[Callable[[], Watched]]:
    contexts: list[Any] = []

    def new() -> Watched:
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        contexts.append(context)
        return Watched(context.new_page())

    yield new
    for context in contexts:
        context.close()


def sign_in(w: Watched, server: str, token: str, path: str) -> None:
    w.page.goto(f"{server}{path}")
    assert w.page.url.startswith(f"{server}/login?next=")
    w.page.fill("#token", token)
    w.page.click("button:text('Sign in')")
    w.page.wait_for_url(f"{server}{path}")


def overview_counts(w: Watched, server: str) -> dict[str, int]:
    w.page.goto(f"{server}/")
    return {k: int(w.page.inner_text(f"#count-{k}")) for k in COUNT_IDS}


def drawn_nodes(w: Watched) -> int:
    """Waits for the graph script to draw, then returns the node count it reports."""
    # A selector wait, not wait_for_function: that one may eval() a string, which the
    # page's CSP (rightly) refuses.
    w.page.locator("#graph[data-nodes]").wait_for(state="attached")
    assert w.page.locator("#graph canvas").count() > 0
    return int(w.page.get_attribute("#graph", "data-nodes") or -1)


def target_identities(run: Any) -> set[str]:
    """Targets' ids (simulator truth and the run's operations) and their unique names.

    Accounts the run lists among an operation's own accounts are left out: the dashboard
    shows those to every role by design (they are what reviewers act on). In this
    fixture three of them are also someone's target (operations probing each other's
    accounts) and one truth target was linked into an operation by mistake: a linking
    precision matter, not something redaction could know.
    """
    truth = json.loads((run.export / "truth.json").read_text(encoding="utf-8"))
    ops = json.loads((run.out / "operations.json").read_text(encoding="utf-8"))["operations"]
    attackers = {a for o in ops for a in o["accounts"]}
    ids = {t for o in truth["operations"] for t in o["targets"]}
    ids |= {t for o in ops for t in o["targets"]}
    ids -= attackers
    accounts = pq.read_table(run.export / "accounts.parquet").to_pylist()
    names = Counter(str(a["display_name"] or "") for a in accounts)
    attacker_names = {a["display_name"] for a in accounts if a["account_id"] in attackers}
    distinctive = {
        a["display_name"]
        for a in accounts
        if a["account_id"] in ids
        and names[a["display_name"] or ""] == 1
        and len(a["display_name"] or "") >= 8
        and a["display_name"] not in attacker_names
    }
    return ids | distinctive


def test_reviewer_approves_then_reverses_on_appeal_and_counts_follow(
    run: Any, server: str, watched: Callable[[], Watched]
) -> None:
    w = watched()
    page = w.page
    op_path = f"/operations/{run.hostile_op}"
    sign_in(w, server, run.tokens[Role.REVIEWER], op_path)
    graph = page.request.get(f"{server}{op_path}/graph.json").json()
    embedded = json.loads(page.inner_text("#graph-data"))
    assert drawn_nodes(w) == len(graph["nodes"]) == len(embedded["nodes"]) > 1
    assert page.get_attribute("#graph", "data-edges") == str(len(graph["edges"]))

    before = overview_counts(w, server)
    action_id = run.pending_ids[0]  # checkpoint the hostile persona account
    page.click("nav >> text=Review queue")
    item = page.locator(f"#action-{action_id}")
    item.locator("input[name=note]").fill("persona confirmed by the trust team")
    item.locator("button[value=approve]").click()
    page.wait_for_url("**/review?done=*")
    approved = overview_counts(w, server)
    assert approved["approved"] == before["approved"] + 1
    assert approved["applied"] == before["applied"] + 1
    assert approved["proposed"] == before["proposed"] - 1

    page.click("nav >> text=Audit log")
    newest = page.locator("table.audit tbody tr").first.inner_text()
    assert "dashboard:reviewer-1" in newest and "review_approve:checkpoint_account" in newest
    assert "persona confirmed by the trust team" in newest
    assert page.inner_text("#chain-status").startswith("Chain verified")

    page.click("nav >> text=Appeals")
    row = page.locator(f"#applied-{action_id}")
    row.locator("input[name=reason]").fill("owner proved the account is a real journalist")
    row.locator("button:text('Reverse')").click()
    page.wait_for_url(f"**/appeals?done={action_id}")
    assert page.locator(f"#applied-{action_id}").count() == 0
    done = page.locator("table.reversals tbody tr").first.inner_text()
    assert "dashboard:reviewer-1" in done and "checkpoint_account" in done
    assert "owner proved the account is a real journalist" in done
    stored = {s.id: s for s in run.enforcer().list_actions()}[action_id]
    assert stored.action.status is ActionStatus.REVERSED

    after = overview_counts(w, server)
    assert after["applied"] == before["applied"]
    assert after["reversed"] == before["reversed"] + 1
    page.click("nav >> text=Audit log")
    newest = page.locator("table.audit tbody tr").first.inner_text()
    assert "reverse:checkpoint_account" in newest
    assert page.inner_text("#chain-status").startswith("Chain verified")
    assert w.problems == []


def test_viewer_sees_no_target_identity_on_any_page(
    run: Any, server: str, watched: Callable[[], Watched]
) -> None:
    w = watched()
    sign_in(w, server, run.tokens[Role.VIEWER], "/")
    ops = json.loads((run.out / "operations.json").read_text(encoding="utf-8"))["operations"]
    paths = ["/", "/operations", "/review", "/appeals", "/audit", "/audit?verify=true", "/outbox"]
    paths += [f"/operations/{o['operation_id']}" for o in ops]
    seen: dict[str, str] = {}
    for path in paths:
        response = w.page.goto(f"{server}{path}")
        assert response is not None and response.status == 200, path
        seen[path] = w.page.content()
        for link in w.page.eval_on_selector_all("a[href^='/']", "as => as.map(a => a.href)"):
            if re.search(r"/appeals\?offset=|/operations\?", link):
                seen[link] = w.page.request.get(link).text()
    for o in ops:
        path = f"/operations/{o['operation_id']}"
        w.page.goto(f"{server}{path}")
        assert drawn_nodes(w) == len(json.loads(w.page.inner_text("#graph-data"))["nodes"])
        seen[f"{path}/graph.json"] = w.page.request.get(f"{server}{path}/graph.json").text()
    identities = target_identities(run)
    assert len(identities) > 20
    leaks = {(where, t) for where, text in seen.items() for t in identities if t in text}
    assert leaks == set()
    assert w.problems == []


def test_hostile_name_in_the_graph_is_text_not_markup(
    run: Any, server: str, watched: Callable[[], Watched]
) -> None:
    w = watched()
    page = w.page
    # Every error event of every page load (capture phase: resource errors too, such
    # as an injected <img src=x> failing to load), kept in sessionStorage.
    page.add_init_script(
        "window.addEventListener('error', e => sessionStorage.setItem('errors',"
        " (sessionStorage.getItem('errors') || '') + '|' + (e.message || e.target.tagName)),"
        " true)"
    )
    sign_in(w, server, run.tokens[Role.REVIEWER], f"/operations/{run.hostile_op}")
    drawn_nodes(w)
    name = run.hostile[0]
    assert name.startswith("<img src=x onerror=")
    # Click the hostile account's node where Cytoscape drew it: centre the graph in the
    # viewport first and let two frames pass, so the scroll event has reached Cytoscape
    # (it caches where its container is) before the position is read and clicked.
    point = page.evaluate(
        """async id => {
            const holder = document.getElementById('graph');
            holder.scrollIntoView({block: 'center'});
            await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
            const node = holder._cyreg.cy.getElementById('a:' + id);
            const box = holder.getBoundingClientRect();
            const p = node.renderedPosition();
            return [box.left + p.x, box.top + p.y];
        }""",
        run.hostile_account,
    )
    page.mouse.click(point[0], point[1])
    details = page.locator("#graph-details dd")
    details.first.wait_for()
    assert details.all_inner_texts() == ["account", name, run.hostile_account]
    assert (
        page.locator("#graph-details *").evaluate_all("els => els.map(e => e.tagName)")
        == [
            "DT",
            "DD",
        ]
        * 3
    )
    assert page.locator("img, svg").count() == 0
    assert "pwned" not in page.title()
    assert page.evaluate("sessionStorage.getItem('errors')") is None
    assert w.problems == []
