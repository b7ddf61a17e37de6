"""The public edition (issue 13 item 5): TLP:CLEAR, actor profiles, a k-anonymity floor,
no target identity in any spelling, and TLP defaults shared with the STIX export."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime

import pytest
from _report_samples import XSS, actions, notifications, operations

from mercwatch.errors import ConfigError
from mercwatch.intel import export_stix
from mercwatch.intel.indicators import leaked_term
from mercwatch.intel.report import render_html, render_markdown
from mercwatch.intel.report.public import Floored, build_public
from mercwatch.intel.report.render import render_public_html, render_public_markdown
from mercwatch.intel.report.view import build_view
from mercwatch.intel.tlp import EDITION_TLP, edition_tlp, level_of_marking
from mercwatch.model import Phase

WHEN = datetime(2021, 12, 16, 9, 0)
NAMES = ("Nour Novak", "Ana Lima")  # targets' display names, passed as identities


def _ops() -> list:
    """The samples, with many targets in one country and few in others."""
    full, hostile, recon = operations()
    many = tuple(f"victim-{i}" for i in range(100, 130))
    full = dataclasses.replace(
        full,
        targets=(*full.targets, *many),
        target_countries=(("EG", 12), ("AM", 3), ("LB", 9)),
        target_sectors=(("journalist", 11), ("lawyer", 2)),
    )
    return [full, hostile, recon]


def _public(**options) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    kw = {
        "notifications": notifications(),
        "actions": actions(),
        "identities": NAMES,
        "generated_at": WHEN,
        **options,
    }
    return render_public_html(_ops(), **kw), render_public_markdown(_ops(), **kw)


def test_floored_counts_never_show_a_number_below_the_floor() -> None:
    assert str(Floored(9, 10)) == "fewer than 10" and str(Floored(0, 10)) == "fewer than 10"
    assert str(Floored(10, 10)) == "10" and str(Floored(1234, 10)) == "1,234"


def test_countries_and_sectors_below_the_floor_are_not_named() -> None:
    report = build_public(_ops(), notifications=notifications(), actions=actions())
    cytrox = report.actors[0]
    assert cytrox.name == "Cytrox" and cytrox.attributed
    assert [(c, str(n)) for c, n in cytrox.countries] == [("EG", "12")]
    assert cytrox.countries_withheld and [s for s, _ in cytrox.sectors] == ["journalist"]
    html, md = _public()
    for text in (html, md):
        assert "EG" in text and "journalist" in text
        for small in ("AM", "LB", "lawyer"):
            assert small not in text.replace("AMBER", "")
    # 4 people were warned: a count below the floor is never printed as a number.
    assert "We warned fewer than 10 people" in md


def test_the_floor_is_configurable_and_must_be_positive() -> None:
    report = build_public(_ops(), floor=3)
    assert [c for c, _ in report.actors[0].countries] == ["EG", "LB", "AM"]
    with pytest.raises(ValueError, match="at least 1"):
        build_public(_ops(), floor=0)


def test_unattributed_operations_are_numbered_and_profiles_map_to_meta_tactics() -> None:
    report = build_public(_ops())
    names = [a.name for a in report.actors]
    assert names == ["Cytrox", f"Actor {XSS}", "Unattributed operation 1"]
    cytrox = report.actors[0]
    assert cytrox.phases == ("Reconnaissance", "Engagement", "Exploitation")
    assert any(t.startswith("7. ") for t in cytrox.tactics)  # Targeted engagement
    assert dict(cytrox.infrastructure)["operation accounts"] == 30


def test_no_target_identity_in_any_spelling() -> None:
    """Target ids and names, searched in every case and separator (IdentityMatcher,
    as the exporters' last check), plus each operation account id (the public edition
    names no account at all)."""
    html, md = _public()
    ids = {t for op in _ops() for t in op.targets}
    accounts = {a for op in _ops() for a in op.accounts}
    # The check can fail: a name in another spelling inside the page is found.
    assert leaked_term(html.replace("</main>", "NOUR_NOVAK</main>"), NAMES) == "Nour Novak"
    for text in (html, md):
        assert leaked_term(text, [*ids, *NAMES]) is None
        for name in NAMES:
            first, last = name.split()
            for sep in (" ", ".", "_", "-", "", "+"):
                for case in (str.lower, str.upper, str.title):
                    assert case(f"{first}{sep}{last}") not in text
        assert not [a for a in accounts if a in text]
        assert "victim" not in text.lower()


def test_indicators_are_defanged_and_urls_shareable() -> None:
    html, md = _public()
    assert "fb-security-check[.]com" in html and "fb-security-check.com" not in html
    assert "hXXps://fb-security-check[.]com/login" in html
    assert "next=" not in html  # the query string is not part of a shareable URL
    assert "185[.]220[.]101[.]4" in html and "185.220.101.4" not in html
    assert "<script>window.__pwned" not in html  # escaped as everywhere


def test_tlp_defaults_agree_between_report_and_stix() -> None:
    assert EDITION_TLP == {"public": "clear", "internal": "amber"}
    bundle = json.loads(export_stix(_ops(), clock=lambda: WHEN).serialize())
    markings = {o["id"] for o in bundle["objects"] if o["type"] == "marking-definition"}
    assert {level_of_marking(m) for m in markings} == {edition_tlp("public")}
    html, md = _public()
    assert "TLP:CLEAR" in html and "TLP:CLEAR" in md and "AMBER" not in html
    internal = render_html(_ops(), generated_at=WHEN)
    assert "TLP:AMBER" in internal and "TLP:CLEAR" not in internal
    assert "TLP:AMBER" in render_markdown(_ops(), generated_at=WHEN)
    with pytest.raises(ConfigError, match="edition"):
        edition_tlp("secret")


def test_a_phase_is_reached_only_when_the_operation_says_so() -> None:
    """Old code counted a phase reached when any evidence fell in it: an operation whose
    linker phases were (recon,) but which had engagement evidence was "in engagement"
    in the report and not in operations.json or the dashboard (6 vs 4)."""
    full = dataclasses.replace(operations()[0], phases=(Phase.RECONNAISSANCE,))
    view = build_view([full])
    assert view.phase_reached(Phase.ENGAGEMENT) == 0
    assert [p.reached for p in view.operations[0].phases] == [True, False, False]
    public = build_public([full])
    assert public.counts.reached(Phase.ENGAGEMENT) == 0
    assert public.actors[0].phases == ("Reconnaissance",)


def test_indicator_count_is_the_stix_exports() -> None:
    """Old code counted raw domains+URLs+IPs per operation (7 here); the STIX bundle has
    5 (e-mail domains in, the personalised URL and the hostile values out)."""
    bundle = json.loads(export_stix(operations(), clock=lambda: WHEN).serialize())
    stix = sum(1 for o in bundle["objects"] if o["type"] == "indicator" and not o.get("revoked"))
    view = build_view(operations(), notifications=notifications(), actions=actions())
    assert view.total_indicators == stix == build_public(operations()).counts.indicators
