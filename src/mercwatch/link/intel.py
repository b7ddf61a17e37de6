"""The view of imported intelligence that the link stage needs.

The intel importer (``mercwatch.intel``) owns parsing feeds; linking only asks "who is
known to use this domain, URL or IP?". :class:`IntelIndex` is that question as a
protocol, and :class:`MappingIntelIndex` answers it from a plain mapping, so the two
stages meet at a small interface instead of at each other's internals.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import idna

ActorSource = tuple[str, str]


@runtime_checkable
class IntelIndex(Protocol):
    """Indicators imported from others' feeds, keyed by normalized value."""

    def lookup(self, value: str) -> list[ActorSource]:
        """The (actor, source) pairs that name ``value``; empty when unknown."""
        ...

    def values(self) -> Iterable[str]:
        """Every normalized indicator value (domains, URLs, IPs) the index holds."""
        ...


#: Names that stand for no actor: what importers call indicators whose feed names
#: none, and operation ids (``op-1a2b3c4d5e6f``, ``mercwatch operation op-…``,
#: ``Operation 2023-117``) — a feed's label for its own case file, not who is behind it.
_NOT_ACTORS = frozenset({"", "unattributed", "unknown", "none", "n/a"})
_OPERATION_ID = re.compile(
    r"(?:^|\s)op-[0-9a-f]{6,}$|^(?:\S+\s+)?operation\s+[\w.-]*\d[\w.-]*$", re.IGNORECASE
)


def is_actor_name(name: str) -> bool:
    """Whether a feed's name for an indicator's owner may be used as an actor.

    Attribution names a threat actor or intrusion set; a feed that names only its
    own operation ids (ours export ``mercwatch operation op-…`` for unattributed
    operations) or no one at all leaves the operation unattributed.
    """
    text = name.strip()
    return text.lower() not in _NOT_ACTORS and not _OPERATION_ID.search(text)


def normalize_domain(value: str) -> str:
    """Lower-case, strip a trailing dot, and encode IDNs as A-labels (punycode).

    Feeds and events spell the same domain differently; comparing A-labels is the one
    spelling both sides can agree on.
    """
    text = value.strip().rstrip(".").lower()
    try:
        return idna.encode(text, uts46=True).decode("ascii")
    except idna.IDNAError:
        return text


def normalize_url(value: str) -> str:
    """Trim whitespace and trailing slashes: the same link pasted twice compares equal."""
    return value.strip().rstrip("/")


def normalize_ip(value: str) -> str:
    """Canonical text of an IP address (compressed IPv6), or the input trimmed."""
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return value.strip()


def indicator_kind(value: str) -> str:
    """``url``, ``ip`` or ``domain``: how linking matches a normalized indicator."""
    if "://" in value:
        return "url"
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return "domain"
    return "ip"


def normalize_indicator(value: str) -> str:
    """Normalize any indicator value according to its kind."""
    kind = indicator_kind(value.strip())
    if kind == "url":
        return normalize_url(value)
    if kind == "ip":
        return normalize_ip(value)
    return normalize_domain(value)


@dataclass(frozen=True, slots=True)
class MappingIntelIndex:
    """An :class:`IntelIndex` over ``{value: (actor, source) | [(actor, source), ...]}``.

    Keys are normalized on construction, so callers may pass values as feeds spell them.
    """

    entries: Mapping[str, tuple[ActorSource, ...]] = field(default_factory=dict)

    @classmethod
    def from_mapping(
        cls, mapping: Mapping[str, ActorSource | Iterable[ActorSource]]
    ) -> MappingIntelIndex:
        """Build the index, accepting one pair or several pairs per value."""
        merged: dict[str, set[ActorSource]] = {}
        for raw, pairs in mapping.items():
            items = [pairs] if _is_pair(pairs) else list(pairs)
            bucket = merged.setdefault(normalize_indicator(raw), set())
            bucket.update((str(actor), str(source)) for actor, source in items)
        return cls({key: tuple(sorted(val)) for key, val in merged.items()})

    def lookup(self, value: str) -> list[ActorSource]:
        """The (actor, source) pairs for ``value`` (normalized first)."""
        return list(self.entries.get(normalize_indicator(value), ()))

    def values(self) -> Iterable[str]:
        """All normalized values, sorted for deterministic use."""
        return sorted(self.entries)


def _is_pair(value: object) -> bool:
    return (
        isinstance(value, tuple)
        and len(value) == 2
        and all(isinstance(part, str) for part in value)
    )


def as_intel_index(
    intel: IntelIndex | Mapping[str, ActorSource | Iterable[ActorSource]] | None,
) -> IntelIndex:
    """Accept an index, a plain mapping or nothing, and return an index."""
    if intel is None:
        return MappingIntelIndex()
    if isinstance(intel, IntelIndex):
        return intel
    return MappingIntelIndex.from_mapping(intel)
