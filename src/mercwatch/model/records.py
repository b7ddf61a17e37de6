"""Records that flow between pipeline stages, mirroring the SCHEMA.md output contract.

Each record has ``to_dict``/``from_dict`` that produce exactly the JSON shape that
SCHEMA.md fixes, so every writer and reader goes through one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

#: The at-risk populations of SCHEMA.md ``accounts.tags``: the people this system protects.
#: One list for the detectors that look for them and the simulator that makes them.
AT_RISK_TAGS = (
    "journalist",
    "activist",
    "human_rights_defender",
    "politician",
    "lawyer",
    "dissident",
    "executive",
    "researcher",
)


class Phase(str, Enum):
    """Kill-chain phase of surveillance-for-hire, in the order an operation moves."""

    RECONNAISSANCE = "reconnaissance"
    ENGAGEMENT = "engagement"
    EXPLOITATION = "exploitation"

    @property
    def rank(self) -> int:
        """0, 1, 2 in kill-chain order, for "furthest phase reached"."""
        return _PHASE_ORDER.index(self)

    @classmethod
    def furthest(cls, phases: list[Phase] | set[Phase] | tuple[Phase, ...]) -> Phase:
        """The phase furthest along the kill chain among ``phases``."""
        return max(phases, key=lambda p: p.rank)


_PHASE_ORDER = [Phase.RECONNAISSANCE, Phase.ENGAGEMENT, Phase.EXPLOITATION]


class SubjectType(str, Enum):
    """What a signal is about."""

    ACCOUNT = "account"
    IP = "ip"
    DEVICE = "device"
    DOMAIN = "domain"
    URL = "url"
    NETWORK = "network"


class ActionKind(str, Enum):
    """Enforcement actions of SCHEMA.md."""

    DISABLE_ACCOUNT = "disable_account"
    CHECKPOINT_ACCOUNT = "checkpoint_account"
    BLOCK_DOMAIN = "block_domain"
    BLOCK_URL = "block_url"


class ActionStatus(str, Enum):
    """Where an action stands. ``applied`` and ``pending_review`` are in SCHEMA.md;
    the others are mercwatch's extensions for the review workflow."""

    APPLIED = "applied"
    PENDING_REVIEW = "pending_review"
    REJECTED = "rejected"
    REVERSED = "reversed"
    DRY_RUN = "dry_run"
    # A run's decision that a later run no longer supports (enforce/withdrawal.py):
    # still in effect on the platform until a reviewer reverses it ...
    EVIDENCE_WITHDRAWN = "evidence_withdrawn"
    # ... or, when it was only waiting for review, taken out of the queue.
    SUPERSEDED = "superseded"


class IndicatorType(str, Enum):
    """Kinds of indicator mercwatch exchanges with other defenders."""

    DOMAIN = "domain"
    URL = "url"
    IPV4 = "ipv4"
    IPV6 = "ipv6"
    EMAIL = "email"
    MD5 = "md5"
    SHA1 = "sha1"
    SHA256 = "sha256"
    FILE_NAME = "file_name"
    PROCESS_NAME = "process_name"


@dataclass(frozen=True, slots=True)
class Signal:
    """One detector finding about one subject.

    Attributes:
        detector: the detector's stable id.
        phase: the kill-chain phase the detector watches.
        subject_type: what ``subject`` is (account, ip, domain ...).
        subject: the account id, address, domain or URL.
        score: 0..1, how sure the detector is.
        detail: evidence a person can read.
    """

    detector: str
    phase: Phase
    subject_type: SubjectType
    subject: str
    score: float
    detail: str


@dataclass(frozen=True, slots=True)
class Evidence:
    """One piece of an operation's evidence (SCHEMA.md ``evidence`` item)."""

    detector: str
    phase: Phase
    subject: str
    score: float
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "detector": self.detector,
            "phase": self.phase.value,
            "subject": self.subject,
            "score": round(float(self.score), 4),
            "detail": self.detail,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evidence:
        return cls(
            detector=data["detector"],
            phase=Phase(data["phase"]),
            subject=data["subject"],
            score=float(data["score"]),
            detail=data["detail"],
        )


