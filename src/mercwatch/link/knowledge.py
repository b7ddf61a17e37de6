"""Knowledge the link stage needs, kept as data files beside the code.

Lists like "which e-mail domains are free webmail" change with the world, not with
the algorithm, so they live in ``link/data/`` where anyone can extend them.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources


def _read_list(name: str) -> frozenset[str]:
    text = resources.files("mercwatch.link").joinpath("data", name).read_text("utf-8")
    items = (line.split("#", 1)[0].strip().lower() for line in text.splitlines())
    return frozenset(item for item in items if item)


@lru_cache(maxsize=1)
def webmail_domains() -> frozenset[str]:
    """Free webmail providers (``data/webmail_domains.txt``)."""
    return _read_list("webmail_domains.txt")


@lru_cache(maxsize=1)
def brand_domains() -> frozenset[str]:
    """Registrable domains that well-known services really own.

    Taken from the link engine's brand list (:mod:`mercwatch.linkscore`), so the two
    stages agree on who owns ``wikipedia.org``; plus its reseller zones
    (``br.com``), whose subdomains belong to unrelated registrants.
    """
    from mercwatch.linkscore.knowledge import load  # heavy; only when first needed

    knowledge = load()
    return frozenset(knowledge.legit) | knowledge.resellers


@lru_cache(maxsize=1)
def reseller_zones() -> frozenset[str]:
    """Private suffixes where names are registered, not handed out (``gr.com``).

    Under them a name is its registrant's own domain; under hosting platforms'
    suffixes (``github.io``) it is a free subdomain of shared hosting.
    """
    from mercwatch.linkscore.knowledge import load  # heavy; only when first needed

    return frozenset(load().resellers)
