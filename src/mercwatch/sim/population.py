"""The benign population: who the accounts are, who knows whom, how active they are.

At-risk people (journalists, activists ...) are deliberately popular targets of
legitimate strangers, and celebrity photos are reused by fans, so that "many strangers
contact this person" or "this photo appears on several accounts" alone proves nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mercwatch.model import AT_RISK_TAGS
from mercwatch.sim.config import DAY_S, WINDOW_START_S
from mercwatch.sim.network import AddressBook, Networks, assign_networks
from mercwatch.sim.vocab import Vocab

# Roles; the first eight are SCHEMA.md at-risk tags (AT_RISK_TAGS), in that order.
NORMAL, RECRUITER, MARKETER, SPAMMER, CELEBRITY = 0, 20, 21, 22, 23
#: Share of accounts per role (at-risk roles are 1..8, i.e. tag index + 1).
ROLE_SHARES = {
    1: 0.006,
    2: 0.004,
    3: 0.001,
    4: 0.002,
    5: 0.002,
    6: 0.001,
    7: 0.003,
    8: 0.002,
    RECRUITER: 0.004,
    MARKETER: 0.003,
    SPAMMER: 0.002,
    CELEBRITY: 0.0005,
}
#: How much more often each role is viewed / contacted by people who don't know them.
POPULARITY_BOOST = {
    1: 25.0,
    2: 15.0,
    3: 10.0,
    4: 30.0,
    5: 5.0,
    6: 10.0,
    7: 5.0,
    8: 3.0,
    CELEBRITY: 300.0,
}
COMMUNITY_SIZE = 150
NEW_USER_SHARE = 0.03
N_CELEBRITY_PHOTOS = 40
EPOCH_2008 = 1_199_145_600


@dataclass(slots=True)
class Population:
    """Column arrays describing every account (index = row in ``accounts``).

    ``overrides`` holds per-row replacements (operation personas, hard negatives) that
    the table writer applies on top of the generated columns.
    """

    n: int
    id_codes: np.ndarray
    created: np.ndarray
    country: np.ndarray
    first: np.ndarray
    last: np.ndarray
    role: np.ndarray
    photo: np.ndarray
    email: np.ndarray
    activity: np.ndarray
    popularity: np.ndarray
    active: np.ndarray
    net: Networks
    indptr: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))
    friends: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    edges: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.int64))
    overrides: dict[str, dict[int, object]] = field(default_factory=dict)
    celebrity_photos: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint64))

    def account_id(self, index: int) -> str:
        """The exported id of one account."""
        return f"u{int(self.id_codes[index]):010d}"

    def override(self, column: str, index: int, value: object) -> None:
        """Replace one account's value in an exported column."""
        self.overrides.setdefault(column, {})[int(index)] = value

    def at_risk(self) -> np.ndarray:
        """Indices of accounts carrying an at-risk tag."""
        return np.flatnonzero((self.role >= 1) & (self.role <= len(AT_RISK_TAGS)))

    def device_codes(self, index: np.ndarray, slot: np.ndarray) -> np.ndarray:
        """Stable device codes: each account has two devices (phone, computer)."""
        return (self.id_codes[index].astype(np.uint64) << np.uint64(2)) | slot.astype(np.uint64)


def flip_bits(rng: np.random.Generator, hashes: np.ndarray, max_bits: int) -> np.ndarray:
    """Near-duplicate perceptual hashes: 1..max_bits random bits flipped."""
    out = hashes.astype(np.uint64).copy()
    for k in range(max_bits):
        flip = (k == 0) | (rng.random(len(out)) < 0.5)
        bits = np.uint64(1) << rng.integers(0, 64, len(out)).astype(np.uint64)
        out = np.where(flip, out ^ bits, out)
    return out


