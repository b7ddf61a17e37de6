"""Run operations on the platform, following the playbooks, with a different shape
on every seed: which firms appear, how many personas, which phases they reach, how
they pace themselves, which infrastructure they use.

An operation is: personas (accounts it runs) -> reconnaissance on chosen targets
(profile views, name searches, some signed out) -> engagement (friend requests,
lure messages, replies from some targets) -> exploitation (links to its own lure
domains) for the targets who engaged. Everyone it viewed or contacted is a target.
The adversarial variants change the how (see :class:`mercwatch.altsim.config.Variant`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from mercwatch.altsim.background import chat_text
from mercwatch.altsim.config import Variant
from mercwatch.altsim.domains import lure_domains, lure_url
from mercwatch.altsim.lexicon import PUBLIC_SHORTENER, TOPICS, WEBMAIL
from mercwatch.altsim.network import BROWSERS, Networks, device_id, near_photo, photo_hash
from mercwatch.altsim.platform import DAY, Account, Operation, Platform
from mercwatch.altsim.playbooks import ENGAGE, EXPLOIT, PLAYBOOKS, RECON, Playbook
from mercwatch.altsim.population import full_name

PHASE_ORDER = (RECON, ENGAGE, EXPLOIT)
PARAPHRASE = (
    "hope you don't mind me writing",
    "sorry for the message out of the blue",
    "a friend suggested I reach out",
    "quick question",
    "I follow your work",
)


@dataclass(slots=True)
class Crew:
    """What one running operation holds while it acts."""

    op: Operation
    book: Playbook
    personas: list[Account] = field(default_factory=list)
    exits: list[tuple[str, int]] = field(default_factory=list)  # (ip, asn) it works from
    devices: list[str] = field(default_factory=list)
    proxies: list[tuple[str, int]] = field(default_factory=list)  # rented residential exits
    scraper: str = ""  # the automated browser's fingerprint used for signed-out scraping
    domains: list[str] = field(default_factory=list)
    used_domains: set[str] = field(default_factory=set)


def add_operations(
    platform: Platform, ids: list[str], adjacency: dict[str, list[str]], networks: Networks
) -> None:
    rng = platform.config.rng("operations")
    variant = platform.config.variant
    books = list(PLAYBOOKS)
    rng.shuffle(books)
    count = min(len(books), platform.knobs.operations)
    # Every firm appears on some seed; on one platform a seed-drawn subset runs, and one
    # firm may run two independent operations (different clients).
    chosen = books[:count] + ([rng.choice(books[:count])] if rng.random() < 0.3 else [])
    for k, book in enumerate(chosen):
        op = Operation(operation_id=f"alt-op-{platform.config.seed}-{k + 1}", actor=book.actor)
        crew = Crew(op, book)
        reach = _reach(rng, book)
        _staff(platform, rng, crew, networks, variant)
        targets = _choose_targets(platform, rng, crew, ids)
        start = rng.uniform(0, platform.horizon * 0.45)
        first_event = len(platform.events)
        if variant.has(Variant.OPS_AS_CROWDS):
            _act_as_crowd(platform, rng, crew, targets, start, reach, networks)
        else:
            _act(platform, rng, crew, targets, adjacency, start, reach, networks, variant)
        op.domains = sorted(crew.used_domains)
        op.accounts = _log_in_actors(platform, rng, crew, first_event)
        platform.operations.append(op)


def _log_in_actors(
    platform: Platform, rng: random.Random, crew: Crew, first_event: int
) -> list[str]:
    """The personas that did something are the operation's accounts (an idle persona
    leaves no trace to find); each gets a login just before its first action."""
    personas = {p.account_id: p for p in crew.personas}
    first: dict[str, tuple[float, dict]] = {}
    for ts, _, row in platform.events[first_event:]:
        actor = row.get("actor_id", "")
        if (
            actor in personas
            and row["type"] != "login"
            and (actor not in first or ts < first[actor][0])
        ):
            first[actor] = (ts, row)
    for actor, (ts, row) in first.items():
        net = {k: row[k] for k in ("ip", "asn", "device_id") if k in row}
        platform.emit(ts - rng.uniform(30, 600), "login", actor, user_agent=BROWSERS[0], **net)
    return sorted(first)


def _reach(rng: random.Random, book: Playbook) -> str:
    """How far this operation gets on this platform: usually its playbook's furthest
    phase, sometimes it is stopped or still early."""
    furthest = PHASE_ORDER.index(book.max_phase)
    roll = rng.random()
    if roll < 0.12:
        return RECON
    if roll < 0.25 and furthest == 2:
        return ENGAGE
    return PHASE_ORDER[furthest]


def _staff(
    platform: Platform, rng: random.Random, crew: Crew, networks: Networks, variant: Variant
) -> None:
    book, scale = crew.book, platform.knobs.op_size_scale
    crowd = variant.has(Variant.OPS_AS_CROWDS)
    n = rng.randint(30, 80) if crowd else max(2, round(rng.randint(*book.size) * scale))
    base_photos = [photo_hash(rng) for _ in range(rng.randint(1, 3))]
    hosting_country = rng.choice(("NL", "US", "DE", "SG", "GB"))
    for _ in range(rng.randint(1, 2)):
        net = networks.get(hosting_country, "datacenter", 30 + rng.randrange(8))
        crew.exits += [(net.address(rng, 6), net.asn) for _ in range(rng.randint(1, 3))]
    crew.devices = [device_id(rng) for _ in range(max(1, n // rng.randint(2, 4)))]
    # A residential-proxy subscription: a small rotating pool of home addresses in
    # several countries, driven by one automated browser.
    for country in rng.sample(("US", "GB", "DE", "BR", "IN", "TR", "MX", "EG"), 4):
        net = networks.get(country, "residential", rng.randrange(3))
        crew.proxies += [(net.address(rng), net.asn) for _ in range(rng.randint(1, 3))]
    crew.scraper = device_id(rng)
    for _ in range(n):
        bio, employer = rng.choice(book.personas)
        country = rng.choice(("US", "GB", "DE", "FR", "TR", "GR", "EG", "IN", "MX"))
        aged = rng.random() < book.aged_accounts
        photo = (
            near_photo(rng, rng.choice(base_photos))
            if book.shared_photos and not crowd
            else photo_hash(rng)
        )
        ip, asn = rng.choice(crew.exits)
        persona = Account(
            account_id=platform.new_id(rng),
            created_at=-rng.uniform(400 * DAY, 3000 * DAY)
            if aged
            else -rng.uniform(DAY, 120 * DAY),
            display_name=full_name(rng),
            country=country,
            bio=bio.format(topic=rng.choice(TOPICS)),
            employer=employer,
            photo_hash=photo if rng.random() < 0.9 else "",
            email_domain=rng.choice(WEBMAIL),
            phone_cc=book.home_cc if rng.random() < 0.3 and not crowd else "",
            home_ip=ip,
            home_asn=asn,
            devices=(device_id(rng),) if crowd else (rng.choice(crew.devices),),
        )
        crew.personas.append(platform.add_account(persona))
    hosted = variant.has(Variant.HOSTED_INFRA)
    styles = book.domain_styles or ("news",)
    crew.domains = lure_domains(rng, styles, rng.randint(1, 5), hosted)


def _choose_targets(
    platform: Platform, rng: random.Random, crew: Crew, ids: list[str]
) -> list[str]:
    accounts = platform.accounts
    wanted = set(crew.book.target_tags)
    pool = [a for a in ids if wanted & set(accounts[a].tags)]
    count = max(3, round(len(crew.personas) * rng.uniform(1.5, 5)))
    targets = rng.sample(pool, min(len(pool), count))
    # Ordinary people too: parties to a lawsuit, relatives, a colleague (Meta 2021).
    targets += rng.sample(ids, max(1, count // 8))
    return list(dict.fromkeys(targets))


def _network(rng: random.Random, crew: Crew, persona: Account) -> dict:
    ip, asn = (persona.home_ip, persona.home_asn) if rng.random() < 0.7 else rng.choice(crew.exits)
    return {"ip": ip, "asn": asn, "device_id": persona.devices[0], "user_agent": BROWSERS[0]}


def _link(rng: random.Random, crew: Crew, hosted: bool) -> str:
    domain = rng.choice(crew.domains)
    url = lure_url(rng, domain)
    if hosted and rng.random() < 0.4:
        # Wrapped in the public shortener benign people use too: the lure host never
        # appears in the export, so it is not part of what can be found.
        return f"https://{PUBLIC_SHORTENER}/{rng.getrandbits(32):08x}"
    crew.used_domains.add(domain)
    return url


@dataclass(slots=True)
class Run:
    """One operation's run on the platform: who works which target, and how."""

    platform: Platform
    rng: random.Random
    crew: Crew
    networks: Networks
    slow: bool
    hosted: bool
    assignment: dict[str, Account] = field(default_factory=dict)