@dataclass(frozen=True, slots=True)
class Infrastructure:
    """What an operation used, besides its accounts."""

    domains: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    ips: tuple[str, ...] = ()
    devices: tuple[str, ...] = ()
    photo_hashes: tuple[str, ...] = ()
    email_domains: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, list[str]]:
        return {
            "domains": list(self.domains),
            "urls": list(self.urls),
            "ips": list(self.ips),
            "devices": list(self.devices),
            "photo_hashes": list(self.photo_hashes),
            "email_domains": list(self.email_domains),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Infrastructure:
        return cls(**{k: tuple(data.get(k, ())) for k in cls.__slots__})


@dataclass(frozen=True, slots=True)
class Attribution:
    """Why an operation is believed to be a known actor's."""

    actor: str
    source: str
    matched: tuple[str, ...]
    # Extension: how sure the attribution is (0..1, see mercwatch.link.attribution);
    # None when not computed (older records).
    confidence: float | None = None

    def to_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "actor": self.actor,
            "source": self.source,
            "matched": list(self.matched),
        }
        if self.confidence is not None:
            found["confidence"] = round(float(self.confidence), 4)
        return found

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Attribution:
        confidence = data.get("confidence")
        return cls(
            actor=data["actor"],
            source=data["source"],
            matched=tuple(data["matched"]),
            confidence=None if confidence is None else float(confidence),
        )


def _iso(ts: datetime | None) -> str | None:
    if ts is None:
        return None
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None)


@dataclass(frozen=True, slots=True)
class Operation:
    """A cluster of accounts and infrastructure run together against targets."""

    operation_id: str
    confidence: float
    phases: tuple[Phase, ...]
    accounts: tuple[str, ...]
    targets: tuple[str, ...]
    infrastructure: Infrastructure
    first_seen: datetime | None
    last_seen: datetime | None
    attribution: Attribution | None = None
    evidence: tuple[Evidence, ...] = ()
    # Extension (SCHEMA.md allows new optional fields): the furthest phase per target.
    target_levels: tuple[tuple[str, Phase], ...] = field(default=())
    # Extension: how many targets per declared country (ISO alpha-2), sorted by country.
    # Aggregated counts only, so the threat report can show where without showing who.
    target_countries: tuple[tuple[str, int], ...] = field(default=())
    # Extension: the operation's crews (sub-groups of ``accounts``) when it has several,
    # e.g. two teams sharing the operation's own domains. Empty: one crew.
    groups: tuple[tuple[str, ...], ...] = field(default=())
    # Extension: how many targets carry each at-risk ``tags`` value (journalist, ...),
    # sorted by tag. Aggregated like ``target_countries``, for the public report.
    target_sectors: tuple[tuple[str, int], ...] = field(default=())
    # Extension: the link stage's uncalibrated score, from which ``confidence`` (a
    # probability, see mercwatch.link.calibration) was mapped. None: not recorded.
    raw_confidence: float | None = None
    # Extension: members held to the operation by context ties only (personas with no
    # own corroboration, mercwatch.link.membership): enforcement never disables them
    # without review. Sorted; empty: every member's membership is corroborated.
    uncorroborated_accounts: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "operation_id": self.operation_id,
            "confidence": round(float(self.confidence), 4),
            "phases": [p.value for p in self.phases],
            "accounts": list(self.accounts),
            "targets": list(self.targets),
            "infrastructure": self.infrastructure.to_dict(),
            "first_seen": _iso(self.first_seen),
            "last_seen": _iso(self.last_seen),
            "attribution": self.attribution.to_dict() if self.attribution else None,
            "evidence": [e.to_dict() for e in self.evidence],
            # Written only when known, so outputs without it stay byte-identical.
            **({"target_countries": dict(self.target_countries)} if self.target_countries else {}),
            **({"groups": [list(g) for g in self.groups]} if self.groups else {}),
            **({"target_sectors": dict(self.target_sectors)} if self.target_sectors else {}),
            **(
                {"raw_confidence": round(float(self.raw_confidence), 4)}
                if self.raw_confidence is not None
                else {}
            ),
            **(
                {"uncorroborated_accounts": list(self.uncorroborated_accounts)}
                if self.uncorroborated_accounts
                else {}
            ),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Operation:
        attribution = data.get("attribution")
        return cls(
            operation_id=data["operation_id"],
            confidence=float(data["confidence"]),
            phases=tuple(Phase(p) for p in data["phases"]),
            accounts=tuple(data["accounts"]),
            targets=tuple(data["targets"]),
            infrastructure=Infrastructure.from_dict(data.get("infrastructure", {})),
            first_seen=_parse_iso(data.get("first_seen")),
            last_seen=_parse_iso(data.get("last_seen")),
            attribution=Attribution.from_dict(attribution) if attribution else None,
            evidence=tuple(Evidence.from_dict(e) for e in data.get("evidence", ())),
            target_countries=tuple(
                sorted((str(k), int(v)) for k, v in (data.get("target_countries") or {}).items())
            ),
            groups=tuple(tuple(g) for g in data.get("groups") or ()),
            target_sectors=tuple(
                sorted((str(k), int(v)) for k, v in (data.get("target_sectors") or {}).items())
            ),
            raw_confidence=(
                float(data["raw_confidence"]) if data.get("raw_confidence") is not None else None
            ),
            uncorroborated_accounts=tuple(data.get("uncorroborated_accounts") or ()),
        )


