"""Read a peer's STIX 2.x bundle into a :class:`~mercwatch.intel.records.Feed`.

Each object goes through ``stix2.parse`` on its own, so one invalid object is reported
and the rest of the bundle still counts. Indicator patterns are read with the STIX
pattern grammar (:mod:`mercwatch.intel.patterns`). The actor of an indicator is the
name of what it ``indicates`` (malware, intrusion-set, threat-actor, campaign),
followed through ``attributed-to`` to a threat actor when there is one, so Amnesty's
Pegasus indicators belong to ``Pegasus`` and ours to the attributed actor.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import stix2
from stix2.exceptions import STIXError

from mercwatch.errors import IntelFormatError
from mercwatch.intel.indicators import normalize
from mercwatch.intel.killchain import phase_from_stix_name
from mercwatch.intel.patterns import parse_pattern
from mercwatch.intel.records import Entry, Feed, Oddity, feed_from_entries
from mercwatch.model import Indicator, IndicatorType, Phase

_NAMED = ("malware", "intrusion-set", "threat-actor", "campaign", "tool")


def _naive(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    ts = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return ts.astimezone(UTC).replace(tzinfo=None) if ts.tzinfo else ts


def _check(raw: Mapping[str, Any]) -> None:
    """Validate one object. Indicators get a light check of what we read (their pattern
    is parsed anyway); everything else goes through ``stix2.parse``. Parsing every
    indicator with stix2 too would parse each pattern twice, doubling import time."""
    if raw.get("type") != "indicator":
        stix2.parse(dict(raw), allow_custom=True)
        return
    if not str(raw.get("id", "")).startswith("indicator--") or not isinstance(
        raw.get("pattern"), str
    ):
        raise ValueError("indicator without an id or a pattern")
    for name in ("created", "modified", "valid_from", "valid_until"):
        _naive(raw.get(name))


def _parse_objects(data: Any, source: str) -> tuple[list[Mapping[str, Any]], list[Oddity]]:
    if not isinstance(data, Mapping) or data.get("type") != "bundle":
        raise IntelFormatError(source, "not a STIX bundle (no top-level type 'bundle')")
    latest: dict[str, Mapping[str, Any]] = {}
    oddities: list[Oddity] = []
    for raw in data.get("objects") or []:
        if not isinstance(raw, Mapping):
            oddities.append(Oddity(source, str(raw)[:80], "not a STIX object", rejected=False))
            continue
        where = f"{source} {raw.get('id', '?')}"
        try:
            _check(raw)
        except (STIXError, ValueError, TypeError, KeyError) as exc:
            kept = raw.get("type") == "indicator"
            oddities.append(
                Oddity(
                    where, str(raw.get("pattern", "")), f"invalid STIX object: {exc}", rejected=kept
                )
            )
            continue
        before = latest.get(raw["id"])
        # A bundle may hold several versions of an object; the latest one counts.
        if before is None or str(raw.get("modified", "")) >= str(before.get("modified", "")):
            latest[raw["id"]] = raw
    return list(latest.values()), oddities


def _actor_names(objects: list[Any]) -> dict[str, list[str]]:
    """Indicator id -> actor names, through ``indicates`` and ``attributed-to``."""
    names = {o["id"]: o["name"] for o in objects if o.get("type") in _NAMED and o.get("name")}
    attributed: dict[str, list[str]] = {}
    indicates: dict[str, list[str]] = {}
    for rel in (o for o in objects if o.get("type") == "relationship"):
        kind, source, target = (
            rel.get("relationship_type"),
            rel.get("source_ref"),
            rel.get("target_ref"),
        )
        if kind == "attributed-to" and target in names:
            attributed.setdefault(source, []).append(names[target])
        elif kind == "indicates":
            indicates.setdefault(source, []).append(target)
    actors: dict[str, list[str]] = {}
    for indicator_id, targets in indicates.items():
        found: list[str] = []
        for target in targets:
            for name in attributed.get(target) or ([names[target]] if target in names else []):
                if name not in found:
                    found.append(name)
        actors[indicator_id] = found
    return actors


def _phases(obj: Any) -> tuple[Phase, ...]:
    found: set[Phase] = set()
    for kcp in obj.get("kill_chain_phases") or []:
        found.update(
            phase_from_stix_name(kcp.get("kill_chain_name", ""), kcp.get("phase_name", ""))
        )
    return tuple(sorted(found, key=lambda p: p.rank))


def _indicator_entries(obj: Any, actors: list[str], source: str) -> list[Entry]:
    where = f"{source} {obj['id']}"
    pattern = obj["pattern"]
    if obj.get("pattern_type", "stix") != "stix":
        return [
            Entry(
                where,
                pattern,
                Oddity(where, pattern, f"{obj['pattern_type']} pattern, not STIX", True),
            )
        ]
    try:
        comparisons = parse_pattern(pattern)
    except IntelFormatError as exc:
        return [Entry(where, pattern, Oddity(where, pattern, exc.reason, True))]
    entries = []
    for comp in comparisons:
        entries.append(
            Entry(
                where, comp.value, _indicator(obj, comp.kind, comp.path, comp.value, actors, where)
            )
        )
    return entries


def _indicator(
    obj: Any, kind: IndicatorType | None, path: str, raw: str, actors: list[str], where: str
) -> Any:
    if kind is None:
        return Oddity(where, raw, f"object path {path} is not one mercwatch matches", rejected=True)
    try:
        value = normalize(kind, raw)
    except IntelFormatError as exc:
        return Oddity(where, raw, exc.reason, rejected=True)
    return Indicator(
        type=kind,
        value=value,
        actor=actors[0] if actors else None,
        comment=obj.get("description") or obj.get("name") or "",
        valid_from=_naive(obj.get("valid_from")),
        valid_until=_naive(obj.get("valid_until")),
        revoked=bool(obj.get("revoked", False)),
        phases=_phases(obj),
    )


def read_stix2(data: Any, source: str) -> Feed:
    """Feed from a decoded STIX 2.x bundle.

    An indicator that indicates several actors is imported once per actor, so each
    actor's attribution sees it; patterns that are not plain value lists, and object
    paths we do not match on, are reported as rejects.
    """
    objects, oddities = _parse_objects(data, source)
    actors = _actor_names(objects)
    entries: list[Entry] = []
    for obj in (o for o in objects if o.get("type") == "indicator"):
        names = actors.get(obj["id"], [])
        for entry in _indicator_entries(obj, names[:1], source):
            entries.append(entry)
            for other in names[1:]:
                if isinstance(entry.result, Indicator):
                    entries.append(
                        Entry(entry.where, entry.raw, replace(entry.result, actor=other))
                    )
    return feed_from_entries(source, "stix2", entries, oddities)
