"""Indicators and hosts: the one low-level module every stage uses.

Intel (import and export), link, linkscore and the report used to carry their own
refang/defang, Public Suffix List readers, URL host rules and webmail lists, and they
disagreed (issue 12). Everything about the *spelling* of an indicator lives here now:

- :mod:`.fang`: refang / defang, via ioc-fanger;
- :mod:`.normalize`: the one spelling of a domain, IP, URL, e-mail or hash;
- :mod:`.domains`: the one tldextract extractor (bundled PSL, private suffixes on),
  registrable domains, the webmail list;
- :mod:`.urls`: which URLs have a host (network schemes only), URL parts, the host
  rule as Python and as an engine regex;
- :mod:`.identity`: finding a target's identity in a value, however spelled;
- :mod:`.shareable`: what of a URL may leave the building.
"""

from __future__ import annotations

from mercwatch.iocs.domains import extractor, registrable_domain, webmail_domains
from mercwatch.iocs.fang import defang, refang
from mercwatch.iocs.identity import IdentityMatcher, fold
from mercwatch.iocs.shareable import shareable_text, shareable_url
from mercwatch.iocs.urls import (
    HOST_PATTERN,
    NETWORK_SCHEMES,
    UrlParts,
    is_network_url,
    split_url,
    url_host,
    url_scheme,
)

__all__ = [
    "HOST_PATTERN",
    "NETWORK_SCHEMES",
    "IdentityMatcher",
    "UrlParts",
    "defang",
    "extractor",
    "fold",
    "is_network_url",
    "refang",
    "registrable_domain",
    "shareable_text",
    "shareable_url",
    "split_url",
    "url_host",
    "url_scheme",
    "webmail_domains",
]
