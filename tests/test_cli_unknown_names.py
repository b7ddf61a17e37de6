"""Unknown detector ids and tunables are refused (exit 2) with the valid names, closest first.

``--param recon.targeted_watching.min_scroe=0.99`` used to run with the default
``min_score`` while the operator believed the override was in force.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from mercwatch.cli import app
from mercwatch.detectors.registry import all_detectors, check_params, select
from mercwatch.errors import ConfigError
from mercwatch.pipeline import RunConfig, run_pipeline
from mercwatch.suggest import closest_first, unknown_name


def _run(tmp_path: Path, *args: str):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(tmp_path), "--out", str(out), *args])
    assert not out.exists()  # refused before anything was read or written
    return result


@pytest.mark.parametrize(
    ("args", "first"),
    [
        (
            ["--param", "recon.targeted_watching.min_scroe=0.99"],
            "recon.targeted_watching.min_score",
        ),
        (
            ["--param", "recon.targetted_watching.min_score=0.9"],
            "recon.targeted_watching.min_score",
        ),
        (["--only", "recon.targeted_watchin"], "recon.targeted_watching"),
        (["--skip", "recon.co_watchng"], "recon.co_watching"),
    ],
)
def test_run_refuses_unknown_names_listing_the_closest_first(tmp_path, args, first):
    result = _run(tmp_path, *args)
    assert result.exit_code == 2, result.output
    message = " ".join(result.output.split())  # the console may wrap the line
    assert "valid, closest first: " + first + "," in message
    assert "Traceback" not in result.output


def test_every_declared_tunable_is_accepted():
    detectors = all_detectors()
    params = {d.id: dict(d.defaults) for d in detectors}
    assert any(params.values())
    check_params(detectors, params)  # no error
    assert select(detectors, {detectors[0].id}, set()) == [detectors[0]]


def test_library_callers_are_refused_too(tmp_path):
    config = RunConfig(
        export=tmp_path, out=tmp_path / "out", detector_params={"recon.co_watching": {"x": 1}}
    )
    with pytest.raises(ConfigError, match="recon.co_watching.min_people|recon.co_watching"):
        run_pipeline(config)
    assert not (tmp_path / "out").exists()


def test_closest_first_ranks_by_similarity_and_lists_every_valid_name():
    valid = ["delta", "alpha.beta", "gamma", "alpha.omega"]
    assert closest_first("alpha.betta", valid)[:2] == ["alpha.beta", "alpha.omega"]
    assert closest_first("x", ["b", "a"]) == ["a", "b"]  # ties: alphabetical, stable
    message = str(unknown_name("thing", "gamm", valid))
    assert message.startswith("unknown thing 'gamm'; valid, closest first: gamma, ")
    assert all(v in message for v in valid)