def build_population(
    rng: np.random.Generator, n: int, vocab: Vocab, book: AddressBook
) -> Population:
    """Generate ``n`` benign accounts with networks, roles, photos and friendships."""
    weights = np.array([c.weight for c in vocab.countries])
    n_comm = n // COMMUNITY_SIZE + 1
    comm_country = rng.choice(len(weights), n_comm, p=weights / weights.sum())
    country = comm_country[np.arange(n) // COMMUNITY_SIZE]
    diaspora = rng.random(n) < 0.1
    country[diaspora] = rng.choice(len(weights), int(diaspora.sum()), p=weights / weights.sum())
    # Odd multiplier: a bijection mod 2**32, so ids are unique yet reveal no order.
    offset = np.uint64(rng.integers(1 << 31))
    id_codes = (np.arange(n, dtype=np.uint64) * np.uint64(2_654_435_761) + offset) % np.uint64(
        1 << 32
    )
    role = _roles(rng, n)
    created = _created(rng, n)
    pop = Population(
        n=n,
        id_codes=id_codes,
        created=created,
        country=country.astype(np.int16),
        first=rng.integers(0, len(vocab.list("first_names")), n).astype(np.int16),
        last=rng.integers(0, len(vocab.list("last_names")), n).astype(np.int16),
        role=role,
        photo=np.zeros(n, np.uint64),
        email=rng.choice(
            len(vocab.list("email_providers")), n, p=vocab.weighted("email_providers")[1]
        ),
        activity=_activity(rng, role),
        popularity=_popularity(rng, role),
        active=np.ones(n, dtype=bool),
        net=assign_networks(book, rng, country),
    )
    _photos(rng, pop)
    _friendships(rng, pop)
    return pop


def _roles(rng: np.random.Generator, n: int) -> np.ndarray:
    keys = list(ROLE_SHARES)
    shares = np.array([ROLE_SHARES[k] for k in keys])
    codes = np.array([NORMAL, *keys], dtype=np.int8)
    return codes[rng.choice(len(codes), n, p=np.concatenate([[1 - shares.sum()], shares]))]


def _created(rng: np.random.Generator, n: int) -> np.ndarray:
    """Mostly years-old accounts, skewed recent; a few percent join during the window."""
    span = WINDOW_START_S - EPOCH_2008
    old = WINDOW_START_S - (span * rng.power(0.6, n)).astype(np.int64) - DAY_S
    new = rng.random(n) < NEW_USER_SHARE
    window = WINDOW_START_S + rng.integers(0, 20 * DAY_S, n)
    return np.where(new, window, old).astype(np.int64)


def _activity(rng: np.random.Generator, role: np.ndarray) -> np.ndarray:
    act = rng.lognormal(0.0, 1.0, len(role))
    act[role == SPAMMER] *= 3.0
    return act.astype(np.float64)


def _popularity(rng: np.random.Generator, role: np.ndarray) -> np.ndarray:
    pop = rng.lognormal(0.0, 0.8, len(role))
    for code, boost in POPULARITY_BOOST.items():
        pop[role == code] *= boost
    return pop.astype(np.float64)


def _photos(rng: np.random.Generator, pop: Population) -> None:
    """Own photos for most; fans reuse a celebrity's photo, sometimes re-encoded."""
    n = pop.n
    has = rng.random(n) < 0.8
    own = rng.integers(1, 2**64 - 1, n, dtype=np.uint64, endpoint=True)
    pop.photo = np.where(has, own, np.uint64(0))
    celeb = rng.integers(1, 2**64 - 1, N_CELEBRITY_PHOTOS, dtype=np.uint64, endpoint=True)
    pop.celebrity_photos = celeb
    stars = np.flatnonzero(pop.role == CELEBRITY)
    pop.photo[stars] = celeb[np.arange(len(stars)) % len(celeb)]
    fans = np.flatnonzero(rng.random(n) < 0.02)
    fan_photo = celeb[rng.integers(0, min(len(celeb), max(1, len(stars))), len(fans))]
    variant = rng.random(len(fans)) < 0.3
    fan_photo[variant] = flip_bits(rng, fan_photo[variant], 2)
    pop.photo[fans] = fan_photo


def _friendships(rng: np.random.Generator, pop: Population) -> None:
    """Mostly within a community (same city/school/workplace), some long-range ties."""
    n = pop.n
    degree = np.minimum(rng.geometric(0.22, n), 60)
    degree[pop.popularity > 10] *= 3
    src = np.repeat(np.arange(n, dtype=np.int64), degree)
    local = rng.random(len(src)) < 0.85
    base = (src // COMMUNITY_SIZE) * COMMUNITY_SIZE
    dst = np.where(
        local, base + rng.integers(0, COMMUNITY_SIZE, len(src)), rng.integers(0, n, len(src))
    )
    dst = np.minimum(dst, n - 1)
    a, b = np.minimum(src, dst), np.maximum(src, dst)
    keep = (a != b) & (pop.created[a] < WINDOW_START_S) & (pop.created[b] < WINDOW_START_S)
    key = np.unique(a[keep] * n + b[keep])
    pop.edges = np.stack([key // n, key % n], axis=1)
    index_friends(pop)


def index_friends(pop: Population) -> None:
    """(Re)build the adjacency index (CSR) of ``pop.edges``."""
    n = pop.n
    a, b = pop.edges[:, 0], pop.edges[:, 1]
    key = np.sort(np.concatenate([a * n + b, b * n + a]))  # one int64 sort, no lexsort copies
    pop.indptr = np.concatenate([[0], np.cumsum(np.bincount(key // n, minlength=n))])
    pop.friends = key % n


def drop_friendships(pop: Population, accounts: list[int]) -> None:
    """Remove every friendship of ``accounts`` (fake accounts have no real past)."""
    gone = np.isin(pop.edges, np.array(accounts, dtype=np.int64)).any(axis=1)
    pop.edges = pop.edges[~gone]
    index_friends(pop)


def random_friend(rng: np.random.Generator, pop: Population, who: np.ndarray) -> np.ndarray:
    """One random friend of each account, or -1 for accounts without friends."""
    if len(pop.friends) == 0:
        return np.full(len(who), -1, dtype=np.int64)
    start, deg = pop.indptr[who], pop.indptr[who + 1] - pop.indptr[who]
    pick = start + (rng.random(len(who)) * np.maximum(deg, 1)).astype(np.int64)
    return np.where(deg > 0, pop.friends[np.minimum(pick, len(pop.friends) - 1)], -1)


def community_member(rng: np.random.Generator, pop: Population, who: np.ndarray) -> np.ndarray:
    """A random account from each account's community (people they may know)."""
    base = (who // COMMUNITY_SIZE) * COMMUNITY_SIZE
    return np.minimum(base + rng.integers(0, COMMUNITY_SIZE, len(who)), pop.n - 1)
