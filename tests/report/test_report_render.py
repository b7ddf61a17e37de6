"""The threat report: escaping everywhere, no target identities, defanged indicators, counts."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from _report_samples import IMG, SUMMARY, XSS, actions, notifications, operations
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from mercwatch.cli import app
from mercwatch.errors import MercwatchError
from mercwatch.intel.report import (
    ReportSummary,
    TargetRedactor,
    md_escape,
    render_html,
    render_markdown,
    write_report,
)
from mercwatch.intel.report.charts import killchain_svg, timeline_svg
from mercwatch.intel.report.view import build_view

WHEN = datetime(2021, 12, 16, 9, 0)


@pytest.fixture(scope="module")
def html() -> str:
    return render_html(
        operations(), SUMMARY, notifications=notifications(), actions=actions(), generated_at=WHEN
    )


@pytest.fixture(scope="module")
def markdown() -> str:
    return render_markdown(
        operations(), SUMMARY, notifications=notifications(), actions=actions(), generated_at=WHEN
    )


class Tags(HTMLParser):
    """Every start tag and attribute name the browser would build."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.update(name for name, _ in attrs)


def test_html_payloads_are_text_not_markup(html: str) -> None:
    parser = Tags()
    parser.feed(html)
    assert "script" not in parser.tags and "img" not in parser.tags
    assert not any(a.startswith("on") for a in parser.attrs)
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html  # shown, escaped
    assert "javascript:" not in re.findall(r'href="([^"]*)"', html)


def test_html_has_a_policy_that_forbids_scripts_and_remote_loads(html: str) -> None:
    assert "default-src 'none'" in html
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html


def test_no_target_identity_anywhere(html: str, markdown: str) -> None:
    for text in (html, markdown):
        assert "victim-" not in text
        assert "[target]" in text or "\\[target\\]" in text


def test_indicators_are_defanged(html: str, markdown: str) -> None:
    assert "fb-security-check[.]com" in html and "fb-security-check.com" not in html
    assert "hXXps://fb-security-check[.]com/login" in html
    assert "185[.]220[.]101[.]4" in html and "185.220.101.4" not in html
    assert "fb-security-check\\[.\\]com" in markdown


def test_counts(html: str) -> None:
    view = build_view(
        operations(),
        ReportSummary.from_dict(SUMMARY),
        notifications=notifications(),
        actions=actions(),
    )
    full = view.operations[0]
    assert (full.operation_id, full.accounts_removed, full.people_warned) == ("op-0001", 28, 3)
    assert full.warned_by_level == (("Engagement", 2), ("Exploitation", 1))
    assert full.countries == (("EG", 2), ("AM", 1))
    assert view.operations[2].accounts_removed == 0  # only pending review
    assert view.counts.people_warned == 4 and view.total_indicators == view.counts.indicators
    assert ">28<" in html and "2 at engagement, 1 at exploitation" in html
    assert "and 5 more" in html  # 30 accounts, 25 listed


def test_without_notifications_or_actions_counts_come_from_the_operation() -> None:
    view = build_view(operations())
    assert view.operations[0].people_warned == 3 and view.operations[0].accounts_removed == 30


def test_markdown_is_escaped_and_one_line_per_value(markdown: str) -> None:
    assert "<script" not in markdown and "<img" not in markdown
    assert "\\[click\\]\\(javascript:alert\\(1\\)\\)" in markdown
    assert "\\| \\*x\\* \\`y\\`" in markdown
    assert "2 at engagement, 1 at exploitation" in markdown
    assert "| op-0001 | 97% | 2 findings | 2 findings | 1 finding |" in markdown


@given(st.text())
def test_md_escape_leaves_no_markup(text: str) -> None:
    out = md_escape(text)
    assert "<" not in out and ">" not in out and "\n" not in out and "\r" not in out
    assert not re.search(r"(?<!\\)[\[\]`*_|]", out.replace("\\\\", ""))


@given(
    st.lists(st.from_regex(r"[a-z0-9_-]{1,12}", fullmatch=True), min_size=1, max_size=8),
    st.text(alphabet="abc- .,:_09", max_size=60),
)
def test_redactor_leaves_no_target_id(targets: list[str], filler: str) -> None:
    text = " ".join(f"{filler} {t}," for t in targets)
    out = TargetRedactor(targets).text(text)
    tokens = re.findall(r"[A-Za-z0-9_\-]+", out)
    assert not set(tokens) & set(targets)