def _act(
    platform: Platform,
    rng: random.Random,
    crew: Crew,
    targets: list[str],
    adjacency: dict[str, list[str]],
    start: float,
    reach: str,
    networks: Networks,
    variant: Variant,
) -> None:
    run = Run(
        platform,
        rng,
        crew,
        networks,
        slow=variant.has(Variant.LOW_AND_SLOW),
        hosted=variant.has(Variant.HOSTED_INFRA),
        # Round robin, so every persona works at least one target when there are enough.
        assignment={t: crew.personas[i % len(crew.personas)] for i, t in enumerate(targets)},
    )
    left = platform.horizon - start
    recon_end = start + (left * 0.5 if run.slow else min(left * 0.4, rng.uniform(2, 8) * DAY))
    _recon(run, adjacency, start, recon_end)
    if reach == RECON:
        return
    engaged = _engage(run, recon_end)
    if reach == EXPLOIT and crew.book.link_lines:
        _exploit(run, engaged)


def _recon(run: Run, adjacency: dict[str, list[str]], start: float, end: float) -> None:
    """Profile views (some signed out: from the crew's exits or, low-and-slow, from a
    rented residential-proxy pool) and name searches, on targets and some relatives."""
    platform, rng, crew = run.platform, run.rng, run.crew
    accounts = platform.accounts
    for target, persona in run.assignment.items():
        watched = [target]
        if crew.book.relatives:
            watched += adjacency.get(target, [])[: rng.randint(0, 3)]
        for person in watched:
            for _ in range(rng.randint(*crew.book.views_per_target)):
                ts = rng.uniform(0 if run.slow else start, end)
                if run.slow:
                    net = _scrape(rng, crew)
                    seen = platform.emit(ts, "view_profile", "", person, **net)
                elif rng.random() < crew.book.logged_out_share:
                    seen = platform.emit(ts, "view_profile", "", person, **_exit(rng, crew))
                else:
                    net = _network(rng, crew, persona)
                    seen = platform.emit(ts, "view_profile", persona.account_id, person, **net)
                    if rng.random() < 0.3:
                        name = accounts[person].display_name
                        platform.emit(ts - 20, "search", persona.account_id, text=name, **net)
                if seen:
                    crew.op.targets.add(person)
    crew.op.phases.add(RECON)


