"""Tiny synthetic platform exports for the reconnaissance detectors' tests.

A :class:`World` collects accounts, friendships and events, writes them as JSONL and
ingests them, so the detectors see exactly what a platform export would give them.
Scenario functions add one behaviour each: ordinary browsing, a busy journalist's
audience, an office NAT, a search-engine crawler, scrapers and watchers.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from mercwatch.ingest import ingest_export
from mercwatch.store.engine import connect

T0 = datetime(2021, 9, 1, tzinfo=UTC)
DAY = 86_400
HUMAN_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/95.0 Safari/537.36"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
JOURNALISTS = {
    "j1": "Lena Kovac",
    "j2": "Omar Haddad",
    "j3": "Rosa Lindqvist",
    "j4": "Tomas Ferreira-Gil",
}


@dataclass
class World:
    """An export under construction."""

    rng: random.Random = field(default_factory=lambda: random.Random(7))
    accounts: list[dict[str, Any]] = field(default_factory=list)
    friendships: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)

    def account(self, account_id: str, name: str | None = None, tags: tuple[str, ...] = ()) -> str:
        row: dict[str, Any] = {"account_id": account_id, "created_at": "2019-01-01T00:00:00Z"}
        if name:
            row["display_name"] = name
        if tags:
            row["tags"] = list(tags)
        self.accounts.append(row)
        return account_id

    def friends(self, a: str, b: str) -> None:
        self.friendships.append({"a": a, "b": b})

    def event(self, kind: str, at: float, **fields: Any) -> None:
        row = {
            "event_id": f"e{len(self.events) + 1}",
            "type": kind,
            "ts": (T0 + timedelta(seconds=at)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        row.update({k: v for k, v in fields.items() if v is not None})
        self.events.append(row)

    def view(
        self,
        at: float,
        target: str,
        actor: str | None = None,
        ip: str | None = None,
        asn: int | None = None,
        ua: str = HUMAN_UA,
        device: str | None = None,
    ) -> None:
        self.event(
            "view_profile",
            at,
            actor_id=actor,
            target_id=target,
            ip=ip,
            asn=asn,
            user_agent=ua,
            device_id=device,
        )

    def load(self, folder: Path):  # -> ibis backend
        folder.mkdir(parents=True, exist_ok=True)
        for name, rows in (
            ("accounts", self.accounts),
            ("friendships", self.friendships),
            ("events", self.events),
        ):
            (folder / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
        con = connect()
        report = ingest_export(folder, con)
        assert report.rejected == 0, report
        return con


def users(n: int) -> list[str]:
    """Ordinary account ids u1..un (unpadded, so id order is not plain string order)."""
    return [f"u{i}" for i in range(1, n + 1)]


def home_ip(i: int) -> str:
    return f"10.{1 + i // 250}.{i % 250}.{7 + i % 3}"


def population(w: World, n: int = 240) -> list[str]:
    """Ordinary people plus four journalists, each with five friends; people browse in bursts."""
    people = [w.account(u, f"Person {u.upper()}") for u in users(n)]
    for j, name in JOURNALISTS.items():
        w.account(j, name, ("journalist",))
    for k, j in enumerate(JOURNALISTS):
        for u in people[k * 5 : (k + 1) * 5]:
            w.friends(j, u)
    everyone = [*people, *JOURNALISTS]
    for i, u in enumerate(everyone):
        ip = home_ip(i)
        for _ in range(w.rng.randint(1, 3)):  # sessions on different days
            at = w.rng.randrange(30) * DAY + w.rng.randrange(8 * 3600, 23 * 3600)
            w.event("login", at, actor_id=u, ip=ip, asn=64510, device_id=f"d-{u}")
            for _ in range(w.rng.randint(1, 4)):
                at += w.rng.expovariate(1 / 120) + 5
                pick = (
                    w.rng.choice(list(JOURNALISTS))
                    if w.rng.random() < 0.2
                    else w.rng.choice(everyone)
                )
                if pick != u:
                    w.view(at, pick, actor=u, ip=ip, asn=64510, device=f"d-{u}")
    return people


def audience(w: World, people: list[str], journalist: str = "j1", fans: int = 80) -> None:
    """The busy journalist's legitimate audience: many strangers looking once or twice."""
    for u in w.rng.sample(people, fans):
        for _ in range(w.rng.randint(1, 2)):
            w.view(
                w.rng.randrange(30 * DAY),
                journalist,
                actor=u,
                ip=home_ip(people.index(u)),
                asn=64510,
            )


def office_nat(w: World, people: list[str], ip: str = "198.51.100.7", size: int = 60) -> None:
    """An office egress: many colleagues log in through it and browse logged out too."""
    for u in people[-size:]:
        w.event(
            "login", w.rng.randrange(30 * DAY), actor_id=u, ip=ip, asn=64520, device_id=f"d-{u}"
        )
        at = w.rng.randrange(30) * DAY + w.rng.randrange(9 * 3600, 17 * 3600)
        for _ in range(w.rng.randint(3, 6)):
            at += w.rng.expovariate(1 / 60) + 3
            target = (
                w.rng.choice(list(JOURNALISTS)) if w.rng.random() < 0.2 else w.rng.choice(people)
            )
            w.view(at, target, ip=ip, asn=64520, device=f"d-{u}")