def test_redactor_matches_whole_ids_only() -> None:
    redactor = TargetRedactor(["u1"])
    assert redactor.text("u1 met u12 and xu1") == "[target] met u12 and xu1"
    assert redactor.subject("u1") == "[target]" and redactor.subject("u2") == "u2"


def test_charts_are_valid_svg_that_escapes() -> None:
    view = build_view(operations(), generated_at=WHEN)
    for svg in (killchain_svg(view.operations), timeline_svg(view.operations)):
        root = ET.fromstring(str(svg))
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        width, height = root.get("viewBox", "").split()[2:]
        assert float(width) > 0 and float(height) > 0
        assert "<script" not in str(svg) and "&lt;script&gt;" in str(svg)
        assert len(root.findall(".//{http://www.w3.org/2000/svg}rect")) >= 3


def test_empty_run_renders() -> None:
    html = render_html([], None, generated_at=WHEN)
    assert "No operations were found" in html and "<svg" in html
    assert "No operations were found" in render_markdown([], None, generated_at=WHEN)


def test_rendering_is_deterministic(html: str) -> None:
    again = render_html(
        operations(), SUMMARY, notifications=notifications(), actions=actions(), generated_at=WHEN
    )
    assert again == html


def test_summary_from_dict_tolerates_old_and_new_keys() -> None:
    summary = ReportSummary.from_dict({**SUMMARY, "something_new": 1})
    assert summary.rows_read == 1_204_331 and summary.detectors_run == 2
    assert summary.reject_reasons[0] == ("unknown event type", 180)
    assert summary.total_seconds == pytest.approx(18.55)
    assert ReportSummary.from_dict({}) == ReportSummary()


def write_run(folder: Path, with_summary: bool = True) -> None:
    ops = {"operations": [o.to_dict() for o in operations()]}
    (folder / "operations.json").write_text(json.dumps(ops), encoding="utf-8")
    if with_summary:
        (folder / "summary.json").write_text(json.dumps(SUMMARY), encoding="utf-8")
    (folder / "notifications.jsonl").write_text(
        "".join(json.dumps(n.to_dict()) + "\n" for n in notifications()), encoding="utf-8"
    )


def test_report_verb_rerenders_a_run_folder(tmp_path: Path) -> None:
    write_run(tmp_path)
    result = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "1,204,331" in html and "Time per stage" in html and "Run summary" in md
    assert "victim-" not in html + md and "<script" not in html
    assert "2 at engagement, 1 at exploitation" in html  # notifications.jsonl was read


def test_report_without_summary_and_with_missing_operations(tmp_path: Path) -> None:
    write_run(tmp_path, with_summary=False)
    html_path, _ = write_report(tmp_path, generated_at=WHEN)
    assert "Run summary" not in html_path.read_text(encoding="utf-8")
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(app, ["report", str(empty)])
    assert result.exit_code != 0
    # The CLI either raises the MercwatchError or prints it as one line (exit 2).
    message = (
        str(result.exception) if isinstance(result.exception, MercwatchError) else result.output
    )
    assert "operations.json" in message and "missing" in message


def test_payload_constants_are_hostile() -> None:
    # Guard the guard: the samples must really carry markup, or the tests above prove nothing.
    assert "<script>" in XSS and "onerror" in IMG


def test_charts_draw_the_top_operations_and_say_so() -> None:
    base = operations()[2]
    many = [replace(base, operation_id=f"op-{i:03d}", confidence=i / 100) for i in range(45)]
    html = render_html(many, None, generated_at=WHEN)
    assert "The 40 operations with the highest confidence are drawn" in html
    assert "op-044" in html and html.count("op-000") == 1  # listed, but not charted


def test_phases_name_metas_kill_chain_tactics(html: str, markdown: str) -> None:
    assert "Meta kill chain: 2. Gathering information · 3. Coordinating and planning" in html
    assert "Meta kill chain: 0. Acquiring assets, 8. Compromising assets" in markdown
