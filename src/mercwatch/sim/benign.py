"""Everyday benign traffic, one simulated day at a time, fully vectorised.

Each behaviour draws all its rows at once with numpy (actors by activity, targets by
friendship, community or popularity) and renders strings with Arrow kernels, so ten
million events take seconds, not hours.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from mercwatch.sim import columns as col
from mercwatch.sim import roles
from mercwatch.sim.config import DAY_S, WINDOW_START_S
from mercwatch.sim.network import AddressBook
from mercwatch.sim.population import (
    SPAMMER,
    Population,
    community_member,
    random_friend,
)
from mercwatch.sim.text import TextKit

#: Share of a day's benign events per behaviour (accepts and specials come on top).
MIX = {
    "login": 0.14,
    "view_profile": 0.22,
    "search": 0.07,
    "friend_request": 0.04,
    "message": 0.26,
    "post": 0.13,
    "share_link": 0.04,
    "report": 0.003,
    "block": 0.003,
    "logged_out": 0.02,
    "crawler": 0.045,
}
#: Target choice per type: (friend, community, popular, none); the rest is uniform.
TARGETING = {
    "view_profile": (0.35, 0.25, 0.40, 0.0),
    "friend_request": (0.0, 0.55, 0.30, 0.0),
    "message": (0.65, 0.15, 0.20, 0.0),
    "post": (0.30, 0.0, 0.0, 0.70),
    "share_link": (0.50, 0.0, 0.0, 0.50),
}
#: Local hour-of-day activity profile (people are awake in the evening, not at 4 am).
HOURLY = np.array([2, 1, 1, 1, 1, 2, 3, 5, 6, 6, 6, 6, 7, 6, 6, 6, 6, 7, 8, 9, 9, 8, 6, 4], float)
HOURLY /= HOURLY.sum()


class BenignTraffic:
    """Generates each day's benign events for one population."""

    def __init__(
        self,
        pop: Population,
        kit: TextKit,
        book: AddressBook,
        seed: int,
        days: int,
        events_per_user: float,
    ) -> None:
        self.pop, self.kit, self.book, self.seed = pop, kit, book, seed
        self.per_day = pop.n * events_per_user / days
        self.end = WINDOW_START_S + days * DAY_S
        self._actor_cdf = _cdf(np.where(pop.active, pop.activity, 0.0))
        self._popular_cdf = _cdf(pop.popularity)
        self._spammers = np.flatnonzero((pop.role == SPAMMER) & pop.active)
        self._tz = np.array([c.utc_offset for c in book.vocab.countries], np.int64)
        crawlers = book.vocab.list("crawlers")
        self._crawl_asn = np.array([c["asn"] for c in crawlers], np.int64)
        self._crawl_ua = [c["ua"] for c in crawlers]
        w = np.array([c["weight"] for c in crawlers], float)
        self._crawl_p = w / w.sum()

    def day(self, d: int) -> pa.Table:
        """All benign events whose day is ``d`` (0-based within the window)."""
        rng = np.random.default_rng([self.seed, 101, d])
        weekday_factor = 0.9 if (d + 2) % 7 in (5, 6) else 1.0  # 2021-09-01 was a Wednesday
        budget = self.per_day * weekday_factor
        start = WINDOW_START_S + d * DAY_S
        tables = []
        for kind, share in MIX.items():
            count = int(rng.poisson(budget * share))
            if count:
                tables.append(getattr(self, f"_{kind}")(rng, count, start))
        tables.extend(roles.special_roles(rng, self, start))
        tables.append(roles.onboarding(rng, self, start))
        return pa.concat_tables([t for t in tables if t.num_rows])

    # -- building blocks -------------------------------------------------------------

    def actors(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Accounts doing something, in proportion to how active they are."""
        return _draw(rng, self._actor_cdf, n)

    def popular(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Accounts strangers look at, in proportion to how public they are."""
        return _draw(rng, self._popular_cdf, n)

    def times(self, rng: np.random.Generator, who: np.ndarray, start: int) -> np.ndarray:
        """Times within the day following each account's local waking hours."""
        hour = rng.choice(24, len(who), p=HOURLY)
        local = hour * 3600 + rng.integers(0, 3600, len(who))
        return start + (local - self._tz[self.pop.country[who]] * 3600) % DAY_S

    def context(self, rng: np.random.Generator, who: np.ndarray) -> dict[str, pa.Array]:
        """Network and device columns of events done by ``who``."""
        net = self.pop.net
        alt = rng.random(len(who)) < 0.45
        ip = np.where(alt, net.alt_ip[who], net.home_ip[who])
        asn = np.where(alt, net.alt_asn[who], net.home_asn[who])
        slot = np.where(alt, 0, rng.integers(0, 2, len(who)))
        device = col.mix64(self.pop.device_codes(who, slot))
        return {
            "ip": col.ipv4(ip),
            "asn": col.nullable_int(asn),
            "device_id": col.hex16(device),
            "user_agent": self.kit.user_agents(device, slot),
        }

    def targets(self, rng: np.random.Generator, kind: str, who: np.ndarray) -> np.ndarray:
        """Targets of ``kind`` events by ``who`` (-1 = no target)."""
        friend, comm, popular, none = TARGETING[kind]
        u = rng.random(len(who))
        out = rng.integers(0, self.pop.n, len(who))
        out = np.where(u < friend + comm + popular, self.popular(rng, len(who)), out)
        out = np.where(u < friend + comm, community_member(rng, self.pop, who), out)
        fr = random_friend(rng, self.pop, who)
        out = np.where((u < friend) & (fr >= 0), fr, out)
        out = np.where(
            (u >= friend + comm + popular) & (u < friend + comm + popular + none), -1, out
        )
        return np.where(out == who, (out + 1) % self.pop.n, out)

    def emit(
        self,
        rng: np.random.Generator,
        kind: str,
        who: np.ndarray,
        ts: np.ndarray,
        target: np.ndarray | None = None,
        **extra: pa.Array | str,
    ) -> pa.Table:
        """Events by logged-in accounts, dropping those before an account existed."""
        tgt = np.full(len(who), -1) if target is None else target
        ok = (self.pop.created[who] <= ts) & (
            (tgt < 0) | (self.pop.created[np.maximum(tgt, 0)] <= ts)
        )
        ok &= (ts < self.end) & self.pop.active[who]  # operation fakes live only their script
        keep = np.flatnonzero(ok)
        cols = {k: (v if isinstance(v, str) else v.take(pa.array(keep))) for k, v in extra.items()}
        who, ts, tgt = who[keep], ts[keep], tgt[keep]
        return col.raw_events(
            len(who), ts=ts, type=kind, actor=who, target=tgt, **self.context(rng, who), **cols
        )

    # -- behaviours --------------------------------------------------------------------

    def _login(self, rng: np.random.Generator, n: int, start: int) -> pa.Table:
        who = self.actors(rng, n)
        return self.emit(rng, "login", who, self.times(rng, who, start))

    def _view_profile(self, rng: np.random.Generator, n: int, start: int) -> pa.Table:
        who = self.actors(rng, n)
        return self.emit(
            rng,
            "view_profile",
            who,
            self.times(rng, who, start),
            self.targets(rng, "view_profile", who),
        )

    def _search(self, rng: np.random.Generator, n: int, start: int) -> pa.Table:
        who = self.actors(rng, n)
        text = self.kit.searches(rng, self.popular(rng, n))
        return self.emit(rng, "search", who, self.times(rng, who, start), text=text)

    def _friend_request(self, rng: np.random.Generator, n: int, start: int) -> pa.Table:
        who = self.actors(rng, n)
        target = self.targets(rng, "friend_request", who)
        ts = self.times(rng, who, start)
        accepted = rng.random(n) < 0.55
        later = ts + rng.exponential(4 * 3600, n).astype(np.int64) + 30
        return pa.concat_tables(
            [
                self.emit(rng, "friend_request", who, ts, target),
                self.emit(rng, "friend_accept", target[accepted], later[accepted], who[accepted]),
            ]
        )

    def _message(self, rng: np.random.Generator, n: int, start: int) -> pa.Table:
        who = self.actors(rng, n)
        target = self.targets(rng, "message", who)
        text, url = self.kit.chat(rng, target)
        return self.emit(
            rng, "message", who, self.times(rng, who, start), target, text=text, url=url
        )

    def _post(self, rng: np.random.Generator, n: int, start: int) -> pa.Table:
        who = self.actors(rng, n)
        text, url = self.kit.posts(rng, n)
        return self.emit(
            rng,
            "post",
            who,
            self.times(rng, who, start),
            self.targets(rng, "post", who),
            text=text,
            url=url,
        )

    def _share_link(self, rng: np.random.Generator, n: int, start: int) -> pa.Table:
        who = self.actors(rng, n)
        return self.emit(
            rng,
            "share_link",
            who,
            self.times(rng, who, start),
            self.targets(rng, "share_link", who),
            url=self.kit.urls(rng, n),
        )

    def _report(
        self, rng: np.random.Generator, n: int, start: int, kind: str = "report"
    ) -> pa.Table:
        who = self.actors(rng, n)
        target = rng.integers(0, self.pop.n, n)
        if len(self._spammers):
            spam = rng.random(n) < 0.7
            target[spam] = self._spammers[rng.integers(0, len(self._spammers), int(spam.sum()))]
        target = np.where(target == who, (target + 1) % self.pop.n, target)
        return self.emit(rng, kind, who, self.times(rng, who, start), target)

    def _block(self, rng: np.random.Generator, n: int, start: int) -> pa.Table:
        return self._report(rng, n, start, kind="block")

    def _logged_out(self, rng: np.random.Generator, n: int, start: int) -> pa.Table:
        """People browsing public profiles without logging in, from their home lines."""
        visitor = rng.integers(0, self.pop.n, n)
        target = self.popular(rng, n)
        ts = self.times(rng, visitor, start)
        device = col.mix64(self.pop.device_codes(visitor, np.ones(n, np.int64)))
        return col.raw_events(
            n,
            ts=ts,
            type="view_profile",
            target=target,
            ip=col.ipv4(self.pop.net.home_ip[visitor]),
            asn=col.nullable_int(self.pop.net.home_asn[visitor]),
            user_agent=self.kit.user_agents(device, np.ones(n, np.int64)),
        )

    def _crawler(self, rng: np.random.Generator, n: int, start: int) -> pa.Table:
        """Search-engine crawlers: honest agents, many addresses, uniform breadth."""
        which = rng.choice(len(self._crawl_asn), n, p=self._crawl_p)
        asn = self._crawl_asn[which]
        return col.raw_events(
            n,
            ts=start + rng.integers(0, DAY_S, n),
            type="view_profile",
            target=rng.integers(0, self.pop.n, n),
            ip=col.ipv4(self.book.addresses(rng, asn)),
            asn=col.nullable_int(asn),
            user_agent=col.take_dict(pa.array(self._crawl_ua, pa.string()), which),
        )


def _cdf(weights: np.ndarray) -> np.ndarray:
    c = np.cumsum(weights.astype(np.float64))
    return c / c[-1]


def _draw(rng: np.random.Generator, cdf: np.ndarray, n: int) -> np.ndarray:
    return np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(cdf) - 1)