def _engage(run: Run, after: float) -> list[tuple[str, Account, float]]:
    """A friend request and a lure message per contacted target; some answer."""
    platform, rng, crew = run.platform, run.rng, run.crew
    engaged = []
    for target, persona in run.assignment.items():
        if rng.random() < 0.25:
            continue  # profiled, never contacted
        ts = after + rng.uniform(0, min(6 * DAY, (platform.horizon - after) / 3))
        net = _network(rng, crew, persona)
        if rng.random() < 0.5:
            platform.emit(ts, "friend_request", persona.account_id, target, **net)
            if rng.random() < 0.4:
                accept = ts + rng.uniform(3600, 2 * DAY)
                platform.emit(accept, "friend_accept", target, persona.account_id)
        name = platform.accounts[target].display_name.split()[0]
        text = rng.choice(crew.book.openers).format(name=name, topic=rng.choice(TOPICS))
        if not platform.emit(ts + 120, "message", persona.account_id, target, text=text, **net):
            continue
        crew.op.targets.add(target)
        crew.op.phases.add(ENGAGE)
        reply = ts + rng.uniform(600, DAY)
        answer = chat_text(rng)
        if rng.random() < 0.5 and platform.emit(
            reply, "message", target, persona.account_id, text=answer
        ):
            engaged.append((target, persona, reply))
    return engaged


