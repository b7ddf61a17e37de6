"""Authentic coordination: crowds and shared lines that look like operations and are not.

A script is few senders reaching many strangers with a lure; a crowd is many
independent senders each writing once. Real platforms are full of crowds — readers
writing to a journalist in the words of the same viral post, petition campaigns,
fans, families on one tablet, a campus behind a handful of NAT addresses, neighbours
behind one carrier address, a small site's link gone viral — and of lone spammers.
Each class below is one named benign group in ``truth.json``'s
``hard_negatives`` (kind = the function's name), with sizes and wording drawn from the
seed, so a detector that mistakes it for an operation is caught on every seed.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mercwatch.sim.columns import EventLog, NetContext, mix64
from mercwatch.sim.config import DAY_S, WINDOW_START_S, HardNegative
from mercwatch.sim.personas import PersonaFactory, hex_text, ip_text
from mercwatch.sim.population import CELEBRITY, NORMAL, SPAMMER, Population, random_friend

Crowd = Callable[[np.random.Generator, PersonaFactory, int, EventLog], HardNegative]

# Crowd wordings: one viral phrase per campaign, copied with at most a name changed.
READER_PHRASES = (
    "Thank you for your brave reporting on {topic}, please keep going, we stand with you",
    "I have information about {topic} that you should see, can we talk privately please",
    "Your article on {topic} changed how I see it, thank you for telling the truth",
)
PETITION_PHRASES = (
    "Please sign and share the petition to stop {topic} before the vote next week",
    "I signed the open letter on {topic}, will you support it in parliament please",
)
FAN_PHRASES = (
    "I am your biggest fan, I have followed you for years, you are an inspiration",
    "Love your work so much, please say hi to your fans from here one day",
)
NGO_ASKS = (
    "Could you help us with the hearing next month",
    "We need advice on the detention case, when can we talk",
    "Thanks for last week, there is news on the file",
)
NGO_ANSWERS = (
    "Yes of course, I will call you tomorrow morning",
    "Received, our lawyer will look at it this week",
    "Good to hear, let us meet on Thursday at the office",
    "Thanks, I have shared it with the team",
)


def _old_normal(pop: Population) -> np.ndarray:
    return (pop.role == NORMAL) & pop.active & (pop.created < WINDOW_START_S - 60 * DAY_S)


def _own_ctx(factory: PersonaFactory, member: int) -> NetContext:
    """A member's own home line and phone: crowd members are unrelated people."""
    pop = factory.pop
    device = int(mix64(pop.device_codes(np.array([member]), np.array([0])))[0])
    return {
        "ip": ip_text(int(pop.net.home_ip[member])),
        "asn": int(pop.net.home_asn[member]),
        "device_id": hex_text(device),
    }


