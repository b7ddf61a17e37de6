"""``mercwatch report OUT --edition ... --pdf``: a real PDF printed by Debian's Chromium,
non-empty, whose text (read back with pypdf) names the actors and no target.

Its own module: playwright's sync API cannot start inside another module's running one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _chromium import CHROMIUM
from _report_samples import actions, notifications, operations
from typer.testing import CliRunner

from mercwatch.cli import app

pytestmark = pytest.mark.browser


@pytest.fixture()
def run_dir(tmp_path: Path) -> Path:
    if CHROMIUM is None:
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium)")
    pytest.importorskip("playwright.sync_api")
    (tmp_path / "operations.json").write_text(
        json.dumps({"operations": [o.to_dict() for o in operations()]})
    )
    for name, rows in (("notifications", notifications()), ("enforcement", actions())):
        lines = "".join(json.dumps(r.to_dict()) + "\n" for r in rows)
        (tmp_path / f"{name}.jsonl").write_text(lines)
    return tmp_path


@pytest.mark.parametrize(
    ("edition", "stem", "tlp"),
    [("public", "report.public", "TLP:CLEAR"), ("internal", "report", "TLP:AMBER")],
)
def test_pdf_is_printed_with_the_actor_names(
    run_dir: Path, edition: str, stem: str, tlp: str
) -> None:
    pypdf = pytest.importorskip("pypdf")
    result = CliRunner().invoke(app, ["report", str(run_dir), "--edition", edition, "--pdf"])
    assert result.exit_code == 0, result.output
    pdf = run_dir / f"{stem}.pdf"
    assert str(pdf) in result.output and pdf.read_bytes()[:4] == b"%PDF"
    reader = pypdf.PdfReader(pdf)
    text = " ".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) >= 1 and "Cytrox" in text and tlp in text
    if edition == "public":
        assert "Unattributed operation 1" in text and "victim" not in text


def test_unknown_edition_is_a_usage_error(run_dir: Path) -> None:
    result = CliRunner().invoke(app, ["report", str(run_dir), "--edition", "secret"])
    assert result.exit_code == 2
