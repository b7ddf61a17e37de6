"""Import dispatcher: recognise a feed's format from its content and read it.

Peers name files carelessly (``pegasus.stix2``, ``iocs.txt`` holding CSV), so the
format is decided by what the file holds: XML with a ``STIX_Package`` root is STIX 1,
JSON with ``"type": "bundle"`` is STIX 2, JSON with ``Event`` is MISP, a JSON array of
``indicator_type`` records is Meta's 2021 JSON, a header with ``indicator_type`` is
Meta's 2021 CSV or TSV, a header with ``Tactic`` and ``Indicator`` is Meta's 2023 CSV,
and anything else is a plain list. This is what ``mercwatch run --intel FEED`` and
``mercwatch intel import`` call.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from mercwatch.errors import InputError, IntelFormatError
from mercwatch.intel import safe_json
from mercwatch.intel.meta_csv import dict_rows, read_meta_2021, read_meta_2023
from mercwatch.intel.misp import read_misp
from mercwatch.intel.plain import read_plain
from mercwatch.intel.records import Feed
from mercwatch.intel.stix1 import read_stix1
from mercwatch.intel.stix_read import read_stix2
from mercwatch.link.intel import MappingIntelIndex
from mercwatch.model import Indicator, IndicatorType

FORMATS = (
    "stix2",
    "stix1",
    "misp",
    "meta-json-2021",
    "meta-csv-2021",
    "meta-tsv-2021",
    "meta-csv-2023",
    "plain",
)


def _json_format(data: Any) -> str | None:
    if isinstance(data, Mapping):
        if data.get("type") == "bundle":
            return "stix2"
        if "Event" in data or "response" in data or ("info" in data and "Attribute" in data):
            return "misp"
    if isinstance(data, list) and data and all(isinstance(i, Mapping) for i in data):
        if all("Event" in i for i in data):
            return "misp"
        if all("indicator_value" in i for i in data):
            return "meta-json-2021"
    return None


def _text_format(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    fields = [f.strip().lower() for f in first.replace("\t", ",").split(",")]
    if "indicator_type" in fields and "indicator_value" in fields:
        return "meta-tsv-2021" if "\t" in first else "meta-csv-2021"
    if {"tactic", "technique", "indicator"} <= set(fields):
        return "meta-csv-2023"
    if {"tactic", "technique", "procedure"} <= set(fields):
        raise IntelFormatError(
            "feed", "Meta's kill-chain taxonomy (tactics only), not an indicator feed"
        )
    return "plain"


def detect_format(text: str) -> str:
    """The format of a feed's content, one of :data:`FORMATS`.

    Raises:
        IntelFormatError: the content looks like JSON or XML but is none of ours.
    """
    head = text.lstrip()
    if head.startswith("<"):
        return "stix1"
    if head.startswith(("{", "[")):
        try:
            found = _json_format(safe_json.loads(text))
        except safe_json.JsonTooDeep as exc:
            raise IntelFormatError("feed", str(exc)) from exc
        except json.JSONDecodeError as exc:
            raise IntelFormatError("feed", f"looks like JSON but does not parse: {exc}") from exc
        if found is None:
            raise IntelFormatError(
                "feed", "JSON that is neither a STIX bundle, a MISP event nor Meta's indicator list"
            )
        return found
    return _text_format(text)


def _bounded_json(text: str, source: str) -> Any:
    """Parsed JSON, refusing nesting the parser would crash on (a clear error, exit 2)."""
    try:
        return safe_json.loads(text)
    except safe_json.JsonTooDeep as exc:
        raise IntelFormatError(source, str(exc)) from exc


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise InputError(str(path), "no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot be read as UTF-8 text: {exc}") from exc


def parse_feed(
    text: str,
    source: str,
    *,
    format: str | None = None,
    kind: IndicatorType | None = None,
    actor: str | None = None,
) -> Feed:
    """Read feed content already in memory (see :func:`load_feed`)."""
    try:
        fmt = format or detect_format(text)
        if fmt not in FORMATS:
            raise IntelFormatError(
                source, f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}"
            )
        if fmt in ("stix2", "misp", "meta-json-2021"):
            data = _bounded_json(text, source)
            if fmt == "stix2":
                return read_stix2(data, source)
            if fmt == "misp":
                return read_misp(data, source)
            if not isinstance(data, list):
                raise IntelFormatError(source, "Meta JSON must be an array of records")
            return read_meta_2021(
                ((f"{source}[{i}]", r) for i, r in enumerate(data, 1)), source, fmt
            )
        if fmt == "stix1":
            return read_stix1(text.encode("utf-8"), source)
        if fmt in ("meta-csv-2021", "meta-tsv-2021"):
            rows = dict_rows(text, source, "\t" if fmt == "meta-tsv-2021" else ",")
            return read_meta_2021(rows, source, fmt)
        if fmt == "meta-csv-2023":
            return read_meta_2023(text, source, actor)
        return read_plain(text, source, kind=kind, actor=actor)
    except IntelFormatError as exc:
        if exc.source == source:
            raise
        raise IntelFormatError(source, exc.reason) from exc
    except json.JSONDecodeError as exc:
        raise IntelFormatError(source, f"JSON does not parse: {exc}") from exc


def load_feed(
    path: str | Path,
    *,
    format: str | None = None,
    kind: IndicatorType | None = None,
    actor: str | None = None,
) -> Feed:
    """Read one feed file, whatever its format.

    Args:
        path: the file.
        format: force a format (one of :data:`FORMATS`) instead of detecting it.
        kind: for plain lists of names: what every line is (``process_name`` ...).
        actor: for feeds that do not name their actor in the rows (Meta 2023 CSV,
            plain lists).

    Raises:
        InputError: the file cannot be read.
        IntelFormatError: it cannot be parsed as the detected or given format.
    """
    file = Path(path)
    return parse_feed(_read_text(file), file.name, format=format, kind=kind, actor=actor)


def load_feeds(paths: Iterable[str | Path], **options: Any) -> Feed:
    """Read several feeds into one; the same feed given twice adds nothing."""
    merged: Feed | None = None
    for path in paths:
        feed = load_feed(path, **options)
        merged = feed if merged is None else merged.merge(feed)
    if merged is None:
        return Feed(source="", format="mixed", indicators=())
    return merged


def intel_index(
    feed: Feed,
    now: datetime | None = None,
    unattributed: str = "unattributed",
    indicators: Iterable[Indicator] | None = None,
) -> MappingIntelIndex:
    """The link stage's view of a feed: live domains, URLs and IPs -> (actor, source).

    This is what ``mercwatch run --intel FEED`` hands to linking for matching and
    attribution. Expired and revoked indicators are left out; process and file names
    are device artefacts no platform event carries, so they are left out too.

    Args:
        feed: the imported feed (see :func:`load_feeds`).
        now: the time at which validity is judged (naive UTC); default: now.
        unattributed: the actor name given to values whose feed names no actor.
        indicators: use these instead of those live at ``now`` (e.g. the ones valid
            at some event's time, :func:`mercwatch.intel.eventtime.usable_at_event_time`).
    """
    mapping: dict[str, list[tuple[str, str]]] = {}
    for ind in feed.live(now) if indicators is None else indicators:
        if ind.type in _MATCHABLE:
            mapping.setdefault(ind.value, []).append(
                (ind.actor or unattributed, ind.source or feed.source)
            )
    return MappingIntelIndex.from_mapping(mapping)


_MATCHABLE = frozenset(
    {IndicatorType.DOMAIN, IndicatorType.URL, IndicatorType.IPV4, IndicatorType.IPV6}
)
