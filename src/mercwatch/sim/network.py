"""Addresses and autonomous systems: homes, carrier and office NAT, VPNs, crawlers, hosting.

Shared addresses are the main source of false "shared infrastructure" links on a real
platform (a carrier NAT address serves hundreds of people, an office egress a whole
company), so the simulator builds them on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mercwatch.sim.vocab import Vocab

#: People per carrier-grade NAT address; real carriers put hundreds behind one.
USERS_PER_CARRIER_IP = 250
#: People per office egress address.
USERS_PER_OFFICE = 300


class AddressBook:
    """Draws IPv4 addresses inside the prefixes of known ASNs."""

    def __init__(self, vocab: Vocab) -> None:
        self._asns = np.array(sorted(vocab.asns), dtype=np.int64)
        counts = [len(vocab.asns[int(a)].prefixes) for a in self._asns]
        self._first = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        self._count = np.array(counts, dtype=np.int64)
        self._prefixes = np.array(
            [p for a in self._asns for p in vocab.asns[int(a)].prefixes], dtype=np.uint32
        )
        self.vocab = vocab

    def addresses(self, rng: np.random.Generator, asns: np.ndarray) -> np.ndarray:
        """One random host address (uint32) inside a prefix of each given ASN."""
        pos = np.searchsorted(self._asns, asns)
        pick = self._first[pos] + rng.integers(0, 1 << 30, len(asns)) % self._count[pos]
        hosts = rng.integers(1, 65_535, len(asns)).astype(np.uint32)
        return self._prefixes[pick] | hosts

    def of_kind(self, kind: str) -> list[int]:
        """ASNs of a kind (``residential``, ``mobile``, ``hosting``, ``crawler``)."""
        return [a.number for a in self.vocab.asns.values() if a.kind == kind]


@dataclass(slots=True)
class Networks:
    """Per-account network habits: a home line and a shared (NAT) line.

    Attributes:
        home_ip, home_asn: the account's own line (a VPN exit for a few).
        alt_ip, alt_asn: a carrier NAT or office address shared with many others
            (equal to the home line for people with neither).
        office: office index per account, -1 when none.
        office_ip: egress address of each office.
    """

    home_ip: np.ndarray
    home_asn: np.ndarray
    alt_ip: np.ndarray
    alt_asn: np.ndarray
    office: np.ndarray
    office_ip: np.ndarray


def _pooled(
    book: AddressBook, rng: np.random.Generator, asns: np.ndarray, per_ip: int
) -> np.ndarray:
    """Addresses drawn from a small pool per ASN, so that ~``per_ip`` people share each."""
    out = np.zeros(len(asns), dtype=np.uint32)
    for asn in np.unique(asns):
        rows = np.flatnonzero(asns == asn)
        pool = book.addresses(rng, np.full(max(1, len(rows) // per_ip), asn))
        out[rows] = pool[rng.integers(0, len(pool), len(rows))]
    return out


def assign_networks(book: AddressBook, rng: np.random.Generator, country: np.ndarray) -> Networks:
    """Give each account a home line and (for most) a shared carrier or office line."""
    n = len(country)
    countries = book.vocab.countries
    home_asn = _pick_per_group(
        country, rng.integers(0, 1 << 20, n), [c.residential_asns for c in countries]
    )
    home_ip = book.addresses(rng, home_asn)
    vpn = rng.random(n) < 0.02
    vpn_asns = np.array(book.vocab.list("vpn_asns"), dtype=np.int64)
    home_asn[vpn] = vpn_asns[rng.integers(0, len(vpn_asns), int(vpn.sum()))]
    home_ip[vpn] = _pooled(book, rng, home_asn[vpn], 40)

    mob_asn = _pick_per_group(
        country, rng.integers(0, 1 << 20, n), [c.mobile_asns for c in countries]
    )
    alt_asn, alt_ip = home_asn.copy(), home_ip.copy()
    mobile = rng.random(n) < 0.55
    alt_asn[mobile] = mob_asn[mobile]
    alt_ip[mobile] = _pooled(book, rng, mob_asn[mobile], USERS_PER_CARRIER_IP)

    n_offices = max(3, n // USERS_PER_OFFICE)
    office = np.where(rng.random(n) < 0.25, rng.integers(0, n_offices, n), -1)
    office_country = rng.integers(0, len(countries), n_offices)
    office_asn = _pick_per_group(
        office_country, rng.integers(0, 1 << 20, n_offices), [c.residential_asns for c in countries]
    )
    office_ip = book.addresses(rng, office_asn)
    has = office >= 0
    alt_asn[has] = office_asn[office[has]]
    alt_ip[has] = office_ip[office[has]]
    return Networks(home_ip, home_asn, alt_ip, alt_asn, office, office_ip)


def _pick_per_group(
    group: np.ndarray, choice: np.ndarray, options: list[tuple[int, ...]]
) -> np.ndarray:
    """For each row, ``options[group][choice % len(options[group])]``, vectorised."""
    width = max(len(o) for o in options)
    table = np.array([[o[i % len(o)] for i in range(width)] for o in options], dtype=np.int64)
    lengths = np.array([len(o) for o in options], dtype=np.int64)
    return table[group, choice % lengths[group]]
