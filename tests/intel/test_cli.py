"""``mercwatch intel import`` and ``mercwatch intel export`` through the CLI runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _helpers.intel_samples import AMNESTY, META, META_2021, TARGET_IDS, TARGET_NAMES
from pymisp import MISPEvent
from typer.testing import CliRunner

from mercwatch.cli import app
from mercwatch.intel.feeds import load_feed

runner = CliRunner()


def test_import_summarises_and_lists_oddities() -> None:
    result = runner.invoke(app, ["intel", "import", str(META / f"{META_2021}.csv")])
    assert result.exit_code == 0, result.output
    assert "313 records -> 310 indicators (310 domain)" in result.output
    assert "actors: Cytrox" in result.output
    assert "rejected: 3" in result.output
    assert "'amazing.lab': no public suffix" in result.output
    assert "did you mean fbc8213450838f7ae251d4519c195138.xyz?" in result.output


def test_import_json_and_type_option() -> None:
    result = runner.invoke(
        app, ["intel", "import", "--json", "--type", "process_name", str(AMNESTY / "processes.txt")]
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["by_type"] == {"process_name": 81} and body["oddities"] == []


def test_import_bad_feed_is_a_user_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"hello": 1}')
    result = runner.invoke(app, ["intel", "import", str(bad)])
    assert result.exit_code == 2
    assert "neither a STIX bundle" in result.output


@pytest.fixture
def operations_json(operations, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path / "operations.json"
    path.write_text(json.dumps({"operations": [op.to_dict() for op in operations]}))
    return path


@pytest.mark.parametrize("fmt", ["stix", "misp", "csv2021", "csv2023", "plain"])
def test_export_every_format_reads_back(fmt: str, operations_json: Path, tmp_path: Path) -> None:
    out = tmp_path / f"out.{fmt}"
    names = tmp_path / "names.txt"
    names.write_text("\n".join(TARGET_NAMES))
    result = runner.invoke(
        app,
        [
            "intel",
            "export",
            str(operations_json),
            "--format",
            fmt,
            "--out",
            str(out),
            "--sensitive",
            str(names),
        ],
    )
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert all(t not in text and t.lower() not in text for t in (*TARGET_IDS, *TARGET_NAMES))
    feed = load_feed(out)
    assert feed.rejects == ()
    assert "evil-news.xyz" in {i.value for i in feed.indicators}
    if fmt == "misp":
        for item in json.loads(text)["response"]:
            MISPEvent().load(item)


def test_export_with_previous_revokes(operations_json: Path, tmp_path: Path) -> None:
    first = tmp_path / "first.json"
    assert (
        runner.invoke(
            app, ["intel", "export", str(operations_json), "--format", "stix", "--out", str(first)]
        ).exit_code
        == 0
    )
    data = json.loads(operations_json.read_text())
    data["operations"] = data["operations"][:1]
    fewer = tmp_path / "fewer.json"
    fewer.write_text(json.dumps(data))
    second = tmp_path / "second.json"
    result = runner.invoke(
        app,
        [
            "intel",
            "export",
            str(fewer),
            "--format",
            "stix",
            "--out",
            str(second),
            "--previous",
            str(first),
        ],
    )
    assert result.exit_code == 0, result.output
    assert {i.value for i in load_feed(second).revoked()} == {
        "profile-viewer.example.net",
        "198.51.100.23",
    }


def test_export_missing_operations_file(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "intel",
            "export",
            str(tmp_path / "none.json"),
            "--format",
            "stix",
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_export_unknown_tlp_is_a_config_error(operations_json: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "intel",
            "export",
            str(operations_json),
            "--format",
            "stix",
            "--tlp",
            "purple",
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code == 2
    assert "unknown TLP level" in result.output
