"""The platform under construction: accounts, friendships, events and what is true.

Every module adds to one :class:`Platform`; only :mod:`mercwatch.altsim.writer` turns
it into files. Times are seconds from the window start so modules never juggle
timezones; the writer formats them as RFC 3339 UTC.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from mercwatch.altsim.config import AltSimConfig, Knobs

DAY = 86_400.0


@dataclass(slots=True)
class Account:
    """One account row (contract table ``accounts``) plus generator-only facts."""

    account_id: str
    created_at: float  # seconds from window start; negative = before the window
    display_name: str
    country: str
    bio: str = ""
    employer: str = ""
    photo_hash: str = ""
    email_domain: str = ""
    phone_cc: str = ""
    tags: tuple[str, ...] = ()
    # Not exported: how this account reaches the platform.
    home_ip: str = ""
    home_asn: int = 0
    devices: tuple[str, ...] = ()
    activity: float = 1.0


@dataclass(slots=True)
class Operation:
    """Ground truth for one surveillance-for-hire operation."""

    operation_id: str
    actor: str
    accounts: list[str] = field(default_factory=list)
    targets: set[str] = field(default_factory=set)
    domains: list[str] = field(default_factory=list)
    phases: set[str] = field(default_factory=set)

    def to_truth(self) -> dict[str, Any]:
        order = ("reconnaissance", "engagement", "exploitation")
        return {
            "operation_id": self.operation_id,
            "actor": self.actor,
            "accounts": sorted(self.accounts),
            "targets": sorted(self.targets),
            "domains": sorted(self.domains),
            "phases": [p for p in order if p in self.phases],
        }


@dataclass(slots=True)
class BenignGroup:
    """A named class of authentic coordination, recorded so tests and benches can ask
    "was this crowd mistaken for an operation?" (not part of the truth contract)."""

    benign_class: str
    accounts: set[str] = field(default_factory=set)
    contacted: set[str] = field(default_factory=set)
    detail: str = ""

    def to_truth(self) -> dict[str, Any]:
        return {
            "class": self.benign_class,
            "accounts": sorted(self.accounts),
            "contacted": sorted(self.contacted),
            "detail": self.detail,
        }


@dataclass(slots=True)
class Platform:
    config: AltSimConfig
    knobs: Knobs
    accounts: dict[str, Account] = field(default_factory=dict)
    friendships: dict[tuple[str, str], float] = field(default_factory=dict)
    events: list[tuple[float, int, dict[str, Any]]] = field(default_factory=list)
    operations: list[Operation] = field(default_factory=list)
    benign_groups: list[BenignGroup] = field(default_factory=list)
    _ids: set[str] = field(default_factory=set)

    @property
    def horizon(self) -> float:
        return self.config.days * DAY

    def new_id(self, rng: random.Random, prefix: str = "") -> str:
        """A fresh opaque account id. Operation personas and benign users draw from the
        same id space, so an id says nothing about who runs the account."""
        while True:
            candidate = f"{prefix}{rng.getrandbits(48):012x}"
            if candidate not in self._ids:
                self._ids.add(candidate)
                return candidate

    def add_account(self, account: Account) -> Account:
        self.accounts[account.account_id] = account
        return account

    def befriend(self, a: str, b: str, since: float) -> None:
        if a != b:
            key = (a, b) if a < b else (b, a)
            self.friendships.setdefault(key, since)

    def emit(self, ts: float, type_: str, actor: str = "", target: str = "", **fields: Any) -> bool:
        """Record one event; False (and nothing recorded) when it falls after the
        window: it happens after the export was taken. Times before it start it."""
        if ts >= self.horizon:
            return False
        ts = max(ts, 0.0)
        row: dict[str, Any] = {"type": type_}
        if actor:
            row["actor_id"] = actor
        if target:
            row["target_id"] = target
        row.update({k: v for k, v in fields.items() if v not in (None, "")})
        self.events.append((ts, len(self.events), row))
        return True

    def login(self, rng: random.Random, account: Account, ts: float, **net: Any) -> dict[str, Any]:
        """Emit a login and return the network fields later events in the session reuse."""
        session = {
            "ip": net.get("ip", account.home_ip),
            "asn": net.get("asn", account.home_asn),
            "device_id": net.get("device_id", rng.choice(account.devices)),
            "user_agent": net.get("user_agent", ""),
        }
        self.emit(ts, "login", account.account_id, **session)
        return session
