"""A run says which kinds of evidence its export lacks, instead of a silent "0 found"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _ingest_samples import ACCOUNTS, EVENTS, FRIENDSHIPS, write_table
from typer.testing import CliRunner

from mercwatch.cli import app
from mercwatch.ingest import ingest_export
from mercwatch.pipeline.coverage import evidence_gaps
from mercwatch.store.engine import connect

NETWORK = ("ip", "asn", "device_id", "user_agent")
PROFILE = ("photo_hash", "bio", "employer", "display_name")


def _export(tmp_path: Path, accounts, events, friendships=True) -> Path:
    folder = tmp_path / "export"
    folder.mkdir()
    write_table(folder, "accounts", accounts, "jsonl")
    write_table(folder, "events", events, "jsonl")
    if friendships:
        write_table(folder, "friendships", FRIENDSHIPS, "jsonl")
    return folder


def _gaps(folder: Path) -> list[str]:
    con = connect()
    ingest_export(folder, con)
    return evidence_gaps(con)


def _without(rows, fields):
    return [{k: v for k, v in row.items() if k not in fields} for row in rows]


def test_a_full_export_has_no_gaps(tmp_path: Path):
    assert _gaps(_export(tmp_path, ACCOUNTS, EVENTS)) == []


@pytest.mark.parametrize(
    ("accounts_drop", "events_drop", "friendships", "gap"),
    [
        (("tags",), (), True, "No account carries an at-risk tag"),
        ((), NETWORK, True, "No event carries an ip or device_id"),
        ((), ("url",), True, "No message, post or share carries a url"),
        ((), ("text",), True, "No message, post or search carries text"),
        (PROFILE, (), True, "No account has a photo_hash"),
        ((), (), False, "No friendships table"),
    ],
)
def test_each_missing_kind_of_evidence_is_named_alone(
    tmp_path: Path, accounts_drop, events_drop, friendships, gap
):
    accounts = _without(ACCOUNTS, accounts_drop)
    events = _without(EVENTS, events_drop)
    (only,) = _gaps(_export(tmp_path, accounts, events, friendships))
    assert only.startswith(gap)


def test_tags_outside_the_at_risk_list_do_not_count(tmp_path: Path):
    accounts = [{**row, "tags": ["premium", "verified"]} for row in ACCOUNTS]
    (only,) = _gaps(_export(tmp_path, accounts, EVENTS))
    assert only.startswith("No account carries an at-risk tag")


def test_the_run_reports_gaps_in_summary_cli_and_reports(tmp_path: Path):
    export = _export(tmp_path, _without(ACCOUNTS, ("tags",)), _without(EVENTS, NETWORK))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(export), "--out", str(out)])
    assert result.exit_code == 0, result.output
    gaps = json.loads((out / "summary.json").read_text())["evidence_gaps"]
    assert [g.split(":")[0] for g in gaps] == [
        "No account carries an at-risk tag (accounts.tags",
        "No event carries an ip or device_id",
    ]
    assert "not in this export" in result.output
    html = (out / "report.html").read_text()
    assert "Not in this export" in html and "No event carries an ip or device_id" in html
    assert "human_rights_defender" in (out / "report.md").read_text().replace("\\_", "_")
