"""Benign people who look like operators: recruiters, marketers, spammers, newcomers.

They contact strangers from templates, send shortened links and friend dozens of
people on their first day — exactly what an operation does — and are not operations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mercwatch.sim import columns as col
from mercwatch.sim.config import DAY_S
from mercwatch.sim.population import MARKETER, RECRUITER, SPAMMER, community_member

if TYPE_CHECKING:
    from mercwatch.sim.benign import BenignTraffic

SHORT_LINK_HOSTS = ("bit.ly", "tinyurl.com", "ow.ly", "t.co", "rb.gy")


def special_roles(rng: np.random.Generator, traffic: BenignTraffic, start: int) -> list[pa.Table]:
    """Today's template messages from recruiters and marketers, and spam."""
    return [
        _templated(rng, traffic, start, RECRUITER, 3.0, "recruiter_templates", link_share=0.3),
        _templated(rng, traffic, start, MARKETER, 4.0, "marketer_templates", link_share=1.0),
        _spam(rng, traffic, start),
    ]


def _senders(
    rng: np.random.Generator, traffic: BenignTraffic, role: int, rate: float
) -> np.ndarray:
    pop = traffic.pop
    members = np.flatnonzero((pop.role == role) & pop.active)
    return np.repeat(members, rng.poisson(rate, len(members)))


def company_of(traffic: BenignTraffic, who: np.ndarray) -> pa.Array:
    """The company a recruiter or marketer writes for (stable per account)."""
    employers = traffic.kit.vocab.list("employers")
    return col.take(
        employers, (traffic.pop.id_codes[who] % np.uint64(len(employers))).astype(np.int64)
    )


def _templated(
    rng: np.random.Generator,
    traffic: BenignTraffic,
    start: int,
    role: int,
    rate: float,
    key: str,
    link_share: float,
) -> pa.Table:
    who = _senders(rng, traffic, role, rate)
    n = len(who)
    if n == 0:
        return col.raw_events(0)
    stranger = np.where(
        rng.random(n) < 0.5, traffic.popular(rng, n), rng.integers(0, traffic.pop.n, n)
    )
    stranger = np.where(stranger == who, (stranger + 1) % traffic.pop.n, stranger)
    templates = [f"{pre}{{company}}{post}" for pre, post in traffic.kit.vocab.list(key)]
    text = col.fill_templates(
        templates,
        rng.integers(0, len(templates), n),
        {"first": traffic.kit.first_of(stranger), "company": company_of(traffic, who)},
    )
    if role == RECRUITER:
        links = col.join("https://www.linkedin.com/jobs/view/", col.tokens(rng, n, 10))
    else:
        links = _short_links(rng, n)
    has_link = rng.random(n) < link_share
    url = pc.if_else(pa.array(has_link), links, pa.scalar(None, pa.string()))
    if role == MARKETER:
        text = pc.if_else(pa.array(has_link), col.join(text, links), text)
    return traffic.emit(
        rng, "message", who, traffic.times(rng, who, start), stranger, text=text, url=url
    )


def _short_links(rng: np.random.Generator, n: int) -> pa.Array:
    host = col.take(SHORT_LINK_HOSTS, rng.integers(0, len(SHORT_LINK_HOSTS), n))
    return col.join("https://", host, "/", col.tokens(rng, n, 7))


def _spam(rng: np.random.Generator, traffic: BenignTraffic, start: int) -> pa.Table:
    """Spammers message random people with junk links; people report and block them."""
    who = _senders(rng, traffic, SPAMMER, 8.0)
    n = len(who)
    if n == 0:
        return col.raw_events(0)
    target = rng.integers(0, traffic.pop.n, n)
    target = np.where(target == who, (target + 1) % traffic.pop.n, target)
    junk = col.join("https://", col.tokens(rng, n, 6).cast(pa.string()), ".top/claim")
    url = pc.if_else(pa.array(rng.random(n) < 0.6), _short_links(rng, n), junk)
    spam = traffic.kit.vocab.list("spam_templates")
    text = col.join(col.take(spam, rng.integers(0, len(spam), n)), url)
    return traffic.emit(
        rng, "message", who, traffic.times(rng, who, start), target, text=text, url=url
    )


def onboarding(rng: np.random.Generator, traffic: BenignTraffic, start: int) -> pa.Table:
    """Accounts created today log in and send a burst of friend requests."""
    pop = traffic.pop
    new = np.flatnonzero((pop.created >= start) & (pop.created < start + DAY_S) & pop.active)
    if len(new) == 0:
        return col.raw_events(0)
    login = traffic.emit(rng, "login", new, pop.created[new] + rng.integers(5, 120, len(new)))
    who = np.repeat(new, rng.integers(3, 21, len(new)))
    gaps = rng.exponential(120, len(who)).astype(np.int64) + 5
    ts = pop.created[who] + 120 + _cumsum_by_group(who, gaps)
    target = np.where(
        rng.random(len(who)) < 0.75, community_member(rng, pop, who), traffic.popular(rng, len(who))
    )
    target = np.where(target == who, (target + 1) % pop.n, target)
    accepted = rng.random(len(who)) < 0.6
    later = ts + rng.exponential(6 * 3600, len(who)).astype(np.int64) + 60
    return pa.concat_tables(
        [
            login,
            traffic.emit(rng, "friend_request", who, ts, target),
            traffic.emit(rng, "friend_accept", target[accepted], later[accepted], who[accepted]),
        ]
    )


def _cumsum_by_group(group: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Running sum of ``values`` restarting at each new value of sorted ``group``."""
    total = np.cumsum(values)
    first = np.r_[True, group[1:] != group[:-1]]
    base = np.maximum.accumulate(np.where(first, total - values, 0))
    return total - base