def _exploit(run: Run, engaged: list[tuple[str, Account, float]]) -> None:
    """A link to the operation's own lure domains, to those who answered."""
    platform, rng, crew = run.platform, run.rng, run.crew
    for target, persona, after in engaged:
        ts = after + rng.uniform(600, 2 * DAY)
        net = _network(rng, crew, persona)
        kind = "message" if rng.random() < 0.7 else "share_link"
        line = rng.choice(crew.book.link_lines)
        if ts >= platform.horizon:
            continue
        url = _link(rng, crew, run.hosted)
        platform.emit(ts, kind, persona.account_id, target, text=line, url=url, **net)
        crew.op.phases.add(EXPLOIT)


def _act_as_crowd(
    platform: Platform,
    rng: random.Random,
    crew: Crew,
    targets: list[str],
    start: float,
    reach: str,
    networks: Networks,
) -> None:
    """Variant ops-as-crowds: each persona, on its own residential address and
    device, sends ONE paraphrased message to one target (with the lure link if the
    operation reached exploitation); reconnaissance is signed out through a rented
    residential-proxy pool. What ties them together is only what they must share: the targets they
    were hired to reach and the lure domains."""
    op, book, accounts = crew.op, crew.book, platform.accounts
    hosted = platform.config.variant.has(Variant.HOSTED_INFRA)
    for target in targets:
        for _ in range(rng.randint(*book.views_per_target)):
            net = _scrape(rng, crew)
            platform.emit(rng.uniform(start, start + 5 * DAY), "view_profile", "", target, **net)
        op.targets.add(target)
    op.phases.add(RECON)
    if reach == RECON:
        return
    for i, persona in enumerate(crew.personas):
        target = targets[i % len(targets)]
        country = accounts[target].country
        net = _proxy(rng, networks, country)
        persona.home_ip, persona.home_asn, persona.country = net["ip"], net["asn"], country
        ts = start + rng.uniform(0, platform.horizon - start - 3600)
        name = accounts[target].display_name.split()[0]
        text = f"{rng.choice(PARAPHRASE)}. " + rng.choice(book.openers).format(
            name=name, topic=rng.choice(TOPICS)
        )
        url = ""
        if reach == EXPLOIT and book.link_lines:
            text += f" {rng.choice(book.link_lines)}"
            url = _link(rng, crew, hosted)
            op.phases.add(EXPLOIT)
        platform.emit(
            ts + 60,
            "message",
            persona.account_id,
            target,
            text=text,
            url=url,
            device_id=persona.devices[0],
            **net,
        )
        op.targets.add(target)
        op.phases.add(ENGAGE)


def _scrape(rng: random.Random, crew: Crew) -> dict:
    ip, asn = rng.choice(crew.proxies)
    return {"ip": ip, "asn": asn, "device_id": crew.scraper, "user_agent": BROWSERS[4]}


def _proxy(rng: random.Random, networks: Networks, country: str) -> dict:
    net = networks.get(country, "residential", rng.randrange(3))
    return {"ip": net.address(rng), "asn": net.asn, "user_agent": rng.choice(BROWSERS)}


def _exit(rng: random.Random, crew: Crew) -> dict:
    ip, asn = rng.choice(crew.exits)
    return {"ip": ip, "asn": asn, "user_agent": BROWSERS[0]}
