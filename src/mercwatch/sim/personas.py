"""Fake and hijacked accounts of operations: profiles, photos, e-mail and infrastructure.

Infrastructure is reused imperfectly on purpose: some accounts of an operation share
its addresses, devices and e-mail domain, others do not, and hijacked accounts keep
their old creation date and their owner's normal life.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mercwatch.sim.columns import NetContext, mix64
from mercwatch.sim.config import DAY_S, WINDOW_START_S
from mercwatch.sim.network import AddressBook
from mercwatch.sim.population import NORMAL, Population, flip_bits
from mercwatch.sim.vocab import Country, Vocab


def ip_text(address: int) -> str:
    """Dotted-quad form of a uint32 address."""
    a = int(address)
    return f"{a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.{a & 255}"


def hex_text(value: int) -> str:
    """16-hex-digit form (device ids, photo hashes)."""
    return f"{int(value) & 0xFFFFFFFFFFFFFFFF:016x}"


@dataclass(slots=True)
class Infra:
    """What one operation runs on, and how faithfully each account sticks to it."""

    ips: list[tuple[str, int]]
    devices: list[str]
    user_agents: list[str]
    email_domain: str
    scraper_ua: str
    own: dict[int, tuple[str, int, str, str]] = field(default_factory=dict)
    loyalty: dict[int, float] = field(default_factory=dict)

    def context(self, rng: np.random.Generator, account: int) -> NetContext:
        """Network columns of one event by an operation account."""
        ip, asn, device, ua = self.own[account]
        if rng.random() < self.loyalty[account]:
            ip, asn = self.ips[int(rng.integers(len(self.ips)))]
            if rng.random() < 0.7:
                k = int(rng.integers(len(self.devices)))
                device, ua = self.devices[k], self.user_agents[k]
        return {"ip": ip, "asn": asn, "device_id": device, "user_agent": ua}


class PersonaFactory:
    """Recruits accounts for operations from the population and dresses them up."""

    def __init__(
        self, rng: np.random.Generator, pop: Population, vocab: Vocab, book: AddressBook
    ) -> None:
        self.rng, self.pop, self.vocab, self.book = rng, pop, vocab, book
        self.used: set[int] = set()

    def free(self, mask: np.ndarray, count: int, reserve: bool = True) -> list[int]:
        """Up to ``count`` accounts matching ``mask`` not yet run by anyone.

        Reserved accounts (operation accounts, hard-negative groups) are never picked
        again; targets are not reserved, since several firms may watch the same person.
        """
        pool = np.flatnonzero(mask)
        pool = pool[~np.isin(pool, np.fromiter(self.used, np.int64, len(self.used)))]
        picked = [int(i) for i in self.rng.choice(pool, min(count, len(pool)), replace=False)]
        if reserve:
            self.used.update(picked)
        return picked

    def recruit(self, fresh: int, hijacked: int) -> tuple[list[int], list[int]]:
        """Pick accounts: fresh fakes (taken out of benign life) and hijacked old ones."""
        pop = self.pop
        normal = (pop.role == NORMAL) & pop.active & (pop.created < WINDOW_START_S)
        fakes = self.free(normal, fresh)
        old = normal & (pop.created < WINDOW_START_S - 2 * 365 * DAY_S)
        hijacks = self.free(old, hijacked)
        for i in fakes:
            pop.active[i] = False
            pop.created[i] = (
                WINDOW_START_S
                - int(self.rng.integers(2, 200)) * DAY_S
                - int(self.rng.integers(0, DAY_S))
            )
        return fakes, hijacks

    def targets(self, count: int) -> list[int]:
        """Primary targets: mostly people the platform knows are at risk."""
        pop = self.pop
        old = pop.created < WINDOW_START_S
        risky = np.zeros(pop.n, bool)
        risky[pop.at_risk()] = True
        at_risk = int(np.ceil(count * 0.7))
        picked = self.free(risky & old, at_risk, reserve=False)
        others = old & (pop.role == NORMAL) & pop.active
        others[picked] = False
        picked += self.free(others, count - len(picked), reserve=False)
        return picked

    def contacts(self, target: int, count: int) -> list[int]:
        """Family and close contacts of a target (their friends), not already in use."""
        pop = self.pop
        known = pop.friends[pop.indptr[target] : pop.indptr[target + 1]]
        friends = [int(f) for f in known if int(f) not in self.used and pop.active[f]]
        return [friends[int(i)] for i in self.rng.permutation(len(friends))[:count]]

    def infrastructure(self, hosting: list[int], country: int) -> Infra:
        """Addresses, devices and an e-mail domain for one operation."""
        rng = self.rng
        asns = rng.choice(hosting, int(rng.integers(1, 3)), replace=False)
        n_ips = int(rng.integers(1, 5))
        ip_asn = np.array([asns[i % len(asns)] for i in range(n_ips)], np.int64)
        if rng.random() < 0.4:  # a residential proxy line too
            ip_asn = np.append(ip_asn, self.vocab_country(country).residential_asns[0])
        ips = [
            (ip_text(a), int(s))
            for a, s in zip(self.book.addresses(rng, ip_asn), ip_asn, strict=True)
        ]
        uas = self.vocab.list("user_agents")
        n_dev = int(rng.integers(1, 4))
        words, tlds = self.vocab.list("update_words"), self.vocab.list("op_tlds")
        own_domain = (
            f"{words[int(rng.integers(len(words)))]}mail.{tlds[int(rng.integers(len(tlds)))]}"
        )
        email = rng.choice(["protonmail.com", "gmail.com", own_domain, own_domain])
        scraper = self.vocab.list("scraper_user_agents")
        return Infra(
            ips=ips,
            devices=[hex_text(int(rng.integers(1 << 62))) for _ in range(n_dev)],
            user_agents=[uas[int(rng.integers(len(uas)))] for _ in range(n_dev)],
            email_domain=str(email),
            scraper_ua=scraper[int(rng.integers(len(scraper)))],
        )

    def vocab_country(self, index: int) -> Country:
        """A country of the vocabulary by index."""
        return self.vocab.countries[index]

    def equip(self, infra: Infra, account: int, hijacked: bool, loyalty: float) -> None:
        """Give an account its own line and device, and how often it uses the shared ones."""
        net = self.pop.net
        if hijacked:
            own_ip, own_asn = ip_text(net.home_ip[account]), int(net.home_asn[account])
            code = mix64(self.pop.device_codes(np.array([account]), np.array([1])))[0]
            device = hex_text(code)
        else:
            country = self.vocab.countries[int(self.pop.country[account])]
            asn = np.array([country.residential_asns[0]], np.int64)
            own_ip, own_asn = ip_text(self.book.addresses(self.rng, asn)[0]), int(asn[0])
            device = hex_text(int(self.rng.integers(1 << 62)))
        uas = self.vocab.list("user_agents")
        infra.own[account] = (own_ip, own_asn, device, uas[int(self.rng.integers(len(uas)))])
        infra.loyalty[account] = loyalty

    def dress(
        self, account: int, kind: str, infra: Infra, country: int, stock_photo: int, topic: str
    ) -> None:
        """Profile of a fake persona: name, claimed employer, bio, stolen photo, e-mail."""
        rng, pop, vocab = self.rng, self.pop, self.vocab
        persona = vocab.raw["personas"][kind]
        city = self.vocab_country(country).cities[
            int(rng.integers(len(self.vocab_country(country).cities)))
        ]
        first = vocab.list("first_names")[int(rng.integers(len(vocab.list("first_names"))))]
        last = vocab.list("last_names")[int(rng.integers(len(vocab.list("last_names"))))]
        pop.override("display_name", account, f"{first} {last}")
        employer = persona["employers"][int(rng.integers(len(persona["employers"])))]
        pop.override("employer", account, employer.format(city=city, topic=topic))
        bio = persona["bios"][int(rng.integers(len(persona["bios"])))]
        pop.override("bio", account, bio.format(topic=topic, city=city))
        pop.override("photo_hash", account, hex_text(self._photo(stock_photo)))
        email = (
            infra.email_domain
            if rng.random() < 0.7
            else str(rng.choice(["gmail.com", "outlook.com"]))
        )
        pop.override("email_domain", account, email)
        pop.override("country", account, self.vocab_country(country).code)
        pop.override("phone_cc", account, self.vocab_country(country).calling_code)
        pop.first[account] = vocab.list("first_names").index(first)
        pop.last[account] = vocab.list("last_names").index(last)

    def _photo(self, stock_photo: int) -> int:
        """Stolen: a real user's photo (maybe re-encoded) or the operation's stock photo."""
        rng, pop = self.rng, self.pop
        u = rng.random()
        if u < 0.3:
            return stock_photo
        with_photo = np.flatnonzero(pop.photo != 0)
        victim = np.array([pop.photo[with_photo[int(rng.integers(len(with_photo)))]]], np.uint64)
        if u < 0.55:
            return int(victim[0])
        return int(flip_bits(rng, victim, 3)[0])
