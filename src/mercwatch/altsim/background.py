"""Ordinary life on the platform: logins, chats with friends, posts, links, searches.

Each user's number of actions over the window is their (heavy-tailed) activity; they
come in sessions at waking hours of a per-user rhythm. Most contact is with friends;
some is with strangers (a friend of a friend, a public figure), and some strangers'
profiles are viewed, since people look each other up. Logged-out profile views come
from crawlers and people who are not signed in.
"""

from __future__ import annotations

import random

from mercwatch.altsim.lexicon import (
    CHAT_BODIES,
    CHAT_OPENERS,
    DAYS,
    OUTLETS,
    PLACES,
    POPULAR,
    POST_LINES,
    SEARCH_WORDS,
    THINGS,
    TOPICS,
)
from mercwatch.altsim.network import BROWSERS, Networks
from mercwatch.altsim.platform import DAY, Account, Platform


def fill(rng: random.Random, template: str, name: str = "") -> str:
    return template.format(
        day=rng.choice(DAYS),
        place=rng.choice(PLACES),
        thing=rng.choice(THINGS),
        topic=rng.choice(TOPICS),
        name=name or "someone",
    )


def chat_text(rng: random.Random) -> str:
    body = fill(rng, rng.choice(CHAT_BODIES))
    return body if rng.random() < 0.5 else f"{rng.choice(CHAT_OPENERS)} {body}"


def slug(rng: random.Random, length: int = 8) -> str:
    return "".join(rng.choice("abcdefghijkmnpqrstuvwxyz23456789") for _ in range(length))


def everyday_url(rng: random.Random) -> str:
    if rng.random() < 0.35:
        section = rng.choice(("world", "politics", "sport", "culture"))
        return f"https://{rng.choice(OUTLETS)[1]}/{section}/{slug(rng, 10)}"
    return f"https://{rng.choice(POPULAR)}/{slug(rng)}"


def session_times(rng: random.Random, count: int, horizon: float) -> list[float]:
    """Session starts clustered in a personal waking window (offset per user)."""
    offset = rng.uniform(0, DAY)
    out = []
    for _ in range(count):
        day = rng.randrange(int(horizon // DAY))
        hour = rng.triangular(7, 24, 19)
        out.append((day * DAY + hour * 3600 + offset) % horizon)
    return sorted(out)


def simulate_background(
    platform: Platform, adjacency: dict[str, list[str]], networks: Networks
) -> None:
    rng = platform.config.rng("background")
    ids = list(adjacency)
    famous = [a for a in ids if "public_figure" in platform.accounts[a].tags]
    for account_id in ids:
        account = platform.accounts[account_id]
        actions = max(1, int(account.activity))
        sessions = max(1, actions // rng.randint(3, 8))
        browser = rng.choice(BROWSERS)
        friends = adjacency[account_id]
        starts = session_times(rng, sessions, platform.horizon)
        per = max(1, actions // sessions)
        for start in starts:
            if start < account.created_at:
                continue
            net = platform.login(rng, account, start, user_agent=browser)
            t = start
            for _ in range(rng.randint(1, per * 2 - 1) if per > 1 else 1):
                t += rng.expovariate(1 / 90)
                _one_action(platform, rng, account, friends, ids, famous, t, net)
    _logged_out_views(platform, rng, ids, networks)


def _one_action(
    platform: Platform,
    rng: random.Random,
    account: Account,
    friends: list[str],
    ids: list[str],
    famous: list[str],
    t: float,
    net: dict,
) -> None:
    me = account.account_id
    roll = rng.random()
    friend = rng.choice(friends) if friends else rng.choice(ids)
    if roll < 0.30:
        target = _someone_to_look_up(rng, friend, famous, ids)
        if target != me:
            platform.emit(t, "view_profile", me, target, **net)
    elif roll < 0.58:
        platform.emit(t, "message", me, friend, text=chat_text(rng), **net)
    elif roll < 0.70:
        url = everyday_url(rng) if rng.random() < 0.3 else ""
        platform.emit(t, "post", me, "", text=fill(rng, rng.choice(POST_LINES)), url=url, **net)
    elif roll < 0.78:
        target = friend if rng.random() < 0.7 else ""
        platform.emit(t, "share_link", me, target, url=everyday_url(rng), **net)
    elif roll < 0.90:
        name = platform.accounts[rng.choice(ids)].display_name
        platform.emit(t, "search", me, text=fill(rng, rng.choice(SEARCH_WORDS), name), **net)
    elif roll < 0.985:
        # A friend of a friend: people grow their circle during the window too.
        fof = rng.choice(ids)
        if fof != me and fof not in friends:
            platform.emit(t, "friend_request", me, fof, **net)
            if rng.random() < 0.6:
                platform.emit(t + rng.uniform(600, 3 * DAY), "friend_accept", fof, me)
    elif roll < 0.995:
        platform.emit(t, "block", me, rng.choice(ids), **net)
    else:
        platform.emit(t, "report", me, rng.choice(ids), **net)


def _someone_to_look_up(rng: random.Random, friend: str, famous: list[str], ids: list[str]) -> str:
    if rng.random() < 0.6:
        return friend
    if famous and rng.random() < 0.5:
        return rng.choice(famous)
    return rng.choice(ids)


def _logged_out_views(
    platform: Platform, rng: random.Random, ids: list[str], networks: Networks
) -> None:
    """Crawlers and signed-out visitors: a steady trickle onto random profiles,
    more onto public figures and journalists (people look them up)."""
    visible = [a for a in ids if platform.accounts[a].tags]
    for _ in range(len(ids) // 2):
        target = rng.choice(visible) if visible and rng.random() < 0.4 else rng.choice(ids)
        country = platform.accounts[target].country
        kind = "datacenter" if rng.random() < 0.2 else "residential"
        net = networks.get(country if kind == "residential" else "NL", kind, rng.randrange(3))
        platform.emit(
            rng.uniform(0, platform.horizon),
            "view_profile",
            "",
            target,
            ip=net.address(rng),
            asn=net.asn,
            user_agent=rng.choice(BROWSERS),
        )
