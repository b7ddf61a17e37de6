"""Authentic coordination: named benign classes that LOOK coordinated and are not.

A script is few senders reaching many strangers with a lure; a crowd is many
independent senders each acting once, or a real group sharing real infrastructure.
Each class below is a thing that happens on every large platform; each is recorded as
a :class:`BenignGroup` in ``truth.json`` (``benign_groups``) so an evaluation can ask
whether it was mistaken for an operation. Sizes scale with the platform and a per-seed
knob. Under the ``crowds-as-scripts`` variant the crowds send one verbatim template in
a burst of minutes, the way a campaign tool or a viral call-to-action does.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from mercwatch.altsim.background import chat_text, slug
from mercwatch.altsim.config import Variant
from mercwatch.altsim.lexicon import FIRST, OUTLETS, POPULAR, TOPICS
from mercwatch.altsim.network import BROWSERS, Networks, device_id, photo_hash
from mercwatch.altsim.platform import DAY, Account, BenignGroup, Platform
from mercwatch.altsim.population import full_name, pick_country

BENIGN_CLASSES = (
    "source_crowd",
    "petition_campaign",
    "celebrity_fans",
    "office_team",
    "family_devices",
    "campus_nat",
    "carrier_nat",
    "agency_templates",
    "spam_links",
    "viral_link",
)


@dataclass(slots=True)
class Ctx:
    platform: Platform
    rng: random.Random
    ids: list[str]
    adjacency: dict[str, list[str]]
    networks: Networks
    scale: float
    scripted: bool  # crowds-as-scripts variant
    claimed: set[str] = field(default_factory=set)  # given a workplace or a home already

    def size(self, low: int, high: int) -> int:
        return max(3, round(self.rng.randint(low, high) * self.scale))

    def tagged(self, *tags: str) -> list[str]:
        return [a for a in self.ids if set(self.platform.accounts[a].tags) & set(tags)]

    def recruit(self, count: int) -> list[str]:
        """Accounts not yet given a workplace or home by another class (one job and one
        household each), now claimed."""
        chosen = self.strangers(count, self.claimed)
        self.claimed.update(chosen)
        return chosen

    def strangers(self, count: int, exclude: set[str]) -> list[str]:
        sample = self.rng.sample(self.ids, min(len(self.ids), count * 2 + 10))
        accounts = self.platform.accounts
        return [a for a in sample if a not in exclude and accounts[a].created_at < 0][:count]

    def when(self, start: float, spread: float) -> float:
        """A time after ``start``: a burst of minutes when scripted, else a decay."""
        if self.scripted:
            return start + self.rng.uniform(0, 20 * 60)
        return start + self.rng.expovariate(1 / spread)

    def rehome(self, account: Account, ip: str, asn: int) -> None:
        """Move an account to another home network (a household, a campus); it is no
        longer one of the carrier-NAT crowd."""
        account.home_ip, account.home_asn = ip, asn
        for group in self.platform.benign_groups:
            if group.benign_class == "carrier_nat":
                group.accounts.discard(account.account_id)

    def session(self, account_id: str, ts: float) -> dict:
        account = self.platform.accounts[account_id]
        return self.platform.login(self.rng, account, ts - 30, user_agent=self.rng.choice(BROWSERS))


def source_crowd(ctx: Ctx) -> BenignGroup:
    """Readers and sources answer a journalist's public call for tips with the words
    the call suggested; each writes once."""
    p, rng = ctx.platform, ctx.rng
    journalists = ctx.tagged("journalist")[: rng.randint(1, 3)] or ctx.ids[:1]
    topic = rng.choice(TOPICS)
    phrase = f"I have information about {topic}. Can we talk privately?"
    group = BenignGroup("source_crowd", detail=phrase)
    start = rng.uniform(0, p.horizon * 0.6)
    for sender in ctx.strangers(ctx.size(40, 140), set(journalists)):
        target = rng.choice(journalists)
        ts = ctx.when(start, 2 * DAY)
        text = phrase if ctx.scripted or rng.random() < 0.7 else f"{phrase} {chat_text(rng)}"
        url = f"https://filedrop.cloud/{slug(rng)}" if rng.random() < 0.1 else ""
        p.emit(ts, "message", sender, target, text=text, url=url, **ctx.session(sender, ts))
        group.accounts.add(sender)
        group.contacted.add(target)
    return group


def petition_campaign(ctx: Ctx) -> BenignGroup:
    """Copy-paste activism: the same text and petition link, posted on or sent to
    politicians, once per supporter."""
    p, rng = ctx.platform, ctx.rng
    politicians = ctx.tagged("politician")[: rng.randint(1, 4)] or ctx.ids[:2]
    url = f"https://petitionhub.org/p/{slug(rng, 10)}"
    text = f"Stop {rng.choice(TOPICS)} now! Sign and share: #{rng.choice(FIRST).lower()}4all"
    group = BenignGroup("petition_campaign", detail=text)
    start = rng.uniform(0, p.horizon * 0.7)
    for sender in ctx.strangers(ctx.size(60, 250), set(politicians)):
        target = rng.choice(politicians)
        ts = ctx.when(start, 3 * DAY)
        net = ctx.session(sender, ts)
        kind = "post" if rng.random() < 0.6 else "message"
        p.emit(ts, kind, sender, target, text=text, url=url, **net)
        group.accounts.add(sender)
        group.contacted.add(target)
    return group


def celebrity_fans(ctx: Ctx) -> BenignGroup:
    """Fans of a celebrity view, befriend and message them with the same words."""
    p, rng = ctx.platform, ctx.rng
    stars = ctx.tagged("public_figure") or ctx.ids[:1]
    star = rng.choice(stars)
    name = p.accounts[star].display_name.split()[0]
    text = f"{name} I love your music!! please follow back"
    group = BenignGroup("celebrity_fans", detail=text)
    start = rng.uniform(0, p.horizon * 0.8)
    for fan in ctx.strangers(ctx.size(80, 300), {star}):
        ts = ctx.when(start, 4 * DAY)
        net = ctx.session(fan, ts)
        p.emit(ts, "view_profile", fan, star, **net)
        if rng.random() < 0.5:
            p.emit(ts + 40, "friend_request", fan, star, **net)
        p.emit(ts + 90, "message", fan, star, text=text, **net)
        group.accounts.add(fan)
    group.contacted.add(star)
    return group


def office_team(ctx: Ctx) -> BenignGroup:
    """A newsroom or NGO team: one office network, one employer, templated outreach to
    sources, and a lot of profile research on people in the news."""
    p, rng = ctx.platform, ctx.rng
    outlet = rng.choice(OUTLETS)[0] if rng.random() < 0.6 else f"{rng.choice(FIRST)} Rights Watch"
    office = ctx.networks.get(rng.choice(("GB", "DE", "KE", "BR")), "office", rng.randrange(9))
    office_ip = office.address(rng, 2)
    team = ctx.recruit(ctx.size(6, 20))
    group = BenignGroup("office_team", detail=outlet)
    topic = rng.choice(TOPICS)
    template = f"Hi, I'm a reporter at {outlet} working on a story about {topic}. Could we talk?"
    tag = "journalist" if "Rights" not in outlet else "human_rights_defender"
    public = ctx.tagged("politician", "executive", "public_figure") or ctx.ids
    for member in team:
        account = p.accounts[member]
        account.employer, account.tags = outlet, (tag,)
        group.accounts.add(member)
        for colleague in rng.sample(team, min(4, len(team))):
            p.befriend(member, colleague, -rng.uniform(30 * DAY, 900 * DAY))
        for _ in range(rng.randint(3, 12)):
            ts = rng.uniform(0, p.horizon)
            net = p.login(rng, account, ts, ip=office_ip, asn=office.asn)
            for person in rng.sample(public, min(len(public), rng.randint(2, 8))):
                ts += rng.uniform(20, 300)
                p.emit(ts, "view_profile", member, person, **net)
                p.emit(ts + 5, "search", member, text=p.accounts[person].display_name, **net)
            for source in ctx.strangers(rng.randint(0, 3), set(team)):
                ts += rng.uniform(60, 900)
                p.emit(ts, "message", member, source, text=template, **net)
                group.contacted.add(source)
            colleague = rng.choice(team)
            if colleague != member:
                p.emit(ts + 60, "message", member, colleague, text=chat_text(rng), **net)
    return group


def family_devices(ctx: Ctx) -> BenignGroup:
    """Households: 2-5 accounts on one shared tablet and one home address."""
    p, rng = ctx.platform, ctx.rng
    group = BenignGroup("family_devices")
    for _ in range(max(2, len(ctx.ids) // 150)):
        members = ctx.recruit(rng.randint(2, 5))
        if len(members) < 2:
            continue
        tablet, head = device_id(rng), p.accounts[members[0]]
        for m in members:
            acc = p.accounts[m]
            if m != head.account_id:
                ctx.rehome(acc, head.home_ip, head.home_asn)
            acc.devices = (tablet, *acc.devices)
            acc.country = head.country
            for other in members:
                p.befriend(m, other, -rng.uniform(DAY, 2000 * DAY))
            for _ in range(rng.randint(1, 4)):
                ts = rng.uniform(0, p.horizon)
                net = p.login(rng, acc, ts, device_id=tablet)
                other = rng.choice(members)
                if other != m:
                    p.emit(ts + 60, "message", m, other, text=chat_text(rng), **net)
            group.accounts.add(m)
    return group


def campus_nat(ctx: Ctx) -> BenignGroup:
    """A university: hundreds of students behind a handful of addresses."""
    p, rng = ctx.platform, ctx.rng
    campus = ctx.networks.get(rng.choice(("US", "IN", "TR", "MX")), "campus", rng.randrange(5))
    pool = rng.randint(4, 16)
    group = BenignGroup("campus_nat", detail=f"{pool} addresses")
    students = ctx.recruit(ctx.size(100, 400))
    for s in students:
        acc = p.accounts[s]
        ctx.rehome(acc, campus.address(rng, pool), campus.asn)
        group.accounts.add(s)
        for _ in range(rng.randint(1, 5)):
            ts = rng.uniform(0, p.horizon)
            net = p.login(rng, acc, ts)
            peer = rng.choice(students)
            if peer != s:
                p.emit(ts + 30, "view_profile", s, peer, **net)
                p.emit(ts + 90, "message", s, peer, text=chat_text(rng), **net)
    return group


def agency_templates(ctx: Ctx) -> BenignGroup:
    """A marketing agency: a few staff on one office network and shared laptops send
    the same pitch and client link to many influencers and journalists. Spammy, but a
    real business whose client link many customers also share."""
    p, rng = ctx.platform, ctx.rng
    client = rng.choice(POPULAR[:10])
    staff = ctx.recruit(rng.randint(3, 8))
    office = ctx.networks.get("US", "office", 10 + rng.randrange(5))
    office_ip, laptops = office.address(rng, 2), [device_id(rng) for _ in range(2)]
    pitch = f"Hi! We'd love to send you a free gift from {client.split('.')[0]} - details here"
    group = BenignGroup("agency_templates", detail=client)
    audience = ctx.tagged("public_figure", "journalist") + ctx.strangers(80, set())
    for member in staff:
        acc = p.accounts[member]
        acc.employer = "Brightwave Media (marketing)"
        group.accounts.add(member)
        ts = rng.uniform(0, p.horizon * 0.8)
        net = p.login(rng, acc, ts, ip=office_ip, asn=office.asn, device_id=rng.choice(laptops))
        for person in rng.sample(audience, min(len(audience), rng.randint(15, 50))):
            ts += rng.uniform(30, 600)
            url = f"https://{client}/promo/{slug(rng, 6)}"
            p.emit(ts, "message", member, person, text=pitch, url=url, **net)
            group.contacted.add(person)
    for customer in ctx.strangers(ctx.size(20, 60), set(staff)):
        ts = rng.uniform(0, p.horizon)
        p.emit(
            ts,
            "post",
            customer,
            "",
            text="love this!",
            url=f"https://{client}/{slug(rng)}",
            **ctx.session(customer, ts),
        )
    return group


def spam_links(ctx: Ctx) -> BenignGroup:
    """Spam: throwaway accounts on datacenter addresses send random links on random
    cheap domains to anyone, at-risk people included. Abuse, not surveillance-for-hire:
    no persona, no reconnaissance, no target selection; never an operation in truth."""
    p, rng = ctx.platform, ctx.rng
    group = BenignGroup("spam_links")
    for _ in range(rng.randint(1, 4)):
        country, cc = pick_country(rng)
        net = ctx.networks.get("US", "datacenter", 20 + rng.randrange(5))
        spammer = p.add_account(
            Account(
                account_id=p.new_id(rng),
                created_at=rng.uniform(0, p.horizon * 0.3),
                display_name=full_name(rng),
                country=country,
                phone_cc=cc,
                photo_hash=photo_hash(rng),
                home_ip=net.address(rng),
                home_asn=net.asn,
                devices=(device_id(rng),),
            )
        )
        group.accounts.add(spammer.account_id)
        ts = spammer.created_at + rng.uniform(DAY, 3 * DAY)
        session = p.login(rng, spammer, ts)
        for victim in ctx.strangers(ctx.size(50, 200), set()):
            ts += rng.expovariate(1 / 120)
            domain = f"{slug(rng, 6)}.{rng.choice(('top', 'xyz', 'icu', 'click', 'shop'))}"
            text = rng.choice(
                ("you won a prize!!", "hot deals", "check this", "earn $$$ from home")
            )
            p.emit(
                ts,
                "message",
                spammer.account_id,
                victim,
                text=text,
                url=f"http://{domain}/",
                **session,
            )
            group.contacted.add(victim)
    return group


def viral_link(ctx: Ctx) -> BenignGroup:
    """A news story goes viral: hundreds share one article within a day or two."""
    p, rng = ctx.platform, ctx.rng
    url = f"https://{rng.choice(OUTLETS)[1]}/politics/{slug(rng, 12)}"
    group = BenignGroup("viral_link", detail=url)
    start = rng.uniform(0, p.horizon * 0.8)
    for sharer in ctx.strangers(ctx.size(150, 500), set()):
        ts = ctx.when(start, DAY / 2)
        friends = ctx.adjacency.get(sharer) or [""]
        target = rng.choice(friends) if rng.random() < 0.4 else ""
        p.emit(
            ts, "share_link", sharer, target, url=url, text="read this", **ctx.session(sharer, ts)
        )
        group.accounts.add(sharer)
    return group


def add_crowds(
    platform: Platform, ids: list[str], adjacency: dict[str, list[str]], networks: Networks
) -> None:
    """Every class at least once; the crowd classes 1-3 times (seed-drawn)."""
    rng = platform.config.rng("crowds")
    ctx = Ctx(
        platform,
        rng,
        ids,
        adjacency,
        networks,
        scale=platform.knobs.crowd_scale * min(3.0, (len(ids) / 10_000) ** 0.5),
        scripted=platform.config.variant.has(Variant.CROWDS_AS_SCRIPTS),
    )
    makers = {
        "source_crowd": (source_crowd, 3),
        "petition_campaign": (petition_campaign, 2),
        "celebrity_fans": (celebrity_fans, 2),
        "office_team": (office_team, 3),
        "family_devices": (family_devices, 1),
        "campus_nat": (campus_nat, 2),
        "agency_templates": (agency_templates, 2),
        "spam_links": (spam_links, 1),
        "viral_link": (viral_link, 2),
    }
    for make, most in makers.values():
        for _ in range(rng.randint(1, most)):
            platform.benign_groups.append(make(ctx))
