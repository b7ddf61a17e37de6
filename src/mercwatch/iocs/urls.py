"""URL parts, and which URLs have a host at all.

Only network URLs (``http``, ``https``, ``ftp``, ``ftps``, ``ws``, ``wss``, or a bare
``host[:port]/path``) have a host that can be a domain. ``data:``, ``javascript:``,
``mailto:``, ``tel:``, ``file:``, ``blob:``, ``about:`` and every other scheme name a
resource, not a server: reading ``data:text/html,...`` like ``host:port`` made ``data``
a "domain" and then a ``block_domain "data"`` action (issue 10, finding 10).

:data:`HOST_PATTERN` is the same rule as a regular expression for the query engines
(DuckDB's RE2 and Spark's Java regex both accept it, like Python's ``re``), so the
engine-side host of a link and :func:`url_host` agree (tests/iocs/test_urls.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

NETWORK_SCHEMES = frozenset({"http", "https", "ftp", "ftps", "ws", "wss"})

# Group 1 is the host: after a network scheme (and optional userinfo), or at the very
# start of a bare "host[:port][/...]". A host must be followed by a port, a path,
# query or fragment, or the end: "data:text/html" or "mailto:a@b" match nothing.
HOST_PATTERN = (
    r"(?i)^\s*(?:(?:https?|ftps?|wss?)://(?:[^@/?#\s]*@)?)?"
    r"([^/:?#\s@\[\]]+)(?::[0-9]{1,5})?(?:[/?#]|\s*$)"
)
_HOST = re.compile(HOST_PATTERN)
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_PORT_AFTER = re.compile(r"^[0-9]{1,5}(?:[/?#]|$)")


def url_scheme(text: str) -> str | None:
    """The scheme of ``text`` (lower case), or None for a bare ``host[:port]/path``."""
    match = _SCHEME.match(text.strip())
    if match is None:
        return None
    rest = text.strip()[match.end() :]
    if not rest.startswith("//") and _PORT_AFTER.match(rest):
        return None  # "evil.com:8080/x": a host and a port, not a scheme
    return match.group(1).lower()


def is_network_url(text: str) -> bool:
    """Whether ``text`` can name a server: a network scheme, or none at all."""
    scheme = url_scheme(text)
    return scheme is None or (scheme in NETWORK_SCHEMES and "://" in text)


def url_host(text: str) -> str:
    """Lower-case host of a URL or bare domain, no trailing dot; "" when it has none.

    The Python twin of :data:`HOST_PATTERN` (same expression, same result).
    """
    match = _HOST.match(text)
    return match.group(1).lower().rstrip(".") if match else ""


@dataclass(frozen=True, slots=True)
class UrlParts:
    """A network URL split: ``scheme`` is "" for a bare ``host/path``."""

    scheme: str
    userinfo: str
    host: str
    port: int | None
    path: str
    query: str
    fragment: str


def split_url(text: str) -> UrlParts | None:
    """The parts of a network URL; None for any other scheme or text with no host.

    Raises:
        ValueError: the text looks like a network URL but is malformed (a bad port).
    """
    text = text.strip()
    if not text or not is_network_url(text):
        return None
    scheme = url_scheme(text) or ""
    if not scheme and "@" in re.split(r"[/?#]", text, maxsplit=1)[0]:
        return None  # "user@evil.com" is an address, not a URL (as HOST_PATTERN reads it)
    parts = urlsplit(text if scheme else "http://" + text)
    host = (parts.hostname or "").rstrip(".")
    if not host:
        return None
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    return UrlParts(scheme, userinfo, host, parts.port, parts.path, parts.query, parts.fragment)
