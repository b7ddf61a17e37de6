"""Tiny synthetic platform exports for detector tests, written as SCHEMA.md JSONL.

Tests describe a scene (a persona ring, celebrity fans, an office NAT ...) through
:class:`Scene`, which writes the three contract tables into a temp folder and loads
them through the real ingest, so detectors see exactly what a run would give them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from mercwatch.detectors.base import DetectionContext
from mercwatch.ingest import ingest_export
from mercwatch.store.engine import connect

T0 = datetime(2021, 10, 1, 9, 0, tzinfo=UTC)


def at(days: float = 0.0, minutes: float = 0.0) -> str:
    """An RFC 3339 timestamp ``days`` and ``minutes`` after the scene's clock start."""
    return (T0 + timedelta(days=days, minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Scene:
    """A platform export under construction."""

    accounts: list[dict[str, Any]] = field(default_factory=list)
    friendships: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)

    def account(self, account_id: str, created_days: float = -800.0, **fields: Any) -> str:
        self.accounts.append({"account_id": account_id, "created_at": at(created_days), **fields})
        return account_id

    def friends(self, a: str, b: str) -> None:
        self.friendships.append({"a": a, "b": b, "since": at(-300)})

    def event(
        self,
        type_: str,
        actor: str | None,
        target: str | None = None,
        days: float = 1.0,
        minutes: float = 0.0,
        **fields: Any,
    ) -> None:
        row = {
            "event_id": f"e{len(self.events):06d}",
            "ts": at(days, minutes),
            "type": type_,
            **fields,
        }
        if actor is not None:
            row["actor_id"] = actor
        if target is not None:
            row["target_id"] = target
        self.events.append(row)

    def request(
        self, actor: str, target: str, days: float, accepted: bool = False, **fields: Any
    ) -> None:
        """A friend request, and the target's acceptance an hour later if ``accepted``."""
        self.event("friend_request", actor, target, days, **fields)
        if accepted:
            self.event("friend_accept", target, actor, days, minutes=60)

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("accounts", "friendships", "events"):
            rows = getattr(self, name)
            (folder / f"{name}.jsonl").write_text(
                "".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8"
            )
        return folder

    def context(self, folder: Path, known_bad: frozenset[str] = frozenset()) -> DetectionContext:
        """Write the scene, ingest it into a fresh in-memory engine, return a context."""
        con = connect()
        report = ingest_export(self.write(folder), con)
        assert report.rejected == 0, report.reject_reasons
        return DetectionContext(con=con, known_bad=known_bad)


def background(
    scene: Scene, users: int = 30, at_risk: int = 3, contacts_each: int = 3
) -> tuple[list[str], list[str], list[str]]:
    """Ordinary users who befriend each other, at-risk users and their close contacts.

    Returns (ordinary users, at-risk users, contacts). Ordinary users also send
    ordinary friend requests to each other (mostly accepted) so base rates exist.
    """
    users_ = [
        scene.account(f"u{i:02d}", created_days=-900 + 20 * i, display_name=f"User {i}")
        for i in range(users)
    ]
    risky = [
        scene.account(
            f"r{i}", created_days=-1500, display_name=f"Reporter {i}", tags=["journalist"]
        )
        for i in range(at_risk)
    ]
    contacts = []
    for i, r in enumerate(risky):
        for j in range(contacts_each):
            c = scene.account(f"c{i}{j}", created_days=-1200, display_name=f"Contact {i}{j}")
            scene.friends(r, c)
            contacts.append(c)
    for i in range(users):
        scene.friends(users_[i], users_[(i + 1) % users])
        scene.request(users_[i], users_[(i + 5) % users], days=1 + i * 0.3, accepted=i % 4 != 0)
        scene.event("login", users_[i], days=0.5 + i * 0.1, ip=f"10.0.{i}.1")
    return users_, risky, contacts