def crawler(w: World, ip: str = "66.249.66.1", asn: int = 15169, ua: str = GOOGLEBOT) -> None:
    """A search engine indexing every profile once, evenly, on a steady clock."""
    everyone = [a["account_id"] for a in w.accounts]
    order = everyone[:]
    w.rng.shuffle(order)
    at = 3 * DAY
    for target in order:
        at += 20 + w.rng.uniform(-2, 2)
        w.view(at, target, ip=ip, asn=asn, ua=ua)


def scraper_account(w: World, actor: str = "s1", count: int = 150) -> None:
    """A logged-in scraper walking the id list in order on a clock."""
    w.account(actor, "Alex Brown")
    w.event("login", 5 * DAY, actor_id=actor, ip="192.0.2.10", asn=64530, device_id="d-s1")
    at = 5 * DAY + 60
    for target in users(count):
        at += 10 + w.rng.uniform(-2, 2)
        w.view(at, target, actor=actor, ip="192.0.2.10", asn=64530, device="d-s1")


def circles(w: World, journalists: tuple[str, ...]) -> list[str]:
    """The journalists and their close contacts (friends)."""
    friends = {f["b"] for f in w.friendships if f["a"] in journalists}
    return [*journalists, *sorted(friends)]


def focused_scraper(
    w: World,
    ip: str = "203.0.113.5",
    asn: int = 64500,
    rounds: int = 6,
    ua: str = "python-requests/2.31",
) -> None:
    """Logged-out collection from a hosting address, round after round, of two circles."""
    targets = circles(w, ("j2", "j3"))
    at = 8 * DAY
    for _ in range(rounds):
        for target in targets:
            at += 6 + w.rng.uniform(-1, 1)
            w.view(at, target, ip=ip, asn=asn, ua=ua)
        at += 6 * 3600


def watchers(w: World, ids: tuple[str, ...] = ("o1", "o2", "o3")) -> None:
    """Fake personas looking at the same two journalists and their contacts, repeatedly, by hand."""
    targets = circles(w, ("j3", "j4"))
    for k, actor in enumerate(ids):
        w.account(actor, f"Maya Collins {k}")
        ip = f"192.0.2.{50 + k}"
        for day in range(4, 28, 4):
            at = day * DAY + w.rng.randrange(9 * 3600, 20 * 3600)
            w.event("login", at, actor_id=actor, ip=ip, asn=64540, device_id=f"d-{actor}")
            for target in w.rng.sample(targets, 6):
                at += w.rng.expovariate(1 / 90) + 10
                w.view(at, target, actor=actor, ip=ip, asn=64540, device=f"d-{actor}")


def fan(w: World, actor: str = "f1") -> None:
    """A benign fan revisiting every journalist's public profile (no contacts)."""
    w.account(actor, "Kim Park")
    for day in range(2, 28, 3):
        at = day * DAY + w.rng.randrange(9 * 3600, 20 * 3600)
        for j in JOURNALISTS:
            at += w.rng.expovariate(1 / 60) + 5
            w.view(at, j, actor=actor, ip="10.99.0.1", asn=64510)


def rotating_browser(
    w: World,
    device: str,
    targets: list[str],
    networks: int = 4,
    rounds: int = 3,
    ua: str = HUMAN_UA,
) -> None:
    """One automated browser watching ``targets`` signed out, slowly, over a rented pool
    of residential exits in ``networks`` providers: every view from a fresh address, so
    no address watches more than one person once (altsim low-and-slow)."""
    at, k = 3 * DAY, 0
    for _ in range(rounds):
        for target in targets:
            at += w.rng.randrange(2 * 3600, 9 * 3600)
            net = k % networks
            w.view(
                at,
                target,
                ip=f"100.{64 + net}.{k // 200}.{k % 200 + 1}",
                asn=64600 + net,
                ua=ua,
                device=device,
            )
            k += 1


def public_browser(
    w: World,
    people: list[str],
    device: str = "kiosk-1",
    readers: int = 60,
    journalist_share: float = 0.2,
    ip: str = "192.0.2.200",
    asn: int = 64550,
) -> None:
    """A library, café or kiosk browser: many readers, one after another, each reading a
    few profiles signed out, public figures more than others; nobody signs in on it."""
    for _ in range(readers):
        at = w.rng.randrange(30) * DAY + w.rng.randrange(9 * 3600, 20 * 3600)
        for _ in range(w.rng.randint(2, 5)):
            at += w.rng.expovariate(1 / 90) + 5
            target = (
                w.rng.choice(list(JOURNALISTS))
                if w.rng.random() < journalist_share
                else w.rng.choice(people)
            )
            w.view(at, target, ip=ip, asn=asn, device=device)
