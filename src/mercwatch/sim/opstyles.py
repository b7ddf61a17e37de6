"""How each kind of surveillance-for-hire firm behaves, as data.

One :class:`Style` per firm type Meta described in Dec 2021. The generator reads only
these knobs, so a new style is a new table entry, not new code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Style:
    """Behaviour of one kind of operation.

    Attributes:
        actor: style name written to ``truth.json`` (e.g. ``"Cytrox-like"``).
        accounts: min/max fake accounts.
        targets: min/max primary targets.
        recon, engage, exploit: probability that the operation runs each phase.
        scraping: logged-out collection from the operation's own addresses.
        regular: automated, evenly spaced timing in list order (collection tools).
        family: also befriend the targets' family and close contacts.
        personas: persona kinds (keys of ``personas`` in the vocabulary).
        domain_styles: :class:`~mercwatch.sim.domains.DomainForge` methods for links.
        hijack: share of accounts that are compromised long-standing accounts.
        share_links: exploitation by ``share_link`` instead of messages, probability.
        scripts: vocabulary keys of the engagement and exploitation message scripts.
    """

    actor: str
    accounts: tuple[int, int]
    targets: tuple[int, int]
    recon: float
    engage: float
    exploit: float
    scraping: bool = False
    regular: bool = False
    family: bool = False
    personas: tuple[str, ...] = ("student",)
    domain_styles: tuple[str, ...] = ()
    hijack: float = 0.0
    share_links: float = 0.0
    scripts: tuple[str, str] = ("persona_messages", "lure_messages")


STYLES: tuple[Style, ...] = (
    Style(
        "Cobwebs-like",
        (3, 10),
        (10, 40),
        recon=1.0,
        engage=0.35,
        exploit=0.0,
        scraping=True,
        regular=True,
        personas=("student", "ngo"),
    ),
    Style(
        "Cognyte-like",
        (4, 12),
        (8, 30),
        recon=1.0,
        engage=0.9,
        exploit=0.2,
        scraping=True,
        regular=True,
        personas=("journalist", "recruiter", "ngo"),
        domain_styles=("update_service", "brand_combo"),
    ),
    Style(
        "BlackCube-like",
        (3, 8),
        (3, 10),
        recon=0.7,
        engage=1.0,
        exploit=0.0,
        family=True,
        personas=("student", "ngo", "film"),
    ),
    Style(
        "BellTroX-like",
        (2, 6),
        (5, 25),
        recon=0.5,
        engage=1.0,
        exploit=1.0,
        personas=("journalist", "politician"),
        hijack=0.3,
        domain_styles=("brand_subdomain", "brand_combo", "shortener_spoof"),
        scripts=("persona_messages", "phish_messages"),
    ),
    Style(
        "Cytrox-like",
        (2, 8),
        (5, 30),
        recon=0.4,
        engage=0.8,
        exploit=1.0,
        personas=("journalist", "ngo"),
        hijack=0.4,
        share_links=0.3,
        domain_styles=(
            "news_typo",
            "news_combo",
            "news_homoglyph",
            "shortener_spoof",
            "update_service",
        ),
    ),
)

#: Event types that put an operation in each phase (SCHEMA.md / DESIGN.md kill chain).
RECON_TYPES = frozenset({"view_profile", "search"})
ENGAGE_TYPES = frozenset({"friend_request", "message"})
