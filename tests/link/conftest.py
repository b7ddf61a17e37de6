"""Small platforms for link tests: accounts, events and signals built row by row."""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import ibis
import pyarrow as pa
import pytest
from _helpers.link_world import T0

from mercwatch.detectors.runner import SIGNALS_SCHEMA as SIGNAL_SCHEMA
from mercwatch.ingest.contract import arrow_schema

ACCOUNT_SCHEMA = arrow_schema("accounts")
EVENT_SCHEMA = arrow_schema("events")
FRIEND_SCHEMA = arrow_schema("friendships")


def distinct_photo(name: str) -> int:
    """A photo hash far (in Hamming distance) from any other name's."""
    return int(hashlib.sha256(name.encode()).hexdigest()[:16], 16)


@dataclass
class Platform:
    """A platform export under construction; ``connect()`` loads it into DuckDB."""

    accounts: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    signals: list[dict] = field(default_factory=list)
    friendships: list[dict] = field(default_factory=list)
    _clock: itertools.count = field(default_factory=itertools.count)

    def account(self, account_id: str, created_at: datetime | None = None, **fields) -> str:
        row = dict.fromkeys(ACCOUNT_SCHEMA.names)
        row.update(account_id=account_id, created_at=created_at or T0 - timedelta(days=30))
        row.update(fields)
        self.accounts.append(row)
        return account_id

    def event(self, type_: str, actor: str | None, target: str | None = None, **fields) -> None:
        tick = next(self._clock)
        row = dict.fromkeys(EVENT_SCHEMA.names)
        row.update(
            event_id=f"e{tick:05d}",
            ts=T0 + timedelta(minutes=tick),
            type=type_,
            actor_id=actor,
            target_id=target,
        )
        row.update(fields)
        self.events.append(row)

    def signal(
        self,
        subject: str,
        score: float,
        detector: str = "fake_persona",
        phase: str = "engagement",
        subject_type: str = "account",
        detail: str = "test signal",
    ) -> None:
        self.signals.append(
            dict(
                detector=detector,
                phase=phase,
                subject_type=subject_type,
                subject=subject,
                score=score,
                detail=detail,
            )
        )

    def friends(self, a: str, b: str, since: datetime | None = None) -> None:
        """A friendship, by default from a year before the platform's first event."""
        row = dict.fromkeys(FRIEND_SCHEMA.names)
        row.update(a=a, b=b, since=since or T0 - timedelta(days=365))
        self.friendships.append(row)

    def signal_table(self) -> pa.Table:
        return pa.Table.from_pylist(self.signals, schema=SIGNAL_SCHEMA)

    def connect(self) -> ibis.BaseBackend:
        con = ibis.duckdb.connect()
        con.create_table("accounts", pa.Table.from_pylist(self.accounts, schema=ACCOUNT_SCHEMA))
        con.create_table("events", pa.Table.from_pylist(self.events, schema=EVENT_SCHEMA))
        con.create_table(
            "friendships", pa.Table.from_pylist(self.friendships, schema=FRIEND_SCHEMA)
        )
        return con

    def persona_ring(
        self,
        prefix: str,
        size: int,
        device: str | None,
        photo: int | None,
        *,
        strong: float = 0.9,
        weak: float = 0.55,
        targets: tuple[str, ...] = (),
        ip: str | None = None,
    ) -> list[str]:
        """A crew of fake personas on one device with near-identical photos.

        The first persona has a strong signal, the others weak ones; each persona
        views every target, from ``ip`` if given. ``device=None`` gives each persona
        its own device, ``photo=None`` unrelated photos.
        """
        members = []
        for i in range(size):
            name = f"{prefix}{i}"
            own_photo = photo ^ (1 << i) if photo is not None else distinct_photo(name)
            account = self.account(name, photo_hash=f"{own_photo:016x}")
            self.signal(account, strong if i == 0 else weak)
            device_id = device if device is not None else f"dev-{name}"
            self.event("login", account, device_id=device_id, ip=ip)
            for target in targets:
                self.event("view_profile", account, target, device_id=device_id, ip=ip)
            members.append(account)
        return members

    def benign(self, prefix: str, size: int, **fields) -> list[str]:
        return [self.account(f"{prefix}{i:03d}", **fields) for i in range(size)]


@pytest.fixture
def platform() -> Platform:
    return Platform()
