"""One source of truth for every count: summary.json, the report (HTML and Markdown,
both editions), the dashboard and the STIX bundle agree on a simulated platform.

Before, on a 3,000-user simulation the report said 5 operations reached engagement
while operations.json (and the dashboard) said 3, and 21 indicators were "shared" while
the bundle held 23; "countries targeted" was always 0.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mercwatch.model import Operation, Phase
from mercwatch.pipeline import RunConfig, run_pipeline
from mercwatch.sim import SimConfig, simulate
from mercwatch.web.views import phase_counts

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("agree")
    export, out = base / "export", base / "out"
    simulate(SimConfig(users=1000, seed=4), export)
    mp = pytest.MonkeyPatch()
    mp.delenv("MERCWATCH_STATE_URL", raising=False)
    try:
        run_pipeline(RunConfig(export=export, out=out))
    finally:
        mp.undo()
    return out


def _headline(md: str) -> list[str]:
    """The first table row under the header separator of a Markdown report."""
    lines = md.splitlines()
    sep = next(i for i, line in enumerate(lines) if line.startswith("|---"))
    return [c.strip().replace(",", "") for c in lines[sep + 1].strip("|").split("|")]


def test_summary_report_dashboard_and_stix_agree(run: Path) -> None:
    summary = json.loads((run / "summary.json").read_text())
    ops = tuple(
        Operation.from_dict(o)
        for o in json.loads((run / "operations.json").read_text())["operations"]
    )
    assert summary["operations"] == len(ops) > 0
    bundle = json.loads((run / "indicators.stix.json").read_text())
    stix = sum(1 for o in bundle["objects"] if o["type"] == "indicator" and not o.get("revoked"))
    assert summary["indicators"] == stix

    # Dashboard: per phase, operations that reached it.
    dashboard = {p.value: reached for p, reached, _ in phase_counts(ops)}
    assert summary["phases_reached"] == {p: dashboard[p] for p in summary["phases_reached"]}

    # Internal report, Markdown and HTML.
    md = (run / "report.md").read_text()
    n_ops, removed, warned, indicators, countries = map(int, _headline(md))
    assert (n_ops, removed, warned, indicators, countries) == (
        summary["operations"],
        summary["accounts_removed"],
        summary["people_warned"],
        summary["indicators"],
        summary["countries_targeted"],
    )
    sentence = re.search(
        r"(\d+) reached reconnaissance, (\d+) engagement and (\d+) exploitation", md
    )
    assert sentence is not None
    reached = [int(n) for n in sentence.groups()]
    assert reached == [summary["phases_reached"][p.value] for p in Phase]
    html = (run / "report.html").read_text()
    assert f'{summary["countries_targeted"]}</div><div class="l">Countries targeted' in html

    # Public edition: the same counts (people held to the floor).
    public = (run / "report.public.md").read_text()
    assert f"{reached[0]} reached reconnaissance, {reached[1]} engagement" in public
    p_ops, _, p_countries, p_indicators = _headline(public)
    assert (int(p_ops), int(p_countries), int(p_indicators)) == (
        summary["operations"],
        summary["countries_targeted"],
        summary["indicators"],
    )


def test_countries_targeted_is_filled(run: Path) -> None:
    summary = json.loads((run / "summary.json").read_text())
    ops = json.loads((run / "operations.json").read_text())["operations"]
    assert summary["countries_targeted"] > 0
    assert all(sum(o.get("target_countries", {}).values()) <= len(o["targets"]) for o in ops)
    assert any(o.get("target_sectors") for o in ops)


def test_public_edition_of_a_run_names_no_target(run: Path) -> None:
    """The run writes report.public.*; no target id or display name in any spelling."""
    import pyarrow.parquet as pq

    from mercwatch.intel.indicators import leaked_term

    ops = json.loads((run / "operations.json").read_text())["operations"]
    targets = {t for o in ops for t in o["targets"]}
    accounts = pq.read_table(run.parent / "export" / "accounts.parquet").to_pylist()
    names = {a["display_name"] for a in accounts if a["account_id"] in targets}
    names = {n for n in names if n and len(n) >= 4}
    assert targets and names
    for name in ("report.public.html", "report.public.md"):
        text = (run / name).read_text()
        assert leaked_term(text, [*targets, *names]) is None, name
        assert "TLP:CLEAR" in text and "AMBER" not in text
