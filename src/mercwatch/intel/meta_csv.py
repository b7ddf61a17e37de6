"""Meta's threat-research indicator files, both layouts, out and in.

* 2021 layout (``indicators/csv|tsv|json`` in facebook/threat-research):
  ``indicator_type,indicator_value,comment,ds`` with plain values, the actor in the
  comment (``Cytrox Domain``, ``Iran: Tortoiseshell related Domain``) and the
  publication date in ``ds``. The same records come as CSV, TSV or a JSON array.
* 2023 layout: ``Tactic,Technique,Procedure,Indicator,Comments`` along Meta's Online
  Operations Kill Chain, values defanged (``example[.]xyz``), and prose rows that
  describe a technique rather than list a value. Meta's files vary the header
  (``Tactic `` with a space, ``Notes`` for ``Comments``), so headers are matched loosely.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from mercwatch.errors import IntelFormatError
from mercwatch.intel.indicators import (
    classify,
    defang,
    normalize,
    normalize_domain,
    select_indicators,
)
from mercwatch.intel.killchain import parse_tactic, phases_for_tactic, procedure_for_type
from mercwatch.intel.records import Entry, Feed, Oddity, feed_from_entries, flag_split_values
from mercwatch.model import Indicator, IndicatorType, Operation

HEADER_2021 = ["indicator_type", "indicator_value", "comment", "ds"]
HEADER_2023 = ["Tactic", "Technique", "Procedure", "Indicator", "Comments"]

_TYPE_2021: dict[str, IndicatorType | None] = {
    "domain_name": IndicatorType.DOMAIN,
    "domain": IndicatorType.DOMAIN,
    "url": IndicatorType.URL,
    "ip_address": None,  # v4 or v6, decided by the value
    "ip": None,
    "email_address": IndicatorType.EMAIL,
    "email": IndicatorType.EMAIL,
    "md5": IndicatorType.MD5,
    "sha1": IndicatorType.SHA1,
    "sha256": IndicatorType.SHA256,
    "file_name": IndicatorType.FILE_NAME,
    "process_name": IndicatorType.PROCESS_NAME,
}
_LABEL_2021 = {
    IndicatorType.DOMAIN: ("domain_name", "Domain"),
    IndicatorType.URL: ("url", "URL"),
    IndicatorType.IPV4: ("ip_address", "IP"),
    IndicatorType.IPV6: ("ip_address", "IP"),
    IndicatorType.EMAIL: ("email_address", "Email"),
    IndicatorType.MD5: ("md5", "Hash"),
    IndicatorType.SHA1: ("sha1", "Hash"),
    IndicatorType.SHA256: ("sha256", "Hash"),
    IndicatorType.FILE_NAME: ("file_name", "File"),
    IndicatorType.PROCESS_NAME: ("process_name", "Process"),
}
# "Cytrox Domain", "Iran: Tortoiseshell related Domain" -> the actor's name.
_ACTOR_COMMENT = re.compile(
    r"^(?:[^:]+:\s*)?(?P<actor>.+?)(?:\s+related)?\s+"
    r"(?:domain|url|ip|ip address|email|email address|hash|file|process|indicator)s?$",
    re.IGNORECASE,
)


def actor_from_comment(comment: str) -> str | None:
    """``Cytrox Domain`` -> ``Cytrox``; None when the comment does not name one."""
    match = _ACTOR_COMMENT.match(comment.strip())
    return match["actor"].strip() if match else None


def _ds(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value.strip()) if value and value.strip() else None
    except ValueError:
        return None


def _entry_2021(where: str, record: Mapping[str, Any]) -> Entry:
    label = str(record.get("indicator_type") or "").strip().lower()
    raw = str(record.get("indicator_value") or "")
    if label not in _TYPE_2021:
        return Entry(
            where,
            raw,
            Oddity(where, raw, f"indicator type {label!r} is not one mercwatch matches", True),
        )
    kind = _TYPE_2021[label] or classify(raw)
    if kind not in (None, IndicatorType.IPV4, IndicatorType.IPV6) and _TYPE_2021[label] is None:
        kind = None
    if kind is None:
        return Entry(where, raw, Oddity(where, raw, "not an IP address", True))
    try:
        value = normalize(kind, raw)
    except IntelFormatError as exc:
        return Entry(where, raw, Oddity(where, raw, exc.reason, True))
    comment = str(record.get("comment") or "").strip()
    indicator = Indicator(
        type=kind,
        value=value,
        actor=actor_from_comment(comment),
        comment=comment,
        valid_from=_ds(str(record.get("ds") or "")),
    )
    return Entry(where, raw, indicator)


def read_meta_2021(
    records: Iterable[tuple[str, Mapping[str, Any]]], source: str, format: str
) -> Feed:
    """Feed from 2021-layout records given as ``(where, record)`` pairs (any container)."""
    entries = [_entry_2021(where, record) for where, record in records]
    return feed_from_entries(source, format, flag_split_values(entries, normalize_domain))


def dict_rows(text: str, source: str, delimiter: str = ",") -> list[tuple[str, dict[str, str]]]:
    """CSV/TSV rows as ``(file:line, row)`` with headers stripped; line numbers as in an editor."""
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    reader.fieldnames = [f.strip() for f in reader.fieldnames or []]
    rows = []
    for row in reader:
        # line_num counts physical lines read so far, so it is the row's last line.
        rows.append((f"{source}:{reader.line_num}", {k: (v or "") for k, v in row.items() if k}))
    return rows


def _cell(row: Mapping[str, str], *names: str) -> str:
    lowered = {k.strip().lower(): v for k, v in row.items()}
    return next((lowered[n] for n in names if n in lowered), "") or ""


def _entry_2023(where: str, row: Mapping[str, str], actor: str | None) -> Entry | None:
    raw = _cell(row, "indicator").strip()
    if not any(v.strip() for v in row.values()):
        return None  # Meta separates tactics with empty ",,,," rows
    tactic = parse_tactic(_cell(row, "tactic"))
    phases = phases_for_tactic(tactic[0]) if tactic else ()
    kind = classify(raw) if raw and not any(c.isspace() for c in raw) else None
    if kind is None:
        reason = "describes a technique in prose; not an indicator value"
        return Entry(where, raw, Oddity(where, raw, reason, True))
    try:
        value = normalize(kind, raw)
    except IntelFormatError as exc:
        return Entry(where, raw, Oddity(where, raw, exc.reason, True))
    comment = _cell(row, "comments", "notes", "comment").strip()
    return Entry(
        where, raw, Indicator(type=kind, value=value, actor=actor, comment=comment, phases=phases)
    )


def read_meta_2023(text: str, source: str, actor: str | None = None) -> Feed:
    """Feed from a 2023-layout CSV. Meta names the network in the file name, not in the
    rows, so the actor is given by the caller (``--actor``) or left unattributed."""
    entries = [e for where, row in dict_rows(text, source) if (e := _entry_2023(where, row, actor))]
    return feed_from_entries(source, "meta-csv-2023", flag_split_values(entries, normalize_domain))


def _shareable(
    operations: Iterable[Operation],
    extra: Mapping[str, Iterable[Indicator]] | None,
    sensitive: Iterable[str],
) -> list[tuple[Operation, Indicator]]:
    terms = tuple(sensitive)
    pairs = []
    for op in sorted(operations, key=lambda o: o.operation_id):
        chosen = select_indicators(
            op, extra=(extra or {}).get(op.operation_id, ()), sensitive=terms
        )
        pairs += [(op, ind) for ind in chosen.indicators]
    return pairs


def _write(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def export_csv_2021(
    operations: Iterable[Operation],
    *,
    extra: Mapping[str, Iterable[Indicator]] | None = None,
    sensitive: Iterable[str] = (),
) -> str:
    """Meta's 2021 layout; the comment names the actor (``Cytrox Domain``) as Meta's does."""
    rows = []
    for op, ind in _shareable(operations, extra, sensitive):
        label, noun = _LABEL_2021[ind.type]
        comment = f"{ind.actor} {noun}" if ind.actor else f"mercwatch operation {op.operation_id}"
        day = op.last_seen or op.first_seen
        rows.append([label, ind.value, comment, day.date().isoformat() if day else ""])
    return _write(HEADER_2021, rows)


def export_csv_2023(
    operations: Iterable[Operation],
    *,
    extra: Mapping[str, Iterable[Indicator]] | None = None,
    sensitive: Iterable[str] = (),
) -> str:
    """Meta's 2023 layout, defanged, each value filed under Meta's procedure for its type."""
    rows = []
    for op, ind in _shareable(operations, extra, sensitive):
        proc = procedure_for_type(ind.type.value)
        comment = ind.actor or f"mercwatch operation {op.operation_id}"
        rows.append(
            [proc.tactic, proc.technique, proc.procedure, defang(ind.value, ind.type), comment]
        )
    return _write(HEADER_2023, rows)
