"""The simulator's vocabulary, loaded once from ``data/vocab.yaml``.

Knowledge lives in the data file (names, networks, popular domains, message scripts) so
that widening the simulated world never means editing generator code.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import yaml

from mercwatch.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Country:
    """A country of the simulated population and the networks its people use."""

    code: str
    calling_code: str
    utc_offset: int
    weight: float
    cities: tuple[str, ...]
    residential_asns: tuple[int, ...]
    mobile_asns: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Asn:
    """An autonomous system with the /16 prefixes its addresses come from."""

    number: int
    name: str
    kind: str
    prefixes: tuple[int, ...]  # each prefix as the 32-bit address of its first host


@dataclass(frozen=True, slots=True)
class Vocab:
    """Everything the generators draw words, names and networks from."""

    countries: tuple[Country, ...]
    asns: dict[int, Asn]
    raw: dict[str, Any]

    def list(self, key: str) -> list[Any]:
        """A list entry of the vocabulary file, by key."""
        value = self.raw[key]
        if not isinstance(value, list):
            raise ConfigError(f"vocab entry {key!r} is not a list")
        return value

    def weighted(self, key: str) -> tuple[builtins.list[str], np.ndarray]:
        """A ``[[value, weight, ...], ...]`` entry as values and normalised weights."""
        rows = self.list(key)
        weights = np.array([float(r[1]) for r in rows])
        return [str(r[0]) for r in rows], weights / weights.sum()


def _prefix(text: str) -> int:
    first, second = (int(p) for p in text.split("."))
    return (first << 24) | (second << 16)


@cache
def load_vocab() -> Vocab:
    """Parse the bundled vocabulary file (cached: it never changes at run time)."""
    try:
        text = resources.files("mercwatch.sim").joinpath("data/vocab.yaml").read_text("utf-8")
        raw = yaml.safe_load(text)
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"simulator vocabulary unreadable: {exc}") from exc
    countries = tuple(
        Country(
            code=c["code"],
            calling_code=c["cc"],
            utc_offset=int(c["tz"]),
            weight=float(c["w"]),
            cities=tuple(c["cities"]),
            residential_asns=tuple(c["res"]),
            mobile_asns=tuple(c["mob"]),
        )
        for c in raw["countries"]
    )
    asns = {
        int(num): Asn(int(num), name, kind, tuple(_prefix(p) for p in prefixes))
        for num, (name, kind, prefixes) in raw["asns"].items()
    }
    return Vocab(countries=countries, asns=asns, raw=raw)
