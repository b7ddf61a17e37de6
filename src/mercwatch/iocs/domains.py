"""Registrable domains and the webmail list, from one Public Suffix List reader.

There is exactly one ``tldextract`` extractor in mercwatch. It reads only the PSL
snapshot shipped inside the tldextract wheel (``suffix_list_urls=()``): the default
constructor downloads the list and writes a cache into the home folder, and nothing
may reach the internet at run time. Private suffixes are ON (``github.io``,
``blogspot.com``, ``gr.com``): their subdomains belong to unrelated registrants, so
``alice.github.io`` and ``bob.github.io`` are two domains, and ``github.io`` alone is a
platform, never an operation's indicator.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import tldextract


@cache
def extractor() -> tldextract.TLDExtract:
    """The one PSL reader: bundled snapshot, private suffixes on, no network, no cache."""
    return tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
    )


def registrable_domain(host: str) -> str:
    """The domain a registrant controls (``evil.co.uk`` for ``a.evil.co.uk``).

    A suffix missing from the list (reserved ``.example``, a brand-new TLD) is taken
    to be the last label; IP literals and single labels stay as they are.
    """
    parts = extractor()(host)
    if parts.top_domain_under_public_suffix:
        return parts.top_domain_under_public_suffix
    labels = host.split(".")
    if len(labels) < 2 or all(label.isdigit() for label in labels) or ":" in host:
        return host
    return ".".join(labels[-2:])


def _read_list(name: str) -> frozenset[str]:
    text = resources.files("mercwatch.iocs").joinpath("data", name).read_text("utf-8")
    items = (line.split("#", 1)[0].strip().lower() for line in text.splitlines())
    return frozenset(item for item in items if item)


@cache
def webmail_domains() -> frozenset[str]:
    """Free webmail and mail-forwarding providers (``data/webmail_domains.txt``).

    A shared registration address on one of these ties no accounts together (link),
    and the provider is never an operation's own infrastructure (intel export).
    """
    return _read_list("webmail_domains.txt")


@cache
def path_words() -> frozenset[str]:
    """Words a URL path may show when shared (``data/path_words.txt``); see shareable."""
    return _read_list("path_words.txt")
