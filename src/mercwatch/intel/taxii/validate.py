"""The STIX common properties every stored object must have right, custom types included.

``stix2.parse(..., allow_custom=True)`` checks the objects it knows and passes unknown
(custom) types through untouched, and the store used to trust ``spec_version`` as sent:
``"spec_version": {"x": 1}`` was stored and added ``application/stix+json;version={'x':
1}`` to the collection's media types. Everything a TAXII server relies on (``type``,
``id``, ``spec_version``, ``created``, ``modified``) is checked here, strictly, for
every object, before the type-specific check and before anything is stored.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any

from mercwatch.intel.taxii.versions import parse_ts, spec_version

# STIX 2.1 section 3.1: 3-250 characters of a-z, 0-9 and hyphen; no leading or trailing
# hyphen and no "--" (the id separator).
_TYPE = re.compile(r"^[a-z0-9](?:[a-z0-9]|-(?!-)){1,248}[a-z0-9]$")


class InvalidStixObject(ValueError):
    """An object breaks a STIX common-property rule; the message names the property."""


def check_common(obj: Any) -> str:
    """Check an object's common properties; returns its STIX spec version.

    Raises:
        InvalidStixObject: not an object, or ``type``, ``id``, ``spec_version``,
            ``created`` or ``modified`` is missing where required or malformed.
    """
    if not isinstance(obj, Mapping):
        raise InvalidStixObject("not a STIX object (a JSON object is needed)")
    kind = obj.get("type")
    if not isinstance(kind, str) or not _TYPE.match(kind):
        raise InvalidStixObject(f"'type' {_show(kind)}: 3-250 of a-z 0-9 and single hyphens")
    _check_id(obj.get("id"), kind)
    spec = _spec_version(obj)
    for name in ("created", "modified"):
        if name in obj:
            value = obj[name]
            try:
                parse_ts(value)
            except (ValueError, TypeError, OverflowError) as exc:
                raise InvalidStixObject(f"{name!r} {_show(value)}: {exc}") from exc
    if "modified" in obj and "created" not in obj:
        raise InvalidStixObject("'modified' without 'created'")
    return spec


def _check_id(value: Any, kind: str) -> None:
    prefix = f"{kind}--"
    if not isinstance(value, str) or not value.startswith(prefix):
        raise InvalidStixObject(f"'id' {_show(value)}: must be '{prefix}<UUID>'")
    try:
        uuid.UUID(value[len(prefix) :])
    except ValueError as exc:
        raise InvalidStixObject(f"'id' {_show(value)}: not a UUID after '--'") from exc


def _spec_version(obj: Mapping[str, Any]) -> str:
    try:
        return spec_version(obj)
    except ValueError as exc:
        raise InvalidStixObject(str(exc)) from exc


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
