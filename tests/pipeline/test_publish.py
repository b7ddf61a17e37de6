"""Outputs switch as one set, every reader still finds them at the SCHEMA.md paths,
one run at a time holds OUT, and a full disk or read-only folder is one clear line.

Issue 10, findings 7 and 10: publishing file by file left a new operations.json beside
the old summary and report after a crash between renames; two runs into one OUT raced;
a read-only output folder or a full disk gave a traceback.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest
from _ingest_samples import write_export
from _runs import OUTPUTS, published, published_set, simulated_export, state_rows
from typer.testing import CliRunner

from mercwatch.api.operations import OperationsFile
from mercwatch.cli import app
from mercwatch.evaluate import evaluate
from mercwatch.intel.cli import read_operations
from mercwatch.intel.report.render import load_run
from mercwatch.pipeline import RunConfig, checkpoints, outputs, run_pipeline
from mercwatch.pipeline import run as run_module
from mercwatch.web.data import RunFolder

runner = CliRunner()
# One cheap detector: these tests are about files, not findings.
ONE = "recon.targeted_watching"


def _run(export: Path, out: Path) -> None:
    run_pipeline(RunConfig(export=export, out=out, only_detectors=frozenset({ONE})))


def _cli(export: Path, out: Path, *flags: str):
    return runner.invoke(app, ["run", str(export), "--out", str(out), "--only", ONE, *flags])


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return write_export(tmp_path / "export")


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("publish")
    export = simulated_export(base / "export", seed=5)
    run_pipeline(RunConfig(export=export, out=base / "out"))
    return export, base / "out"


def test_outputs_are_links_into_one_published_version(simulated):
    _, out = simulated
    current = out / outputs.POINTER
    assert current.is_symlink() and os.readlink(current).startswith(".runs/")
    for name in OUTPUTS:
        assert (out / name).is_symlink() and os.readlink(out / name) == f"current/{name}"
    assert published(out) == {n: b for n, b in published_set(out).items() if n in OUTPUTS}


def test_every_reader_in_the_repo_reads_the_published_set(simulated):
    export, out = simulated
    ops = json.loads((out / "current" / "operations.json").read_text())["operations"]
    assert ops, "the simulated run should find operations"
    ids = sorted(o["operation_id"] for o in ops)
    assert sorted(o.operation_id for o in OperationsFile(out / "operations.json").all()) == ids
    folder = RunFolder(out)
    assert sorted(o.operation_id for o in folder.operations()) == ids
    assert folder.counts().summary["operations"] == len(ids)
    assert sorted(o.operation_id for o in load_run(out).operations) == ids
    assert sorted(o.operation_id for o in read_operations(out / "operations.json")) == ids
    assert evaluate(out, export / "truth.json").operations_found == len(ids)


def test_reports_rerendered_in_place_are_adopted_whole(simulated, tmp_path: Path):
    export, source = simulated
    out = tmp_path / "out"
    shutil.copytree(source, out, symlinks=True)
    result = runner.invoke(app, ["report", str(out)])
    assert result.exit_code == 0, result.output
    assert not (out / "report.html").is_symlink()  # written over the link in place
    rerendered = (out / "report.html").read_bytes()
    before = published(out)
    # What readers saw is snapshotted into a version before the links come back.
    outputs._adopt_loose_files(out, list(OUTPUTS))
    assert published(out) == before and (out / "report.html").read_bytes() == rerendered
    assert all((out / n).is_symlink() for n in OUTPUTS)


def test_an_output_folder_of_plain_files_is_taken_over(export: Path, tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    for name in OUTPUTS:
        (out / name).write_text(f"old {name}\n")
    (out / "summary.json").write_text(json.dumps({"tables": []}))
    (out / "indicators.stix.json").write_text('{"type": "bundle", "id": "bundle--x"}')
    _run(export, out)
    assert all((out / n).is_symlink() for n in OUTPUTS)
    assert json.loads((out / "operations.json").read_text()) == {"operations": []}
    adopted = sorted(p for p in (out / ".runs").iterdir() if p.name.isdigit())[0]
    assert (adopted / "operations.json").read_text() == "old operations.json\n"


def test_an_unreadable_previous_bundle_is_one_line_not_a_traceback(export, tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "indicators.stix.json").write_text("{truncated")
    result = _cli(export, out, "--allow-shrink")
    assert result.exit_code == 1, result.output
    assert "the last published bundle cannot be read" in result.output
    assert "Traceback" not in result.output
    assert (out / "indicators.stix.json").read_text() == "{truncated"


def test_old_versions_are_pruned_and_each_set_switches_whole(tmp_path: Path):
    out = tmp_path / "out"
    for run in range(outputs.KEEP_VERSIONS + 2):
        with outputs.staged_outputs(out) as staged:
            for name in OUTPUTS:
                staged.write_text(name, f"run {run}\n")
        assert {n: (out / n).read_text() for n in OUTPUTS} == dict.fromkeys(OUTPUTS, f"run {run}\n")
    versions = sorted(p.name for p in (out / ".runs").iterdir())
    assert len(versions) == outputs.KEEP_VERSIONS
    assert os.readlink(out / "current") == f".runs/{versions[-1]}"


def test_a_file_the_new_set_lacks_is_not_left_from_the_old_one(tmp_path: Path):
    out = tmp_path / "out"
    with outputs.staged_outputs(out) as staged:
        staged.write_text("operations.json", "1\n")
        staged.write_text("extra.json", "1\n")
    with outputs.staged_outputs(out) as staged:
        staged.write_text("operations.json", "2\n")
    assert not (out / "extra.json").exists() and not (out / "extra.json").is_symlink()


def _full_disk_at(name: str):
    real = outputs._open_for_write

    def open_for_write(path: Path):
        if path.name == name:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real(path)

    return open_for_write


def _assert_refused_cleanly(result, out: Path, before: dict[str, bytes], reason: str):
    assert result.exit_code == 1, result.output
    assert reason in result.output and "previous outputs are unchanged" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    assert published(out) == before
    assert not [p for p in (out / ".runs").iterdir() if not p.name.isdigit()]


@pytest.mark.parametrize("name", [n for n in OUTPUTS if n != "rejects.jsonl"])
def test_disk_full_while_writing_any_output(name, export: Path, tmp_path: Path, monkeypatch):
    out = tmp_path / "out"
    _run(export, out)
    before = published(out)
    monkeypatch.setattr(outputs, "_open_for_write", _full_disk_at(name))
    result = _cli(export, out)
    _assert_refused_cleanly(result, out, before, "No space left on device")
    assert name in result.output


def test_disk_full_while_duckdb_writes_the_rejects(export: Path, tmp_path: Path, monkeypatch):
    out = tmp_path / "out"
    _run(export, out)
    before = published(out)

    class FullDisk:
        def __init__(self, raw) -> None:
            self.raw = raw

        def execute(self, sql: str, *args):
            if sql.startswith("COPY"):
                raise duckdb.IOException("Could not write file: No space left on device")
            return self.raw.execute(sql, *args)

    real = run_module.duckdb_connection
    monkeypatch.setattr(run_module, "duckdb_connection", lambda con: FullDisk(real(con)))
    result = _cli(export, out)
    _assert_refused_cleanly(result, out, before, "No space left on device")


@pytest.mark.parametrize(
    "point", ["publish:staged", "publish:versioned", "publish:linked"], ids=str
)
def test_disk_full_while_publishing(point, export: Path, tmp_path: Path):
    out = tmp_path / "out"
    _run(export, out)
    before = published(out)

    def full(name: str) -> None:
        if name == point:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(out))

    checkpoints.add_hook(full)
    try:
        result = _cli(export, out)
    finally:
        checkpoints.remove_hook(full)
    assert result.exit_code == 1, result.output
    assert "No space left on device" in result.output and "Traceback" not in result.output
    assert published(out) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_output_folder(export: Path, tmp_path: Path):
    out = tmp_path / "out"
    _run(export, out)
    before = published(out)
    for folder in (out, out / ".runs"):
        folder.chmod(0o555)
    try:
        result = _cli(export, out)
    finally:
        for folder in (out, out / ".runs"):
            folder.chmod(0o755)
    assert result.exit_code == 1, result.output
    assert "Permission denied" in result.output and "Traceback" not in result.output
    assert published(out) == before


def test_read_only_output_folder_through_the_seam(export, tmp_path: Path, monkeypatch):
    """Root ignores chmod, so the same refusal is also proven by injecting EACCES."""
    out = tmp_path / "out"
    _run(export, out)
    before = published(out)

    def denied(path: Path):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    monkeypatch.setattr(outputs, "_open_for_write", denied)
    result = _cli(export, out)
    _assert_refused_cleanly(result, out, before, "Permission denied")


def test_a_second_run_into_the_same_out_is_refused(export: Path, tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    with (out / ".lock").open("w") as held:  # another process's lock, as the kernel sees it
        fcntl.flock(held, fcntl.LOCK_EX)
        result = _cli(export, out)
    assert result.exit_code == 1, result.output
    assert "another run holds this output folder" in result.output
    assert state_rows(out) == {}  # the state store was not even opened (no migration race)
    assert _cli(export, out).exit_code == 0
