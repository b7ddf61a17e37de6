"""Knowledge the link stage needs, kept as data files beside the code.

The webmail list is :func:`mercwatch.iocs.webmail_domains`, the one list shared
with the intel exporter.
"""

from __future__ import annotations

from functools import lru_cache


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
