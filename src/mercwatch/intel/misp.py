"""MISP events out and in, through PyMISP's offline ``MISPEvent`` (no server needed).

One event per operation: attributes for its shareable indicators, a TLP tag, our
kill-chain phases as machine tags, Meta's kill-chain tactics as a galaxy with clusters,
and the attributed actor as a ``misp-galaxy:threat-actor`` tag. UUIDs are UUIDv5 from
the same namespace as our STIX ids, and timestamps come from the operation, so an
export is reproducible. Reading accepts a single event, a list of events, or MISP's
``{"response": [...]}`` search output; deleted attributes are read as revoked.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pymisp import MISPAttribute, MISPEvent, MISPGalaxy, MISPOrganisation

from mercwatch.errors import IntelFormatError
from mercwatch.intel.indicators import normalize, select_indicators
from mercwatch.intel.killchain import (
    MERCWATCH_KILL_CHAIN,
    META_KILL_CHAIN,
    meta_tactic_labels,
    parse_tactic,
    phases_for_tactic,
)
from mercwatch.intel.records import Feed, Oddity, build_feed
from mercwatch.intel.stix import NAMESPACE
from mercwatch.intel.tlp import tlp_level
from mercwatch.model import Indicator, IndicatorType, Operation, Phase

MISP_TYPE: dict[IndicatorType, str] = {
    IndicatorType.DOMAIN: "domain",
    IndicatorType.URL: "url",
    IndicatorType.IPV4: "ip-dst",
    IndicatorType.IPV6: "ip-dst",
    IndicatorType.EMAIL: "email-src",
    IndicatorType.MD5: "md5",
    IndicatorType.SHA1: "sha1",
    IndicatorType.SHA256: "sha256",
    IndicatorType.FILE_NAME: "filename",
    IndicatorType.PROCESS_NAME: "text",
}
# MISP types we read; hostnames and e-mail variants become our domains and e-mails.
_READ_TYPE: dict[str, IndicatorType] = {
    "domain": IndicatorType.DOMAIN,
    "hostname": IndicatorType.DOMAIN,
    "url": IndicatorType.URL,
    "link": IndicatorType.URL,
    "ip-dst": IndicatorType.IPV4,
    "ip-src": IndicatorType.IPV4,
    "email-src": IndicatorType.EMAIL,
    "email-dst": IndicatorType.EMAIL,
    "email": IndicatorType.EMAIL,
    "md5": IndicatorType.MD5,
    "sha1": IndicatorType.SHA1,
    "sha256": IndicatorType.SHA256,
    "filename": IndicatorType.FILE_NAME,
}
_PROCESS_COMMENT = "process name"
_GALAXY_TYPE = META_KILL_CHAIN
_ACTOR_TAG = re.compile(r'^misp-galaxy:(?:threat-actor|mercwatch-actor)="(?P<name>.+)"$')
_META_TAG = re.compile(rf'^misp-galaxy:{_GALAXY_TYPE}="(?P<label>.+)"$')
_PHASE_TAG = re.compile(rf'^{MERCWATCH_KILL_CHAIN}:phase="(?P<phase>[a-z]+)"$')


def _uuid(*key: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "|".join(("misp", *key))))


def _utc(ts: datetime) -> datetime:
    """A naive time read as UTC (every caller has checked for None first)."""
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts


def _galaxy(phases: tuple[Phase, ...]) -> MISPGalaxy | None:
    labels = meta_tactic_labels(phases)
    if not labels:
        return None
    galaxy = MISPGalaxy()
    galaxy.from_dict(
        type=_GALAXY_TYPE,
        name="Meta Online Operations Kill Chain",
        uuid=_uuid("galaxy", _GALAXY_TYPE),
        namespace="meta",
        description="Tactics of Meta's Online Operations Kill Chain (MIT licence).",
        version=1,
        icon="link",
    )
    for label in labels:
        galaxy.add_galaxy_cluster(
            value=label,
            type=_GALAXY_TYPE,
            uuid=_uuid("cluster", _GALAXY_TYPE, label),
            tag_name=f'misp-galaxy:{_GALAXY_TYPE}="{label}"',
            description=f"Meta Online Operations Kill Chain tactic {label}",
            source="Meta threat-research",
            authors=["Meta"],
            version=1,
        )
    return galaxy


def _event_header(op: Operation, publisher: str, tlp: str) -> MISPEvent:
    event = MISPEvent()
    event.uuid = _uuid("event", publisher, op.operation_id)
    actor = op.attribution.actor if op.attribution else None
    event.info = f"mercwatch operation {op.operation_id}" + (
        f" attributed to {actor}" if actor else ""
    )
    event.date = (op.first_seen or op.last_seen or datetime(1970, 1, 1)).date()
    event.distribution = 3 if tlp == "clear" else 0
    event.threat_level_id = 1 if op.confidence >= 0.8 else 2 if op.confidence >= 0.5 else 3
    event.analysis = 2
    if op.last_seen:
        event.timestamp = _utc(op.last_seen)
    org = MISPOrganisation()
    org.from_dict(name=publisher, uuid=_uuid("org", publisher))
    event.Orgc = org
    event.add_tag(f"tlp:{tlp}")
    for phase in sorted(op.phases, key=lambda p: p.rank):
        event.add_tag(f'{MERCWATCH_KILL_CHAIN}:phase="{phase.value}"')
    if actor:
        event.add_tag(f'misp-galaxy:threat-actor="{actor}"')
    galaxy = _galaxy(op.phases)
    if galaxy is not None:
        event.add_galaxy(galaxy)
        for cluster in galaxy.clusters:
            event.add_tag(cluster.tag_name)
    return event


def _add_attribute(event: MISPEvent, op: Operation, ind: Indicator) -> None:
    kind = MISP_TYPE[ind.type]
    comment = _PROCESS_COMMENT if ind.type is IndicatorType.PROCESS_NAME else ind.comment
    attribute = event.add_attribute(
        kind,
        ind.value,
        uuid=_uuid("attribute", event.uuid, kind, ind.value),
        to_ids=ind.type is not IndicatorType.PROCESS_NAME,
        comment=comment,
    )
    assert isinstance(attribute, MISPAttribute)  # one value in, one attribute out
    if op.first_seen:
        attribute.first_seen = _utc(op.first_seen)
    if op.last_seen and (op.first_seen is None or op.last_seen >= op.first_seen):
        attribute.last_seen = _utc(op.last_seen)
        attribute.timestamp = _utc(op.last_seen)
    for phase in sorted(ind.phases or op.phases, key=lambda p: p.rank):
        attribute.add_tag(f'{MERCWATCH_KILL_CHAIN}:phase="{phase.value}"')


def export_misp(
    operations: Iterable[Operation],
    *,
    publisher: str = "mercwatch",
    tlp: str = "clear",
    extra: Mapping[str, Iterable[Indicator]] | None = None,
    sensitive: Iterable[str] = (),
) -> list[MISPEvent]:
    """One ``MISPEvent`` per operation, in operation-id order; never any target data.

    Args:
        operations: the operations to publish.
        publisher: the creating organisation (``Orgc``).
        tlp: TLP level tag (``clear`` default).
        extra: more indicators per operation id.
        sensitive: strings identifying targets beyond their ids; values holding one
            are withheld.
    """
    level = tlp_level(tlp)
    terms = tuple(sensitive)
    events = []
    for op in sorted(operations, key=lambda o: o.operation_id):
        event = _event_header(op, publisher, level)
        chosen = select_indicators(
            op, extra=(extra or {}).get(op.operation_id, ()), sensitive=terms
        )
        for ind in chosen.indicators:
            _add_attribute(event, op, ind)
        events.append(event)
    return events


def misp_text(events: Iterable[MISPEvent]) -> str:
    """Events as MISP's ``{"response": [{"Event": ...}, ...]}`` JSON."""
    body = {"response": [{"Event": json.loads(e.to_json())} for e in events]}
    return json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_misp(events: Iterable[MISPEvent], path: str | Path) -> Path:
    """Write events as :func:`misp_text` does."""
    target = Path(path)
    target.write_text(misp_text(events), "utf-8")
    return target


