"""Kill chains used when mercwatch shares indicators.

Two chains travel with every exported indicator:

* ``mercwatch-surveillance-for-hire``: the three phases of Meta's December 2021
  surveillance-for-hire report (reconnaissance, engagement, exploitation), which is how
  mercwatch's detectors see an operation.
* ``meta-online-operations-kill-chain``: Meta's published "Online Operations Kill
  Chain" taxonomy (tactics 0-9), so that peers who organise intelligence by Meta's
  tactics can file our indicators without re-mapping them.

The taxonomy is data, not code: ``data/Online_Operations_Killchain-TTPs.csv`` is Meta's
file copied unchanged (MIT, licence beside it), and ``data/phase_tactics.csv`` says
which Meta tactics each of our phases corresponds to and why.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from mercwatch.model import Phase

MERCWATCH_KILL_CHAIN = "mercwatch-surveillance-for-hire"
META_KILL_CHAIN = "meta-online-operations-kill-chain"

_TACTIC_RE = re.compile(r"^\s*(?P<number>\d+)\.?\s+(?P<name>.+?)\s*$")


@dataclass(frozen=True, slots=True)
class Tactic:
    """One tactic of Meta's Online Operations Kill Chain.

    Attributes:
        number: Meta's tactic number (0-9).
        name: the tactic as Meta writes it, e.g. ``Targeted engagement``.
        techniques: the technique labels listed under it, in file order.
    """

    number: int
    name: str
    techniques: tuple[str, ...]

    @property
    def phase_name(self) -> str:
        """STIX ``phase_name``: lower case, words joined by hyphens (STIX convention)."""
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")

    @property
    def label(self) -> str:
        """``7. Targeted engagement``, the form Meta's CSV files use."""
        return f"{self.number}. {self.name}"


def _read_data(name: str) -> str:
    return resources.files("mercwatch.intel").joinpath("data", name).read_text("utf-8-sig")


def parse_tactic(text: str) -> tuple[int, str] | None:
    """Split a Meta tactic cell (``0. Acquiring assets``, ``0 Acquiring Assets``).

    Meta's files spell tactics both with and without the dot after the number, and with
    varying capitalisation, so the number is the key.

    Returns:
        ``(number, name)`` or None when the cell is not a numbered tactic.
    """
    match = _TACTIC_RE.match(text or "")
    if match is None:
        return None
    return int(match["number"]), match["name"]


@cache
def meta_tactics() -> dict[int, Tactic]:
    """Meta's tactics by number, read from the bundled taxonomy CSV."""
    names: dict[int, str] = {}
    techniques: dict[int, list[str]] = {}
    for row in csv.DictReader(io.StringIO(_read_data("Online_Operations_Killchain-TTPs.csv"))):
        parsed = parse_tactic(row.get("Tactic", ""))
        if parsed is None:  # the file separates tactics with blank ",," rows
            continue
        number, name = parsed
        names.setdefault(number, name)
        technique = " ".join((row.get("Technique") or "").split())
        if technique and technique not in techniques.setdefault(number, []):
            techniques[number].append(technique)
    return {n: Tactic(n, names[n], tuple(techniques.get(n, ()))) for n in sorted(names)}


@dataclass(frozen=True, slots=True)
class Procedure:
    """One row of Meta's taxonomy: tactic label, technique and procedure as Meta writes them."""

    tactic: str
    technique: str
    procedure: str

    @property
    def number(self) -> str:
        """The procedure's id, e.g. ``0.6.1``."""
        return self.procedure.split(" ", 1)[0]


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


@cache
def meta_procedures() -> tuple[Procedure, ...]:
    """Every (tactic, technique, procedure) row of Meta's taxonomy, whitespace tidied."""
    rows = csv.DictReader(io.StringIO(_read_data("Online_Operations_Killchain-TTPs.csv")))
    return tuple(
        Procedure(_clean(r["Tactic"]), _clean(r["Technique"]), _clean(r["Procedure"]))
        for r in rows
        if parse_tactic(r.get("Tactic", "")) is not None and _clean(r.get("Procedure"))
    )


@cache
def procedure_for_type(kind: str) -> Procedure:
    """The Meta procedure our CSV export files an indicator type under.

    The mapping is ``data/meta_ttp_by_type.csv``.

    Raises:
        KeyError: the type, or the procedure the mapping names, is unknown.
    """
    wanted = {
        r["type"]: r["procedure"]
        for r in csv.DictReader(io.StringIO(_read_data("meta_ttp_by_type.csv")))
    }
    number = wanted[kind]
    for proc in meta_procedures():
        if proc.number == number:
            return proc
    raise KeyError(f"Meta taxonomy has no procedure {number}")


@cache
def phase_tactics() -> dict[Phase, tuple[Tactic, ...]]:
    """Meta tactics that correspond to each of our phases (``data/phase_tactics.csv``).

    Raises:
        KeyError: the mapping names a tactic number Meta's taxonomy does not have, which
            would be a packaging mistake caught by the tests.
    """
    tactics = meta_tactics()
    mapping: dict[Phase, list[Tactic]] = {phase: [] for phase in Phase}
    for row in csv.DictReader(io.StringIO(_read_data("phase_tactics.csv"))):
        mapping[Phase(row["phase"])].append(tactics[int(row["tactic"])])
    return {phase: tuple(found) for phase, found in mapping.items()}


def meta_phase_names(phases: tuple[Phase, ...] | list[Phase]) -> tuple[str, ...]:
    """STIX phase names on Meta's chain for our phases, deduplicated, in tactic order."""
    numbers = sorted({t.number for phase in phases for t in phase_tactics()[phase]})
    tactics = meta_tactics()
    return tuple(tactics[n].phase_name for n in numbers)


def meta_tactic_labels(phases: tuple[Phase, ...] | list[Phase]) -> tuple[str, ...]:
    """Meta's own labels (``8. Compromising assets``) for our phases, in tactic order."""
    numbers = sorted({t.number for phase in phases for t in phase_tactics()[phase]})
    tactics = meta_tactics()
    return tuple(tactics[n].label for n in numbers)


def phases_for_tactic(number: int) -> tuple[Phase, ...]:
    """Our phases that a Meta tactic maps back to (empty when none does).

    Used on import: a Meta 2023 CSV row under ``8. Compromising assets`` becomes an
    exploitation-phase indicator.
    """
    return tuple(
        p for p, tactics in phase_tactics().items() if any(t.number == number for t in tactics)
    )


def phase_from_stix_name(kill_chain_name: str, phase_name: str) -> tuple[Phase, ...]:
    """Our phases for a STIX kill-chain phase read from a peer's bundle."""
    if kill_chain_name == MERCWATCH_KILL_CHAIN:
        try:
            return (Phase(phase_name),)
        except ValueError:
            return ()
    if kill_chain_name == META_KILL_CHAIN:
        for tactic in meta_tactics().values():
            if tactic.phase_name == phase_name:
                return phases_for_tactic(tactic.number)
    return ()
