"""TLP 2.0 markings as the STIX 2.1 marking-definition objects OASIS publishes.

stix2 3.0 ships only the TLP 1.0 objects (TLP_WHITE ...). TLP 2.0 markings have fixed,
well-known ids and use the OASIS ``tlp_2_0`` property extension; a consumer recognises
them by id, so the objects are reproduced exactly (created 2022-10-01, no creator).
"""

from __future__ import annotations

from functools import cache

import stix2

from mercwatch.errors import ConfigError

TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

_TLP2_IDS = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
# TLP 1.0 "white" became TLP 2.0 "clear".
_ALIASES = {"white": "clear"}


def tlp_level(name: str) -> str:
    """``TLP:WHITE`` / ``white`` / ``Clear`` -> ``clear``.

    Raises:
        ConfigError: not a TLP level.
    """
    level = name.strip().lower().removeprefix("tlp:")
    level = _ALIASES.get(level, level)
    if level not in _TLP2_IDS:
        raise ConfigError(f"unknown TLP level {name!r}; use one of {', '.join(_TLP2_IDS)}")
    return level


@cache
def tlp_marking(name: str = "clear") -> stix2.MarkingDefinition:
    """The TLP 2.0 marking-definition for a level (see :func:`tlp_level`)."""
    level = tlp_level(name)
    return stix2.MarkingDefinition(
        id=_TLP2_IDS[level],
        created="2022-10-01T00:00:00.000Z",
        name=f"TLP:{level.upper()}",
        extensions={TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": level}},
    )


def level_of_marking(marking_id: str) -> str | None:
    """The TLP level of a marking id (TLP 2.0 or stix2's TLP 1.0 objects), else None."""
    for level, known in _TLP2_IDS.items():
        if known == marking_id:
            return level
    for marking in (stix2.TLP_WHITE, stix2.TLP_GREEN, stix2.TLP_AMBER, stix2.TLP_RED):
        if marking.id == marking_id:
            return _ALIASES.get(marking.definition.tlp, marking.definition.tlp)
    return None


# The one table of TLP defaults, read by the report and by the STIX export, so the two
# cannot drift apart again (the report said "TLP:AMBER internal" while the bundle said
# TLP:CLEAR). The public edition and the STIX bundle carry the same kind of content --
# indicators and aggregates, no target, no count below the k-anonymity floor -- so both
# default to CLEAR; the internal edition lists operation accounts and evidence, so AMBER.
# See docs/security/report.md.
EDITION_TLP = {"public": "clear", "internal": "amber"}
STIX_DEFAULT_TLP = EDITION_TLP["public"]


def edition_tlp(edition: str) -> str:
    """The TLP level of a report edition (``public`` or ``internal``).

    Raises:
        ConfigError: not an edition.
    """
    try:
        return EDITION_TLP[edition]
    except KeyError:
        raise ConfigError(
            f"unknown report edition {edition!r}; use one of {', '.join(EDITION_TLP)}"
        ) from None


def tlp_label(level: str) -> str:
    """``TLP:CLEAR`` for ``clear``: the label printed on a report."""
    return f"TLP:{tlp_level(level).upper()}"