def _event_dicts(data: Any, source: str) -> list[Mapping[str, Any]]:
    if isinstance(data, Mapping) and "response" in data:
        data = data["response"]
    items = data if isinstance(data, list) else [data]
    if not all(isinstance(i, Mapping) and ("Event" in i or "info" in i) for i in items):
        raise IntelFormatError(source, "not a MISP event or list of events")
    return items


def _tag_context(tags: list[str]) -> tuple[str | None, tuple[Phase, ...]]:
    actor = None
    phases: set[Phase] = set()
    for name in tags:
        if (m := _ACTOR_TAG.match(name)) and actor is None:
            actor = m["name"]
        elif m := _PHASE_TAG.match(name):
            phases.add(Phase(m["phase"]))
        elif (m := _META_TAG.match(name)) and (parsed := parse_tactic(m["label"])):
            phases.update(phases_for_tactic(parsed[0]))
    return actor, tuple(sorted(phases, key=lambda p: p.rank))


def _event_context(event: MISPEvent) -> tuple[str | None, tuple[Phase, ...]]:
    tags = [t.name for t in event.tags] + [c.tag_name for g in event.galaxies for c in g.clusters]
    return _tag_context(tags)


def _read_attribute(
    attr: MISPAttribute, actor: str | None, phases: tuple[Phase, ...], where: str
) -> Indicator | Oddity:
    kind = _READ_TYPE.get(attr.type)
    if attr.type == "text" and getattr(attr, "comment", "") == _PROCESS_COMMENT:
        kind = IndicatorType.PROCESS_NAME
    if kind is None:
        return Oddity(
            where, str(attr.value), f"MISP type {attr.type!r} is not an indicator type we use", True
        )
    if kind is IndicatorType.IPV4 and ":" in str(attr.value):
        kind = IndicatorType.IPV6
    try:
        value = normalize(kind, str(attr.value))
    except IntelFormatError as exc:
        return Oddity(where, str(attr.value), exc.reason, rejected=True)
    # MISP's last_seen says when the value was last observed, not when it stops being
    # valid, so it is not an expiry; MISP attributes carry none.
    seen = getattr(attr, "first_seen", None)
    own_actor, own_phases = _tag_context([t.name for t in attr.tags])
    return Indicator(
        type=kind,
        value=value,
        actor=own_actor or actor,
        comment=getattr(attr, "comment", "") or "",
        valid_from=seen.astimezone(UTC).replace(tzinfo=None)
        if isinstance(seen, datetime)
        else None,
        revoked=bool(getattr(attr, "deleted", False)),
        phases=own_phases or phases,
    )


def read_misp(data: Any, source: str) -> Feed:
    """Read MISP JSON (already decoded) into a :class:`Feed`.

    Attributes inside MISP objects are read too. Types we do not use (``text``,
    ``comment``, ``vulnerability``...) are reported as rejects, never dropped silently.
    """
    indicators: list[Indicator] = []
    oddities: list[Oddity] = []
    rows = 0
    for raw in _event_dicts(data, source):
        event = MISPEvent()
        try:
            event.load(dict(raw))
        except Exception as exc:  # PyMISP raises bare exceptions on malformed events
            raise IntelFormatError(source, f"PyMISP cannot load an event: {exc}") from exc
        actor, phases = _event_context(event)
        attributes = list(event.attributes) + [a for o in event.objects for a in o.attributes]
        for attr in attributes:
            rows += 1
            result = _read_attribute(
                attr, actor, phases, f"{source} attribute {attr.get('uuid', '?')}"
            )
            if isinstance(result, Oddity):
                oddities.append(result)
            else:
                indicators.append(result)
    return build_feed(
        source=source, format="misp", indicators=indicators, oddities=oddities, rows=rows
    )
