"""TAXII timestamps and the two version notions of a stored STIX object.

TAXII compares versions and ``date_added`` as instants, not as strings: STIX allows any
number of fractional digits, so ``…21.01893Z`` and ``…21.018930Z`` are one instant but
sort differently as text. Everything here works on naive UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from stix2.utils import parse_into_datetime

SPEC_VERSIONS = ("2.0", "2.1")


def parse_ts(value: str) -> datetime:
    """Parse an RFC 3339 UTC timestamp (``2021-12-16T10:00:00.123Z``) to a naive UTC datetime.

    Raises:
        ValueError: when ``value`` is not such a timestamp.
    """
    if not isinstance(value, str) or not value.endswith("Z"):
        raise ValueError(f"not an RFC 3339 UTC timestamp ending in 'Z': {value!r}")
    parsed = parse_into_datetime(value)
    return parsed.astimezone(UTC).replace(tzinfo=None)


def format_ts(value: datetime) -> str:
    """Format with microseconds and ``Z``, the precision TAXII 2.1 asks servers to keep."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def spec_version(obj: Mapping[str, Any]) -> str:
    """The STIX spec of an object: its ``spec_version``; else 2.1 for an SCO, else 2.0.

    STIX 2.1 SDOs and SROs must carry ``spec_version``; 2.1 cyber-observables may omit
    it and have neither ``created`` nor ``modified``; 2.0 objects never carry it.

    Raises:
        ValueError: a declared ``spec_version`` that is not a supported version string
            (it would otherwise become a bogus media type of the collection).
    """
    if "spec_version" in obj:
        declared = obj["spec_version"]
        if not isinstance(declared, str) or declared not in SPEC_VERSIONS:
            shown = repr(declared)[:80]
            raise ValueError(f"'spec_version' {shown}: must be one of {', '.join(SPEC_VERSIONS)}")
        return declared
    if "created" not in obj and "modified" not in obj:
        return "2.1"
    return "2.0"


def object_version(obj: Mapping[str, Any], date_added: datetime) -> datetime:
    """TAXII's version of an object: ``modified``, else ``created``, else ``date_added``."""
    stamp = obj.get("modified") or obj.get("created")
    return parse_ts(stamp) if stamp else date_added


def spec_key(spec: str) -> tuple[int, ...]:
    """Sort key so that "2.10" would come after "2.9"."""
    try:
        return tuple(int(part) for part in spec.split("."))
    except ValueError:
        return (0,)
