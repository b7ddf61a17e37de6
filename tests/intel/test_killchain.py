"""Meta's kill-chain taxonomy is bundled data and our phase mapping points into it."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from _helpers.intel_samples import META

from mercwatch.intel import killchain
from mercwatch.model import IndicatorType, Phase


def test_bundled_taxonomy_is_metas_file_unchanged() -> None:
    bundled = Path(killchain.__file__).parent / "data" / "Online_Operations_Killchain-TTPs.csv"
    assert bundled.read_bytes() == (META / "Online_Operations_Killchain-TTPs.csv").read_bytes()
    licence = (
        Path(killchain.__file__).parent / "data" / "LICENSE.meta-threat-research.txt"
    ).read_text()
    assert "MIT License" in licence and "Meta Platforms" in licence


def test_tactics_and_procedures() -> None:
    tactics = killchain.meta_tactics()
    assert sorted(tactics) == list(range(10))
    assert tactics[7].name == "Targeted engagement"
    assert tactics[7].phase_name == "targeted-engagement"
    assert tactics[8].label == "8. Compromising assets"
    assert len(killchain.meta_procedures()) == 161


def test_every_phase_maps_to_meta_tactics() -> None:
    mapping = killchain.phase_tactics()
    assert set(mapping) == set(Phase)
    assert all(mapping[p] for p in Phase)
    assert killchain.meta_phase_names([Phase.EXPLOITATION]) == (
        "acquiring-assets",
        "compromising-assets",
    )
    assert killchain.phases_for_tactic(7) == (Phase.ENGAGEMENT,)
    assert killchain.phases_for_tactic(9) == ()


@pytest.mark.parametrize("kind", list(IndicatorType))
def test_every_indicator_type_has_a_meta_procedure(kind: IndicatorType) -> None:
    proc = killchain.procedure_for_type(kind.value)
    rows = list(
        csv.DictReader((META / "Online_Operations_Killchain-TTPs.csv").open(encoding="utf-8"))
    )
    assert any(" ".join(r["Procedure"].split()) == proc.procedure for r in rows)


@pytest.mark.parametrize(
    ("chain", "phase", "expected"),
    [
        (killchain.MERCWATCH_KILL_CHAIN, "engagement", (Phase.ENGAGEMENT,)),
        (killchain.MERCWATCH_KILL_CHAIN, "delivery", ()),
        (killchain.META_KILL_CHAIN, "compromising-assets", (Phase.EXPLOITATION,)),
        ("lockheed-martin-cyber-kill-chain", "delivery", ()),
    ],
)
def test_phase_from_stix_name(chain: str, phase: str, expected: tuple[Phase, ...]) -> None:
    assert killchain.phase_from_stix_name(chain, phase) == expected


def test_tactic_cells_with_and_without_dot() -> None:
    assert killchain.parse_tactic("0 Acquiring Assets") == (0, "Acquiring Assets")
    assert killchain.parse_tactic("7. Targeted engagement") == (7, "Targeted engagement")
    assert killchain.parse_tactic("") is None
