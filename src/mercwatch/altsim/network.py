"""Where traffic comes from: autonomous systems, addresses, devices, browsers.

Four kinds of network, because mercwatch must not read "many accounts, one address"
as coordination when it is a carrier's NAT or a university: residential (one address
per household), carrier-grade NAT (thousands of phones behind a few addresses),
institutional (a campus or an office: one block for everyone inside), and datacenter /
VPN (where scripted operations often run, but also privacy-minded journalists).
ASNs are drawn from the private-use range 64512-65534 and 4200000000+ (RFC 6996), so
they never collide with a real network's reputation.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

BROWSERS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/95.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 Version/15.0",
    "Mozilla/5.0 (Linux; Android 11; SM-A515F) AppleWebKit/537.36 Chrome/94.0 Mobile",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 15_0 like Mac OS X) AppleWebKit/605.1.15 Mobile",
    "Mozilla/5.0 (X11; Linux x86_64; rv:93.0) Gecko/20100101 Firefox/93.0",
    "Mozilla/5.0 (Linux; Android 10; Redmi Note 8) AppleWebKit/537.36 Chrome/93.0 Mobile",
)


@dataclass(frozen=True, slots=True)
class Network:
    asn: int
    kind: str  # residential | carrier | campus | office | datacenter
    country: str
    prefix: tuple[int, int]  # first two octets of its IPv4 block

    def address(self, rng: random.Random, pool: int = 0) -> str:
        """An address inside this network; ``pool`` > 0 limits it to that many
        addresses (NAT), so many users come out on the same few."""
        if pool:
            n = rng.randrange(pool)
            return f"{self.prefix[0]}.{self.prefix[1]}.{n // 250}.{n % 250 + 2}"
        return f"{self.prefix[0]}.{self.prefix[1]}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


class Networks:
    """Allocates networks per (country, kind) once, deterministically."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._by_key: dict[tuple[str, str, int], Network] = {}
        self._prefixes: set[tuple[int, int]] = set()

    def get(self, country: str, kind: str, index: int = 0) -> Network:
        key = (country, kind, index)
        if key not in self._by_key:
            n = len(self._by_key)
            asn = 64512 + n if n < 1000 else 4_200_000_000 + n
            self._by_key[key] = Network(asn, kind, country, self._prefix())
        return self._by_key[key]

    def _prefix(self) -> tuple[int, int]:
        while True:
            first = self._rng.choice([*range(23, 100), *range(101, 126), *range(128, 169)])
            candidate = (first, self._rng.randrange(256))
            if candidate not in self._prefixes:
                self._prefixes.add(candidate)
                return candidate


def device_id(rng: random.Random) -> str:
    return f"dev-{rng.getrandbits(64):016x}"


def photo_hash(rng: random.Random) -> str:
    return f"{rng.getrandbits(64):016x}"


def near_photo(rng: random.Random, base: str, flips: int = 3) -> str:
    """A perceptual hash a few bits from ``base``: the same stock photo, re-cropped."""
    value = int(base, 16)
    for bit in rng.sample(range(64), flips):
        value ^= 1 << bit
    return f"{value:016x}"
