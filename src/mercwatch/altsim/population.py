"""The benign population: who is on the platform and how much they do.

Activity is heavy-tailed (Pareto, tail index drawn per seed): most people do a handful
of things in a month, a few do thousands, which is what real platforms look like and
what makes "this account is unusually busy" a weak signal on its own. About 2-4 % of
users carry an at-risk tag (the population operations go after), a few are public
figures with very large audiences, and a seed-drawn share sits behind carrier-grade
NAT, where thousands of phones share a few addresses.
"""

from __future__ import annotations

import random

from mercwatch.altsim.lexicon import COUNTRIES, FIRST, LAST, OUTLETS, WEBMAIL
from mercwatch.altsim.network import Networks, device_id, photo_hash
from mercwatch.altsim.platform import DAY, Account, BenignGroup, Platform

AT_RISK_TAGS = (
    ("journalist", 35),
    ("activist", 20),
    ("human_rights_defender", 10),
    ("politician", 10),
    ("lawyer", 8),
    ("dissident", 5),
    ("executive", 7),
    ("researcher", 5),
)
ACTIVITY_CAP = 600.0


def pick_country(rng: random.Random) -> tuple[str, str]:
    code, cc, _ = rng.choices(COUNTRIES, weights=[w for *_, w in COUNTRIES])[0]
    return code, cc


def full_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def build_population(platform: Platform, networks: Networks) -> list[str]:
    """Create ``config.users`` benign accounts; returns their ids in creation order."""
    rng = platform.config.rng("population")
    knobs = platform.knobs
    carrier_pool = max(2, platform.config.users // 2500)
    nat_group = BenignGroup("carrier_nat", detail=f"{carrier_pool} addresses per carrier")
    ids = []
    for _ in range(platform.config.users):
        country, cc = pick_country(rng)
        account = Account(
            account_id=platform.new_id(rng),
            created_at=_created_at(rng, platform.horizon),
            display_name=full_name(rng),
            country=country,
            phone_cc=cc if rng.random() < 0.6 else "",
            email_domain=rng.choice(WEBMAIL) if rng.random() < 0.7 else "",
            photo_hash=photo_hash(rng) if rng.random() < 0.75 else "",
            activity=min(
                ACTIVITY_CAP, knobs.activity_scale * rng.paretovariate(knobs.activity_alpha) / 2
            ),
            devices=tuple(device_id(rng) for _ in range(rng.choice((1, 1, 1, 2, 2, 3)))),
        )
        if rng.random() < knobs.nat_share:
            net = networks.get(country, "carrier")
            account.home_ip, account.home_asn = net.address(rng, carrier_pool), net.asn
            nat_group.accounts.add(account.account_id)
        else:
            net = networks.get(country, "residential", rng.randrange(3))
            account.home_ip, account.home_asn = net.address(rng), net.asn
        if rng.random() < knobs.at_risk_share:
            tag = rng.choices([t for t, _ in AT_RISK_TAGS], weights=[w for _, w in AT_RISK_TAGS])[0]
            account.tags = (tag,)
            account.activity = max(account.activity, knobs.activity_scale)
            if tag == "journalist":
                account.employer = rng.choice(OUTLETS)[0] if rng.random() < 0.7 else "freelance"
        elif rng.random() < 0.001 + 5 / max(platform.config.users, 1):
            account.tags = ("public_figure",)
            account.activity = ACTIVITY_CAP
        platform.add_account(account)
        ids.append(account.account_id)
    platform.benign_groups.append(nat_group)
    return ids


def _created_at(rng: random.Random, horizon: float) -> float:
    """Most accounts are years old; a few percent sign up during the window."""
    if rng.random() < 0.03:
        return rng.uniform(0, horizon * 0.9)
    return -rng.uniform(2 * DAY, 9 * 365 * DAY)
