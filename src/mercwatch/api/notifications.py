"""``/api/notifications`` (analyst+) and ``/api/outbox`` (reviewer+).

A notification names the person to warn, so viewers never get one. The list is the
run's ``notifications.jsonl`` (contract v2, one per person; a v1 file's records of one
person are folded into one by the outbox's own fold), re-read when the file changes;
it is as long as the number of people targeted, not the platform's accounts.

The outbox is the state store's ``notification_outbox``: status counts from
:meth:`mercwatch.notify.outbox.Outbox.status` (what ``mercwatch outbox status`` prints)
and one row per warning, paged in SQL. Contact addresses are never returned.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import AfterValidator, BaseModel
from sqlalchemy import func, select

from mercwatch.api.responses import ERRORS, unavailable
from mercwatch.api.review import StoreSource
from mercwatch.auth.authenticator import Authenticator, Principal, Role
from mercwatch.errors import StateError
from mercwatch.model import Notification, Phase
from mercwatch.notify.outbox import STATUSES, Outbox, _fold
from mercwatch.queries.parsed_file import ParsedFile
from mercwatch.store.state import notification_outbox

Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=2**31 - 1)]
OutboxState = Literal["pending", "sending", "sent", "failed"]
#: The store keeps naive UTC; the API says so (RFC 3339 needs an offset).
UtcTime = Annotated[datetime, AfterValidator(lambda t: t if t.tzinfo else t.replace(tzinfo=UTC))]


class NotificationOut(BaseModel):
    account_id: str
    operation_id: str
    operation_ids: list[str]
    level: Phase
    locale: str
    locale_fallback: list[str]
    reasons: list[str]


class NotificationPage(BaseModel):
    total: int
    items: list[NotificationOut]


class OutboxCounts(BaseModel):
    pending: int
    sending: int
    sent: int
    failed: int
    people: int
    people_warned: int
    follow_ups: int
    next_attempt_at: UtcTime | None
    by_level: dict[str, int]


class OutboxMessage(BaseModel):
    id: int
    account_id: str
    ordinal: int
    operation_id: str
    level: str
    locale: str
    status: str
    attempts: int
    channel: str | None
    last_error: str | None
    next_attempt_at: UtcTime
    created_at: UtcTime
    sent_at: UtcTime | None


class OutboxOut(BaseModel):
    counts: OutboxCounts
    total: int
    items: list[OutboxMessage]


class NotificationsFile(ParsedFile[tuple[Notification, ...]]):
    """``notifications.jsonl`` folded to one per person (by account id), re-read on change."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, ())

    def _read(self) -> tuple[Notification, ...]:
        notes = []
        with self.path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    notes.append(Notification.from_dict(json.loads(line)))
                except (ValueError, KeyError, TypeError) as exc:
                    raise StateError(f"{self.path}:{number}: not a notification: {exc!r}") from exc
        folded = _fold(notes)
        return tuple(folded[k] for k in sorted(folded))


def notifications_router(
    run_dir: Path | None, state_url: str | None, auth: Authenticator
) -> APIRouter:
    """``GET /notifications`` (analyst) and ``GET /outbox`` (reviewer)."""
    router = APIRouter(tags=["notifications"], responses=ERRORS)
    analyst = Depends(auth.require(Role.ANALYST))
    reviewer = Depends(auth.require(Role.REVIEWER))
    source = NotificationsFile(run_dir / "notifications.jsonl") if run_dir else None
    db = StoreSource(state_url)

    @router.get("/notifications", response_model=NotificationPage)
    def notifications(
        operation_id: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
        level: Phase | None = None,
        offset: Offset = 0,
        limit: Limit = 100,
        _: Principal = analyst,
    ) -> NotificationPage:
        """The run's warnings, one per person (contract v2), by account id."""
        if source is None:
            raise unavailable("no run folder configured (MERCWATCH_RUN_DIR)")
        try:
            notes = source.all()
        except FileNotFoundError as exc:
            raise unavailable("no notifications yet: the run folder has none") from exc
        kept = [
            n
            for n in notes
            if (operation_id is None or operation_id in n.all_operation_ids())
            and (level is None or n.level is level)
        ]
        items = [NotificationOut(**n.to_dict()) for n in kept[offset : offset + limit]]
        return NotificationPage(total=len(kept), items=items)

    @router.get("/outbox", response_model=OutboxOut)
    def outbox(
        status: OutboxState | None = None,
        offset: Offset = 0,
        limit: Limit = 100,
        _: Principal = reviewer,
    ) -> OutboxOut:
        """Counts per status (as `mercwatch outbox status`) and each warning's state, paged."""
        store = db.state()
        now = Outbox(store).status()
        table = notification_outbox
        where = [table.c.status == status] if status else []
        with store.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(table).where(*where)).scalar()
            rows = conn.execute(
                select(table).where(*where).order_by(table.c.id).offset(offset).limit(limit)
            ).all()
        counts = OutboxCounts(
            **{s: getattr(now, s) for s in STATUSES},
            people=now.people,
            people_warned=now.people_warned,
            follow_ups=now.follow_ups,
            next_attempt_at=now.next_attempt_at,
            by_level=dict(now.by_level),
        )
        items = [OutboxMessage.model_validate(r, from_attributes=True) for r in rows]
        return OutboxOut(counts=counts, total=int(total or 0), items=items)

    return router