def _size(rng: np.random.Generator, factory: PersonaFactory, low: int, high: int) -> int:
    """A crowd size drawn from the seed, at most 2.5% of the platform (small test platforms
    stay mostly ordinary people)."""
    return min(int(rng.integers(low, high + 1)), max(3, factory.pop.n // 40))


def _ts(rng: np.random.Generator, days: int) -> int:
    return WINDOW_START_S + int(rng.integers(0, days * DAY_S - 2 * 3600))


def _at_risk(factory: PersonaFactory, tag_roles: tuple[int, ...], count: int) -> list[int]:
    pop = factory.pop
    mask = np.isin(pop.role, tag_roles) & pop.active & (pop.created < WINDOW_START_S)
    return factory.free(mask, count, reserve=False)


def _one_message_crowd(
    rng: np.random.Generator,
    factory: PersonaFactory,
    days: int,
    log: EventLog,
    recipients: list[int],
    phrase: str,
    size: int,
    url: str | None = None,
) -> tuple[str, ...]:
    """``size`` unrelated people each send ``phrase`` once to one of ``recipients``."""
    pop = factory.pop
    crowd = factory.free(_old_normal(pop), size)
    if not recipients:
        return ()
    for member in crowd:
        to = recipients[int(rng.integers(len(recipients)))]
        ts, ctx = _ts(rng, days), _own_ctx(factory, member)
        if rng.random() < 0.5:
            log.add(ts - int(rng.integers(60, 3600)), "view_profile", member, to, **ctx)
        text = phrase + ("" if url is None else f" {url}")
        log.add(ts, "message", member, to, text=text, url=url, **ctx)
    return tuple(sorted(pop.account_id(m) for m in crowd))


def readers_to_journalists(
    rng: np.random.Generator, factory: PersonaFactory, days: int, log: EventLog
) -> HardNegative:
    """Readers and would-be sources write to a few journalists in one viral phrase."""
    topics = factory.vocab.list("outreach_topics")
    phrase = READER_PHRASES[int(rng.integers(len(READER_PHRASES)))].format(
        topic=topics[int(rng.integers(len(topics)))]
    )
    journalists = _at_risk(factory, (1,), int(rng.integers(1, 4)))
    size = _size(rng, factory, 40, 150)
    crowd = _one_message_crowd(rng, factory, days, log, journalists, phrase, size)
    return HardNegative("readers_to_journalists", crowd)


def petition_campaign(
    rng: np.random.Generator, factory: PersonaFactory, days: int, log: EventLog
) -> HardNegative:
    """Copy-paste activism: supporters send representatives the same petition link."""
    topics = factory.vocab.list("outreach_topics")
    topic = topics[int(rng.integers(len(topics)))]
    phrase = PETITION_PHRASES[int(rng.integers(len(PETITION_PHRASES)))].format(topic=topic)
    url = f"https://www.change.org/p/{topic.replace(' ', '-')}-{int(rng.integers(10**5))}"
    politicians = _at_risk(factory, (4, 2), int(rng.integers(2, 6)))
    size = _size(rng, factory, 40, 150)
    crowd = _one_message_crowd(rng, factory, days, log, politicians, phrase, size, url)
    return HardNegative("petition_campaign", crowd)


def celebrity_fans(
    rng: np.random.Generator, factory: PersonaFactory, days: int, log: EventLog
) -> HardNegative:
    """Fans view, befriend and message one famous account with the same words."""
    pop = factory.pop
    stars = factory.free((pop.role == CELEBRITY) & pop.active, 1, reserve=False)
    if not stars:
        stars = _at_risk(factory, (7, 4), 1)
    phrase = FAN_PHRASES[int(rng.integers(len(FAN_PHRASES)))]
    crowd = factory.free(_old_normal(pop), _size(rng, factory, 30, 120))
    for member in crowd if stars else ():
        ts, ctx = _ts(rng, days), _own_ctx(factory, member)
        for k in range(int(rng.integers(1, 6))):
            log.add(ts + k * int(rng.integers(600, DAY_S)), "view_profile", member, stars[0], **ctx)
        if rng.random() < 0.4:
            log.add(ts + 60, "friend_request", member, stars[0], **ctx)
        log.add(ts + 120, "message", member, stars[0], text=phrase, **ctx)
    return HardNegative("celebrity_fans", tuple(sorted(pop.account_id(m) for m in crowd)))


def ngo_office(
    rng: np.random.Generator, factory: PersonaFactory, days: int, log: EventLog
) -> HardNegative:
    """An NGO team behind one office address, all watching the same at-risk partners."""
    pop = factory.pop
    team = factory.free(_old_normal(pop) | np.isin(pop.role, (2, 3)), int(rng.integers(4, 11)))
    partners = _at_risk(factory, (2, 3, 5, 6), int(rng.integers(5, 16)))
    asn = int(factory.vocab.countries[0].residential_asns[0])
    office = ip_text(int(factory.book.addresses(rng, np.array([asn]))[0]))
    for member in team:
        ctx: NetContext = {**_own_ctx(factory, member), "ip": office, "asn": asn}
        for partner in partners:
            if rng.random() < 0.7:
                ts = _ts(rng, days)
                log.add(ts, "view_profile", member, partner, **ctx)
                if rng.random() < 0.3:
                    # partners come to the NGO and the staff answer, each in their own words
                    asked = NGO_ASKS[int(rng.integers(len(NGO_ASKS)))]
                    log.add(ts + 60, "message", partner, member, text=asked)
                    answer = NGO_ANSWERS[int(rng.integers(len(NGO_ANSWERS)))]
                    log.add(ts + 300, "message", member, partner, text=answer, **ctx)
    return HardNegative("ngo_office", tuple(sorted(pop.account_id(m) for m in team)))


def family_devices(
    rng: np.random.Generator, factory: PersonaFactory, days: int, log: EventLog
) -> HardNegative:
    """Families on one tablet and one home line, looking at a relative who is at risk."""
    pop = factory.pop
    members: list[int] = []
    for _ in range(int(rng.integers(3, 9))):
        relative = _at_risk(factory, tuple(range(1, 9)), 1)
        family = factory.free(_old_normal(pop), int(rng.integers(2, 5)))
        if not family or not relative:
            continue
        members += family
        home = _own_ctx(factory, family[0])
        tablet = hex_text(int(rng.integers(1 << 62)))
        for member in family:
            ctx: NetContext = {**home, "device_id": tablet}
            for _ in range(int(rng.integers(2, 8))):
                ts = _ts(rng, days)
                log.add(ts, "login", member, **ctx)
                log.add(ts + 60, "view_profile", member, relative[0], **ctx)
            log.add(_ts(rng, days), "message", member, relative[0], text="Call mum tonight", **ctx)
    return HardNegative("family_devices", tuple(sorted(pop.account_id(m) for m in members)))


def campus_nat(
    rng: np.random.Generator, factory: PersonaFactory, days: int, log: EventLog
) -> HardNegative:
    """Students behind a few university NAT addresses, reading the same researchers."""
    pop = factory.pop
    students = factory.free(_old_normal(pop), _size(rng, factory, 60, 200))
    staff = _at_risk(factory, (8, 1), int(rng.integers(3, 9)))
    asn = int(factory.vocab.countries[0].residential_asns[0])
    nat = [
        ip_text(int(a)) for a in factory.book.addresses(rng, np.full(int(rng.integers(2, 5)), asn))
    ]
    for member in students if staff else ():
        ctx: NetContext = {
            **_own_ctx(factory, member),
            "ip": nat[int(rng.integers(len(nat)))],
            "asn": asn,
        }
        for _ in range(int(rng.integers(1, 5))):
            log.add(
                _ts(rng, days), "view_profile", member, staff[int(rng.integers(len(staff)))], **ctx
            )
    return HardNegative("campus_nat", tuple(sorted(pop.account_id(m) for m in students)))


def lone_spammer(
    rng: np.random.Generator, factory: PersonaFactory, days: int, log: EventLog
) -> HardNegative:
    """One spam account mailing random people random ``.top`` links: abuse, not a hire."""
    pop = factory.pop
    spammer = factory.free((pop.role == SPAMMER) | _old_normal(pop), 1)
    alphabet = list("abcdefghijklmnopqrstuvwxyz0123456789")
    spam = factory.vocab.list("spam_templates")
    for member in spammer:
        ctx = _own_ctx(factory, member)
        for _ in range(int(rng.integers(100, 301))):
            to = int(rng.integers(pop.n))
            if to == member:
                continue
            url = f"https://{''.join(rng.choice(alphabet, int(rng.integers(5, 8))))}.top/claim"
            text = spam[int(rng.integers(len(spam)))] + url
            log.add(_ts(rng, days), "message", member, to, text=text, url=url, **ctx)
    return HardNegative("lone_spammer", tuple(pop.account_id(m) for m in spammer))


def carrier_nat_neighbours(
    rng: np.random.Generator, factory: PersonaFactory, days: int, log: EventLog
) -> HardNegative:
    """Customers of a small carrier behind one or two NAT addresses (a rural cell, a
    regional ISP) reading up on the same few people in the news, each on their own
    phone, each at their own pace: one address and targets in common, nothing else."""
    pop = factory.pop
    people = factory.free(_old_normal(pop), _size(rng, factory, 15, 60))
    news = _at_risk(factory, (1, 4, 2), int(rng.integers(3, 8)))
    asn = int(factory.vocab.countries[0].mobile_asns[0])
    nat = [
        ip_text(int(a)) for a in factory.book.addresses(rng, np.full(int(rng.integers(1, 3)), asn))
    ]
    for member in people if news else ():
        ctx: NetContext = {
            **_own_ctx(factory, member),
            "ip": nat[int(rng.integers(len(nat)))],
            "asn": asn,
        }
        for _ in range(int(rng.integers(2, 9))):
            target = news[int(rng.integers(len(news)))]
            log.add(_ts(rng, days), "view_profile", member, target, **ctx)
    return HardNegative("carrier_nat_neighbours", tuple(sorted(pop.account_id(m) for m in people)))


def viral_link(
    rng: np.random.Generator, factory: PersonaFactory, days: int, log: EventLog
) -> HardNegative:
    """A small site's article goes viral: many people each send its link once, to a friend.

    The domain is sent by nobody else on the platform, as an operation's own domain is;
    what differs is who writes and to whom: many unrelated senders, once each, to
    people they knew before."""
    pop = factory.pop
    people = factory.free(_old_normal(pop), _size(rng, factory, 20, 120))
    words = factory.vocab.list("outreach_topics")
    slug = words[int(rng.integers(len(words)))].replace(" ", "-")
    url = f"https://{slug}-{int(rng.integers(100, 999))}.org/story/{int(rng.integers(10**6))}"
    friends = random_friend(rng, pop, np.array(people, dtype=np.int64))
    senders = []
    for member, friend in zip(people, friends.tolist(), strict=True):
        if friend < 0:
            continue
        senders.append(member)
        text = "have you seen this? " + url
        log.add(
            _ts(rng, days),
            "message",
            member,
            int(friend),
            text=text,
            url=url,
            **_own_ctx(factory, member),
        )
    return HardNegative("viral_link", tuple(sorted(pop.account_id(m) for m in senders)))


def viral_news(
    rng: np.random.Generator, factory: PersonaFactory, days: int, log: EventLog
) -> HardNegative:
    """Breaking news: a few articles of big outlets, each shared once by many people.

    Each story breaks at one moment and its sharers follow within hours, posting it or
    sending it to a friend, with their apps' tracking parameters: the same URL shared by
    many unrelated accounts close together, the commonest benign look-alike of
    co-sharing. What differs from a lure is that so many share it."""
    pop = factory.pop
    outlets = factory.vocab.list("news_outlets")
    words = factory.vocab.list("outreach_topics")
    sources = ("twitter", "facebook", "whatsapp", "email")
    senders: list[int] = []
    for _ in range(int(rng.integers(2, 5))):
        outlet = outlets[int(rng.integers(len(outlets)))]["domain"]
        slug = words[int(rng.integers(len(words)))].replace(" ", "-")
        url = f"https://www.{outlet}/news/{slug}-{int(rng.integers(10**7, 10**8))}"
        crowd = factory.free(_old_normal(pop), _size(rng, factory, 40, 200))
        friends = random_friend(rng, pop, np.array(crowd, dtype=np.int64)).tolist()
        broke = _ts(rng, days)
        for member, friend in zip(crowd, friends, strict=True):
            ts = broke + int(rng.exponential(3 * 3600))
            shared = f"{url}?utm_source={sources[int(rng.integers(len(sources)))]}"
            ctx = _own_ctx(factory, member)
            if friend >= 0 and rng.random() < 0.4:
                text = "you have to read this " + shared
                log.add(ts, "message", member, int(friend), text=text, url=shared, **ctx)
            else:
                log.add(ts, "post", member, text="Breaking: " + shared, url=shared, **ctx)
            senders.append(member)
    return HardNegative("viral_news", tuple(sorted(pop.account_id(m) for m in senders)))


#: Smallest platform that gets crowds: below it a crowd of dozens would be a good share
#: of everyone (a town is not a campus), and the small test platforms stay as they were
#: (at 1000 users, seed 4, the crowds' traffic made the link stage, old or new, merge two
#: operations).
MIN_USERS = 2000

#: Every crowd class, in the order the simulator draws them (adding one at the end
#: leaves the earlier ones' draws unchanged).
CROWDS: tuple[Crowd, ...] = (
    readers_to_journalists,
    petition_campaign,
    celebrity_fans,
    ngo_office,
    family_devices,
    campus_nat,
    lone_spammer,
    carrier_nat_neighbours,
    viral_link,
    viral_news,
)
