"""Lure domains an operation registers, in the styles the public reports describe.

Styles (Meta, "Threat Report on the Surveillance-for-Hire Industry", Dec 2021; Citizen
Lab and Amnesty reporting on Predator/Cytrox): look-alikes of news outlets the targets
read, look-alikes of URL shorteners, account/login pages of everyday services, front
organisations (NGOs, film and research companies), fake app download pages, and
government-portal look-alikes. Everything imitated is an INVENTED brand from
:mod:`mercwatch.altsim.lexicon`; the mutations (typos, hyphens, added words, other
TLDs) are generic, not copied from any real operation's list.
"""

from __future__ import annotations

import random

from mercwatch.altsim.lexicon import HOSTING, OUTLETS, POPULAR, PUBLIC_SHORTENER, WEBMAIL

CHEAP_TLDS = ("info", "live", "online", "site", "news", "net", "org", "co", "xyz", "click")
WORDS = (
    "daily",
    "update",
    "breaking",
    "secure",
    "verify",
    "portal",
    "media",
    "press",
    "global",
    "report",
    "online",
    "center",
    "today",
    "hub",
    "files",
    "docs",
    "cloud",
    "access",
)
FRONT_NOUNS = ("horizon", "bridge", "compass", "atlas", "meridian", "lumen", "harvest", "civic")
FRONT_KINDS = ("foundation", "films", "research", "institute", "studios", "initiative", "partners")


def _stem(domain: str) -> tuple[str, str]:
    name, _, tld = domain.partition(".")
    return name, tld


def typo(rng: random.Random, word: str) -> str:
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:  # drop a letter
        return word[:i] + word[i + 1 :]
    if kind == 1:  # double a letter
        return word[:i] + word[i] + word[i:]
    if kind == 2:  # swap neighbours
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    return (
        word[:i]
        + {"o": "0", "l": "1", "i": "1", "e": "3"}.get(word[i], word[i] + "s")
        + word[i + 1 :]
    )


def news_lookalike(rng: random.Random) -> str:
    name, _ = _stem(rng.choice(OUTLETS)[1])
    style = rng.randrange(4)
    if style == 0:
        return f"{typo(rng, name)}.{rng.choice(CHEAP_TLDS)}"
    if style == 1:
        return f"{name}-{rng.choice(WORDS)}.{rng.choice(CHEAP_TLDS)}"
    if style == 2:
        return f"{rng.choice(WORDS)}-{name}.{rng.choice(CHEAP_TLDS)}"
    return f"{name}.{rng.choice(('news', 'live', 'info'))}"


def shortener_lookalike(rng: random.Random) -> str:
    name, tld = _stem(PUBLIC_SHORTENER)
    if rng.random() < 0.5:
        return f"{typo(rng, name)}.{rng.choice(CHEAP_TLDS)}"
    prefix = rng.choice(("lnk", "shrt", "go", "tiny", "url"))
    return f"{prefix}{rng.choice(WORDS)}.{rng.choice(CHEAP_TLDS)}"


def service_lookalike(rng: random.Random) -> str:
    brand, _ = _stem(rng.choice(WEBMAIL + POPULAR[:6]))
    return (
        f"{rng.choice(('accounts', 'login', 'secure', 'verify'))}-{brand}.{rng.choice(CHEAP_TLDS)}"
    )


def front_org(rng: random.Random) -> str:
    tld = rng.choice(("org", "com", "net", "studio"))
    return f"{rng.choice(FRONT_NOUNS)}{rng.choice(FRONT_KINDS)}.{tld}"


def app_download(rng: random.Random) -> str:
    verb, shop = rng.choice(("get", "app", "download")), rng.choice(("store", "market", "apps"))
    return f"{verb}-{rng.choice(WORDS)}{shop}.{rng.choice(CHEAP_TLDS)}"


def gov_lookalike(rng: random.Random) -> str:
    office = rng.choice(("ministry", "gov", "visa", "tax"))
    return f"{office}-{rng.choice(WORDS)}-portal.{rng.choice(CHEAP_TLDS)}"


STYLES = {
    "news": news_lookalike,
    "shortener": shortener_lookalike,
    "service": service_lookalike,
    "front": front_org,
    "app": app_download,
    "gov": gov_lookalike,
}


def lure_domains(
    rng: random.Random, styles: tuple[str, ...], count: int, hosted: bool
) -> list[str]:
    """``count`` distinct lure hostnames. ``hosted``: sub-sites of shared hosting
    platforms (the adversarial variant) instead of registered domains."""
    out: list[str] = []
    while len(out) < count:
        domain = STYLES[rng.choice(styles)](rng)
        if hosted:
            domain = f"{domain.split('.')[0]}.{rng.choice(HOSTING)}"
        if domain not in out and domain.split(".", 1)[-1] not in POPULAR:
            out.append(domain)
    return out


def lure_url(rng: random.Random, domain: str) -> str:
    path = rng.choice(("article", "doc", "v", "s", "share", "read", "file", "id"))
    token = "".join(
        rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(rng.randint(5, 10))
    )
    return f"https://{domain}/{path}/{token}"
