"""Benign hard negatives: legitimate groups that look like operations.

A newsroom team messaging the same sources from one office address (co-targeting plus
shared infrastructure) and a marketing agency sharing addresses and laptops while
messaging strangers with templates and short links. A detector that flags these is
wrong, and ``truth.json`` lists them so evaluations can say so.
"""

from __future__ import annotations

import numpy as np

from mercwatch.sim.columns import EventLog, NetContext, mix64
from mercwatch.sim.config import DAY_S, WINDOW_START_S, HardNegative
from mercwatch.sim.personas import PersonaFactory, hex_text, ip_text
from mercwatch.sim.population import MARKETER, NORMAL

SHORT_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def _office_ts(rng: np.random.Generator, days: int, tz: int) -> int:
    day = int(rng.integers(0, days))
    return (
        WINDOW_START_S + day * DAY_S + (int(rng.integers(9 * 3600, 19 * 3600)) - tz * 3600) % DAY_S
    )


def newsroom(
    rng: np.random.Generator, factory: PersonaFactory, days: int, log: EventLog
) -> HardNegative:
    """Colleagues at one outlet reaching the same sources for a story."""
    pop, vocab = factory.pop, factory.vocab
    outlet = vocab.list("news_outlets")[int(rng.integers(len(vocab.list("news_outlets"))))]
    old = pop.active & (pop.created < WINDOW_START_S)
    team = factory.free((pop.role == 1) & old, int(rng.integers(3, 7)))
    sources = factory.free(
        ((pop.role == NORMAL) | (pop.role == 2)) & old, int(rng.integers(8, 26)), reserve=False
    )
    asn = int(vocab.countries[0].residential_asns[0])
    office = ip_text(factory.book.addresses(rng, np.array([asn]))[0])
    topics = vocab.list("outreach_topics")
    topic = topics[int(rng.integers(len(topics)))]
    tz = int(vocab.countries[int(pop.country[team[0]])].utc_offset) if team else 0
    uas = vocab.list("user_agents")
    for member in team:
        pop.override("employer", member, outlet["name"])
        device = hex_text(int(mix64(pop.device_codes(np.array([member]), np.array([1])))[0]))
        ctx: NetContext = {
            "ip": office,
            "asn": asn,
            "device_id": device,
            "user_agent": uas[int(rng.integers(len(uas)))],
        }
        for src in sources:
            if rng.random() < 0.6:
                _reach_source(
                    rng, factory, log, member, src, _office_ts(rng, days, tz), outlet, topic, ctx
                )
    return HardNegative("newsroom_team", tuple(sorted(pop.account_id(m) for m in team)))


def _reach_source(
    rng: np.random.Generator,
    factory: PersonaFactory,
    log: EventLog,
    member: int,
    src: int,
    ts: int,
    outlet: dict[str, str],
    topic: str,
    ctx: NetContext,
) -> None:
    """A reporter looks a source up, writes from the desk template, maybe sends a link."""
    vocab = factory.vocab
    templates = [f"{pre}{{outlet}}{post}" for pre, post in vocab.list("journalist_outreach")]
    first = vocab.list("first_names")[int(factory.pop.first[src])]
    text = templates[int(rng.integers(len(templates)))].format(
        first=first, outlet=outlet["name"], topic=topic
    )
    log.add(ts, "view_profile", member, src, **ctx)
    log.add(ts + int(rng.integers(60, 3600)), "message", member, src, text=text, **ctx)
    if rng.random() < 0.3:
        slug = topic.replace(" ", "-")
        url = f"https://www.{outlet['domain']}/{slug}/{int(rng.integers(10**6))}"
        log.add(
            ts + int(rng.integers(3600, DAY_S)),
            "message",
            member,
            src,
            text="Here is our earlier coverage: " + url,
            url=url,
            **ctx,
        )


def agency(
    rng: np.random.Generator, factory: PersonaFactory, days: int, log: EventLog
) -> HardNegative:
    """A marketing agency: shared office addresses and laptops, templated outreach."""
    pop, vocab = factory.pop, factory.vocab
    staff = factory.free(
        ((pop.role == MARKETER) | (pop.role == NORMAL))
        & pop.active
        & (pop.created < WINDOW_START_S),
        int(rng.integers(8, 21)),
    )
    asn = np.array([vocab.countries[1].residential_asns[0]] * 2, np.int64)
    ips = [ip_text(a) for a in factory.book.addresses(rng, asn)]
    laptops = [hex_text(int(rng.integers(1 << 62))) for _ in range(3)]
    employers = vocab.list("employers")
    client = employers[int(rng.integers(len(employers)))]
    for member in staff:
        pop.override("employer", member, "Brightwave Digital Marketing")
        for _ in range(int(rng.integers(10, 40))):
            prospect = int(rng.integers(pop.n))
            ts = _office_ts(rng, days, 0)
            if prospect == member or pop.created[prospect] > ts:
                continue
            ctx: NetContext = {
                "ip": ips[int(rng.integers(2))],
                "asn": int(asn[0]),
                "device_id": laptops[int(rng.integers(3))],
            }
            first = vocab.list("first_names")[int(pop.first[prospect])]
            url = f"https://bit.ly/{''.join(rng.choice(list(SHORT_ALPHABET), 7))}"
            log.add(ts, "view_profile", member, prospect, **ctx)
            log.add(
                ts + int(rng.integers(30, 900)),
                "message",
                member,
                prospect,
                text=f"Hi {first}! {client} is giving our friends 20% off this month: {url}",
                url=url,
                **ctx,
            )
    return HardNegative("marketing_agency", tuple(sorted(pop.account_id(m) for m in staff)))
