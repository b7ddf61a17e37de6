"""Read STIX 1.2 XML packages (Meta still publishes its older reports this way).

Parsed with defusedxml's ElementTree (no entity expansion, no external fetches: a feed
is untrusted input) and explicit namespaces. Each ``stix:Indicator`` yields the values
of the CybOX objects in its observables; the indicator's ``Title`` is Meta's
``Cytrox Domain`` comment, read for the actor the same way as Meta's CSV.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from mercwatch.errors import IntelFormatError
from mercwatch.intel.indicators import classify, normalize, normalize_domain
from mercwatch.intel.meta_csv import actor_from_comment
from mercwatch.intel.records import Entry, Feed, Oddity, feed_from_entries, flag_split_values
from mercwatch.model import Indicator, IndicatorType

NS = {
    "stix": "http://stix.mitre.org/stix-1",
    "indicator": "http://stix.mitre.org/Indicator-2",
    "cybox": "http://cybox.mitre.org/cybox-2",
    "cyboxCommon": "http://cybox.mitre.org/common-2",
    "DomainNameObj": "http://cybox.mitre.org/objects#DomainNameObject-1",
    "URIObj": "http://cybox.mitre.org/objects#URIObject-2",
    "AddressObj": "http://cybox.mitre.org/objects#AddressObject-2",
    "EmailMessageObj": "http://cybox.mitre.org/objects#EmailMessageObject-2",
    "FileObj": "http://cybox.mitre.org/objects#FileObject-2",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
_XSI_TYPE = f"{{{NS['xsi']}}}type"
_HASHES = {"MD5": IndicatorType.MD5, "SHA1": IndicatorType.SHA1, "SHA256": IndicatorType.SHA256}
# Which value elements hold what, per CybOX object; None = decided by the value.
_VALUE_PATHS: list[tuple[str, IndicatorType | None]] = [
    ("DomainNameObj:Value", IndicatorType.DOMAIN),
    ("URIObj:Value", None),
    ("AddressObj:Address_Value", None),
    ("EmailMessageObj:Header/EmailMessageObj:From/AddressObj:Address_Value", IndicatorType.EMAIL),
    ("FileObj:File_Name", IndicatorType.FILE_NAME),
]


def _timestamp(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        ts = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return ts.astimezone(UTC).replace(tzinfo=None) if ts.tzinfo else ts


def _values(props: Element) -> Iterator[tuple[IndicatorType | None, Element]]:
    for path, kind in _VALUE_PATHS:
        for element in props.findall(path, NS):
            yield kind, element
    for digest in props.findall("FileObj:Hashes/cyboxCommon:Hash", NS):
        name = (digest.findtext("cyboxCommon:Type", "", NS) or "").strip().upper().replace("-", "")
        value = digest.find("cyboxCommon:Simple_Hash_Value", NS)
        if value is not None:
            yield _HASHES.get(name), value


def _split(element: Element) -> list[str]:
    text = (element.text or "").strip()
    if element.get("apply_condition") and "##comma##" in text:
        return [part.strip() for part in text.split("##comma##") if part.strip()]
    return [text]


def _entry(
    where: str, raw: str, kind: IndicatorType | None, condition: str, base: Indicator
) -> Entry:
    if condition not in ("", "Equals"):
        return Entry(
            where, raw, Oddity(where, raw, f"condition {condition!r} is not an exact value", True)
        )
    guessed = kind or classify(raw)
    if guessed is None:
        return Entry(where, raw, Oddity(where, raw, "value of unknown type", True))
    try:
        value = normalize(guessed, raw)
    except IntelFormatError as exc:
        return Entry(where, raw, Oddity(where, raw, exc.reason, True))
    return Entry(
        where,
        raw,
        Indicator(
            type=guessed,
            value=value,
            actor=base.actor,
            comment=base.comment,
            valid_from=base.valid_from,
            valid_until=base.valid_until,
        ),
    )


def _indicator_entries(node: Element, source: str) -> list[Entry]:
    where = f"{source} {node.get('id', '?')}"
    title = (node.findtext("indicator:Title", "", NS) or "").strip()
    window = node.find("indicator:Valid_Time_Position", NS)
    start = window.findtext("indicator:Start_Time", None, NS) if window is not None else None
    end = window.findtext("indicator:End_Time", None, NS) if window is not None else None
    base = Indicator(
        type=IndicatorType.DOMAIN,  # placeholder; each value decides its own type
        value="",
        actor=actor_from_comment(title),
        comment=title,
        valid_from=_timestamp(start) or _timestamp(node.get("timestamp")),
        valid_until=_timestamp(end),
    )
    entries = []
    for props in node.iter(f"{{{NS['cybox']}}}Properties"):
        found = list(_values(props))
        if not found:
            kind_name = props.get(_XSI_TYPE, "?")
            entries.append(
                Entry(
                    where,
                    kind_name,
                    Oddity(
                        where,
                        kind_name,
                        f"CybOX object {kind_name} is not one mercwatch matches",
                        True,
                    ),
                )
            )
        for kind, element in found:
            for raw in _split(element):
                entries.append(_entry(where, raw, kind, element.get("condition", ""), base))
    return entries


def read_stix1(text: str | bytes, source: str) -> Feed:
    """Feed from a STIX 1.2 XML package.

    Raises:
        IntelFormatError: not well-formed XML, unsafe XML (entities, DTDs), or not a
            STIX 1.x package.
    """
    try:
        root = SafeET.fromstring(text)
    except (SafeET.ParseError, DefusedXmlException) as exc:
        raise IntelFormatError(source, f"not readable STIX 1 XML: {exc}") from exc
    if root.tag != f"{{{NS['stix']}}}STIX_Package":
        raise IntelFormatError(source, f"root element is {root.tag}, not stix:STIX_Package")
    entries: list[Entry] = []
    for node in root.iter(f"{{{NS['stix']}}}Indicator"):
        entries.extend(_indicator_entries(node, source))
    return feed_from_entries(source, "stix1", flag_split_values(entries, normalize_domain))