@dataclass(frozen=True, slots=True)
class Action:
    """One enforcement decision (SCHEMA.md ``Action``)."""

    action: ActionKind
    subject: str
    operation_id: str
    status: ActionStatus
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action.value,
            "subject": self.subject,
            "operation_id": self.operation_id,
            "status": self.status.value,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Action:
        return cls(
            action=ActionKind(data["action"]),
            subject=data["subject"],
            operation_id=data["operation_id"],
            status=ActionStatus(data["status"]),
            reason=data["reason"],
        )


@dataclass(frozen=True, slots=True)
class Notification:
    """A warning to one targeted person (SCHEMA.md, Notification contract v2).

    One per person: every operation that targeted ``account_id`` is folded in
    (``operation_ids``), ``operation_id`` is the one that reached furthest against
    them and ``level`` that furthest phase. ``locale`` is the BCP 47 tag the warning is
    written in and ``locale_fallback`` the chain tried to get there (first = asked
    for, last = what was used), so a fallback is never silent.
    """

    account_id: str
    operation_id: str
    level: Phase
    reasons: tuple[str, ...]
    operation_ids: tuple[str, ...] = ()
    locale: str = "en"
    locale_fallback: tuple[str, ...] = ()

    def all_operation_ids(self) -> tuple[str, ...]:
        """``operation_ids``, or the single ``operation_id`` of a contract-v1 record."""
        return self.operation_ids or (self.operation_id,)

    def to_dict(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "operation_id": self.operation_id,
            "operation_ids": list(self.all_operation_ids()),
            "level": self.level.value,
            "locale": self.locale,
            "locale_fallback": list(self.locale_fallback or (self.locale,)),
            "reasons": list(self.reasons),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Notification:
        """Reads v2 records and v1 ones (no ``operation_ids`` / ``locale``)."""
        return cls(
            account_id=data["account_id"],
            operation_id=data["operation_id"],
            level=Phase(data["level"]),
            reasons=tuple(data["reasons"]),
            operation_ids=tuple(data.get("operation_ids") or (data["operation_id"],)),
            locale=str(data.get("locale") or "en"),
            locale_fallback=tuple(data.get("locale_fallback") or ()),
        )


@dataclass(frozen=True, slots=True)
class Indicator:
    """An indicator of compromise, as exchanged with other defenders.

    Never holds target data: only infrastructure the operation controlled.
    """

    type: IndicatorType
    value: str
    source: str = ""
    actor: str | None = None
    comment: str = ""
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    revoked: bool = False
    phases: tuple[Phase, ...] = ()
