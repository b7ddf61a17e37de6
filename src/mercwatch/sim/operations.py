"""Surveillance-for-hire operations with ground truth, scripted per style.

Each operation recruits fake (and sometimes hijacked) accounts, picks targets, and runs
the phases its style calls for: reconnaissance (profile views, name searches,
logged-out scraping), engagement (friend requests, scripted near-duplicate messages,
to targets and for some styles to their family), exploitation (links on generated
look-alike domains). ``truth.json`` records only what the events really show.
"""

from __future__ import annotations

from typing import Unpack

import numpy as np
import pyarrow as pa

from mercwatch.model.records import Phase
from mercwatch.sim.columns import EventExtra, EventLog, mix64
from mercwatch.sim.config import DAY_S, WINDOW_START_S, TruthOperation
from mercwatch.sim.domains import PATHS, DomainForge
from mercwatch.sim.lures import LureReuse, draw_plan
from mercwatch.sim.opstyles import ENGAGE_TYPES, RECON_TYPES, STYLES, Style
from mercwatch.sim.personas import Infra, PersonaFactory, hex_text, ip_text

TOKEN = "abcdefghijklmnopqrstuvwxyz0123456789"


class ScriptedOperation:
    """One operation being scripted: its accounts, infrastructure, targets and events."""

    def __init__(
        self,
        op_id: str,
        style: Style,
        factory: PersonaFactory,
        forge: DomainForge,
        days: int,
        log: EventLog,
        lure_rng: np.random.Generator,
    ) -> None:
        self.op_id, self.style, self.f, self.forge, self.log = op_id, style, factory, forge, log
        self.lure_rng = lure_rng
        self.rng = factory.rng
        self.vocab, self.pop = factory.vocab, factory.pop
        self.end = WINDOW_START_S + days * DAY_S
        self.days = days
        self.country = int(self.rng.integers(len(self.vocab.countries)))
        self.tz = self.vocab.countries[self.country].utc_offset
        self.first_row = len(log)
        self.scrape_rows: list[int] = []
        self.domains: list[str] = []
        self.domain_style: dict[str, str] = {}

    # -- setup ---------------------------------------------------------------------

    def recruit(self, hosting: list[int]) -> None:
        """Accounts, infrastructure, targets and (for some styles) their close contacts."""
        rng, style = self.rng, self.style
        n = int(rng.integers(style.accounts[0], style.accounts[1] + 1))
        n_hijack = int(rng.binomial(n, style.hijack))
        self.fakes, self.hijacks = self.f.recruit(n - n_hijack, n_hijack)
        self.accounts = self.fakes + self.hijacks
        self.infra: Infra = self.f.infrastructure(hosting, self.country)
        topics = self.vocab.list("op_topics")
        self.topic = topics[int(rng.integers(len(topics)))]
        stock = int(rng.integers(1, 1 << 62))
        loyalty = float(rng.uniform(0.5, 0.95))
        for acc in self.accounts:
            self.f.equip(self.infra, acc, acc in self.hijacks, loyalty)
        for acc in self.fakes:
            kind = style.personas[int(rng.integers(len(style.personas)))]
            self.f.dress(acc, kind, self.infra, self.country, stock, self.topic)
        self.primary = self.f.targets(int(rng.integers(style.targets[0], style.targets[1] + 1)))
        self.contacts: list[int] = []
        if style.family:
            for t in self.primary:
                self.contacts += self.f.contacts(t, int(rng.integers(1, 4)))
        # Each target is worked by one account (sometimes two), like a case officer.
        self.handler = {
            t: self.accounts[int(rng.integers(len(self.accounts)))]
            for t in self.primary + self.contacts
        }

    # -- time ----------------------------------------------------------------------

    def _office_time(self, day: float) -> int:
        """A working-hours moment (operator's time zone) on a window day."""
        d = int(min(max(day, 0), self.days - 1))
        local = int(self.rng.integers(9 * 3600, 18 * 3600))
        ts = WINDOW_START_S + d * DAY_S + (local - self.tz * 3600) % DAY_S
        return min(ts, self.end - 1)

    def _emit(
        self, ts: int, kind: str, actor: int, target: int | None, **extra: Unpack[EventExtra]
    ) -> None:
        if ts < self.end and ts >= int(self.pop.created[actor]):
            self.log.add(ts, kind, actor, target, **self.infra.context(self.rng, actor), **extra)

    def _as_target(
        self, ts: int, kind: str, person: int, other: int, text: str | None = None
    ) -> None:
        """A reaction of the person approached (accepting, replying), from their own line."""
        net = self.pop.net
        if ts < self.end:
            self.log.add(
                ts,
                kind,
                person,
                other,
                ip=ip_text(net.home_ip[person]),
                asn=int(net.home_asn[person]),
                device_id=hex_text(self._device(person)),
                text=text,
            )

    def _device(self, person: int) -> int:
        return int(mix64(self.pop.device_codes(np.array([person]), np.array([1])))[0])

    # -- phases --------------------------------------------------------------------

    def run(self) -> None:
        """Script the phases the style calls for, in kill-chain order."""
        rng, style = self.rng, self.style
        self.start = float(rng.uniform(0, max(1.0, self.days * 0.3)))
        plan = [
            rng.random() < style.recon,
            rng.random() < style.engage,
            rng.random() < style.exploit,
        ]
        if not any(plan):
            plan[0] = True
        for acc in self.accounts:  # cover activity: logging in most working days
            for day in range(int(self.start), self.days, int(rng.integers(1, 4))):
                self._emit(self._office_time(day), "login", acc, None)
        if plan[0]:
            self.reconnaissance()
        if plan[1]:
            self.engagement()
        if plan[2]:
            self.exploitation()

    def reconnaissance(self) -> None:
        """Profile views and name searches by accounts; logged-out scraping for some."""
        rng, kit = self.rng, self.vocab
        day = self.start
        people = self.primary + self.contacts
        if self.style.regular:
            people = sorted(people, key=self.pop.account_id)  # the tool walks its list in order
        interval = int(rng.integers(30, 600))
        ts = self._office_time(day)
        for person in people:
            acc = self.handler[person]
            for _ in range(int(rng.integers(1, 4 if person in self.primary else 2))):
                if self.style.regular:
                    ts += interval + int(rng.integers(-3, 4))
                else:
                    ts = self._office_time(day + rng.uniform(0, self.days * 0.25))
                self._emit(ts, "view_profile", acc, person)
            if person in self.primary and rng.random() < 0.5:
                first = kit.list("first_names")[int(self.pop.first[person])]
                last = kit.list("last_names")[int(self.pop.last[person])]
                self._emit(self._office_time(day), "search", acc, None, text=f"{first} {last}")
        if self.style.scraping:
            self._scrape(sorted(self.primary, key=self.pop.account_id))

    def _scrape(self, targets: list[int]) -> None:
        """Logged-out collection: a few addresses, one agent, even spacing, list order."""
        rng = self.rng
        ips = self.infra.ips[: max(1, int(rng.integers(1, len(self.infra.ips) + 1)))]
        gap = int(rng.integers(5, 90))
        for r in range(int(rng.integers(2, 7))):
            ts = self._office_time(self.start + r * max(1.0, self.days / 10))
            for person in targets:
                ts += gap + int(rng.integers(0, 3))
                ip, asn = ips[int(rng.integers(len(ips)))]
                if ts < self.end:
                    self.scrape_rows.append(len(self.log))
                    self.log.add(
                        ts,
                        "view_profile",
                        None,
                        person,
                        ip=ip,
                        asn=asn,
                        user_agent=self.infra.scraper_ua,
                    )

    def _fill(self, template: str, acc: int, person: int) -> str:
        kit = self.vocab
        country = kit.countries[int(self.pop.country[person])]
        employer = self.pop.overrides.get("employer", {}).get(acc, "a researcher")
        return template.format(
            first=kit.list("first_names")[int(self.pop.first[person])],
            role=f"{kit.list('first_names')[int(self.pop.first[acc])]}, {employer}",
            topic=self.topic,
            city=country.cities[int(self.rng.integers(len(country.cities)))],
        )

    def engagement(self) -> None:
        """Friend requests and scripted near-duplicate messages; some people answer."""
        rng = self.rng
        people = self.primary + self.contacts
        approached = [p for p in people if rng.random() < 0.85] or people[:1]
        self.engaged: list[int] = []
        for person in approached:
            acc = self.handler[person]
            ts = self._office_time(self.start + self.days * rng.uniform(0.2, 0.5))
            self._emit(ts, "friend_request", acc, person)
            if rng.random() < 0.45:
                later = ts + int(rng.exponential(8 * 3600)) + 60
                self._as_target(later, "friend_accept", person, acc)
            if rng.random() < 0.8:
                self._converse(acc, person, ts + int(rng.integers(600, 3 * DAY_S)))
                self.engaged.append(person)

    def _converse(self, acc: int, person: int, ts: int) -> None:
        """The scripted opener; if the person replies, a scripted follow-up."""
        rng = self.rng
        scripts = self.vocab.list(self.style.scripts[0])
        opener = scripts[int(rng.integers(len(scripts)))]
        self._emit(ts, "message", acc, person, text=self._fill(opener, acc, person))
        if rng.random() < 0.35:
            ts += int(rng.exponential(DAY_S)) + 300
            reply = "Thanks for reaching out. Sure, tell me more."
            self._as_target(ts, "message", person, acc, text=reply)
            followups = self.vocab.list("persona_followups")
            follow = followups[int(rng.integers(len(followups)))]
            self._emit(
                ts + int(rng.integers(600, DAY_S)),
                "message",
                acc,
                person,
                text=self._fill(follow, acc, person),
            )

    def exploitation(self) -> None:
        """Links on freshly generated look-alike domains, by message or share."""
        rng, style = self.rng, self.style
        if not style.domain_styles:
            return
        n_dom = int(rng.integers(1, 5))
        chosen = tuple(
            style.domain_styles[int(i)] for i in rng.permutation(len(style.domain_styles))
        )
        made = self.forge.make(chosen, n_dom)
        for i, d in enumerate(made):
            self.domain_style[d] = chosen[i % len(chosen)]
        pool = getattr(self, "engaged", []) or self.primary
        lures = self.vocab.list(style.scripts[1])
        # Drawn from the operation's own lure stream: every other draw stays as it was.
        reuse = LureReuse(draw_plan(self.lure_rng, self.start, self.days, self.tz), self.lure_rng)
        for person in [p for p in pool if rng.random() < 0.8] or pool[:1]:
            acc = self.handler.get(person, self.accounts[0])
            domain = made[int(rng.integers(len(made)))]
            url = self._url(domain)
            ts = self._office_time(self.start + self.days * rng.uniform(0.45, 0.9))
            kind = "share_link" if rng.random() < style.share_links else "message"
            lure = self._fill(lures[int(rng.integers(len(lures)))], acc, person)
            url, ts = reuse.deliver(url, domain, ts)
            text = lure + url
            self._emit(ts, kind, acc, person, text=text if kind == "message" else None, url=url)

    def _url(self, domain: str) -> str:
        shapes = PATHS[self.domain_style[domain]]
        token = "".join(TOKEN[int(i)] for i in self.rng.integers(0, len(TOKEN), 10))
        section = self.vocab.list("url_words")[
            int(self.rng.integers(len(self.vocab.list("url_words"))))
        ]
        path = shapes[int(self.rng.integers(len(shapes)))].format(t=token, section=section)
        return f"https://{domain}{path}"

    # -- truth ---------------------------------------------------------------------

    def truth(self) -> TruthOperation:
        """What the generated events really show about this operation."""
        rows = self.log.rows()[self.first_row :]
        mine = set(self.accounts)
        scraped = {r - self.first_row for r in self.scrape_rows}
        phases: set[Phase] = set()
        targets: set[int] = set()
        used_domains: set[str] = set()
        for i, row in enumerate(rows):
            if row["actor"] not in mine and i not in scraped:
                continue
            if row["type"] in RECON_TYPES:
                phases.add(Phase.RECONNAISSANCE)
            if row["type"] in ENGAGE_TYPES:
                phases.add(Phase.ENGAGEMENT)
            host = _host(row["url"])
            if host in self.domain_style:
                phases.add(Phase.EXPLOITATION)
                used_domains.add(host)
            target = row["target"]
            if target is not None and target not in mine:
                assert isinstance(target, int | np.integer)  # EventLog keeps population indices
                targets.add(int(target))
        return TruthOperation(
            operation_id=self.op_id,
            actor=self.style.actor,
            accounts=tuple(sorted(self.pop.account_id(a) for a in self.accounts)),
            targets=tuple(sorted(self.pop.account_id(t) for t in targets)),
            domains=tuple(sorted(used_domains)),
            phases=tuple(sorted(phases, key=lambda p: p.rank)),
        )


def _host(url: object) -> str | None:
    if not isinstance(url, str) or "://" not in url:
        return None
    return url.split("://", 1)[1].split("/", 1)[0]


def simulate_operations(
    rng: np.random.Generator,
    factory: PersonaFactory,
    forge: DomainForge,
    days: int,
    lure_rng: np.random.Generator,
) -> tuple[pa.Table, list[TruthOperation]]:
    """Script a seed-dependent number of operations; return their events and truth.

    ``lure_rng`` draws only how each operation reuses its lures (:mod:`~.lures`).
    """
    n_ops = int(rng.integers(3, 7)) + factory.pop.n // 250_000
    order = list(rng.permutation(len(STYLES)))
    styles = [
        STYLES[order[i % len(order)]] if i < len(order) else STYLES[int(rng.integers(len(STYLES)))]
        for i in range(n_ops)
    ]
    hosting = factory.book.of_kind("hosting")
    log = EventLog()
    truths = []
    for i, style in enumerate(styles):
        op = ScriptedOperation(f"op-{i + 1:03d}", style, factory, forge, days, log, lure_rng)
        op.recruit(hosting)
        op.run()
        truths.append(op.truth())
    return log.table(), truths
