"""Indicator values in one spelling: normalize, classify, defang.

Published feeds write the same domain as ``Evil.COM.``, ``evil[.]com`` or
``hxxps[:]//evil[.]com``; matching needs one spelling. :func:`normalize` gives it (lower
case, IDNA A-labels, compressed IP addresses, a public suffix required for domains, no
host for ``data:``/``javascript:``/``mailto:``), and every importer and exporter goes
through it (re-exported by :mod:`mercwatch.intel.indicators`).
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit, urlunsplit

import idna

from mercwatch.errors import IntelFormatError
from mercwatch.iocs import fang
from mercwatch.iocs.domains import extractor
from mercwatch.iocs.fang import refang
from mercwatch.iocs.urls import is_network_url, url_scheme
from mercwatch.model import IndicatorType

_HASH_TYPES = {32: IndicatorType.MD5, 40: IndicatorType.SHA1, 64: IndicatorType.SHA256}
_HEX = re.compile(r"^[0-9a-f]+$")
_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
_SCHEME = re.compile(r"^(?P<scheme>[a-z][a-z0-9+.-]*)://", re.IGNORECASE)

_NETWORK_KINDS = frozenset(
    {IndicatorType.DOMAIN, IndicatorType.IPV4, IndicatorType.URL, IndicatorType.EMAIL}
)


def defang(value: str, kind: IndicatorType | None = None) -> str:
    """Make a network value unclickable (``example[.]xyz``, ``hXXps://``), as everywhere.

    The one defang of :mod:`mercwatch.iocs` (ioc-fanger); names and hashes are returned
    as they are, so a file name ``update.apk`` stays readable.

    Args:
        value: a normalized value.
        kind: its type; guessed with :func:`classify` when omitted.
    """
    kind = kind or classify(value)
    return fang.defang(value) if kind in _NETWORK_KINDS else value


def normalize_domain(value: str) -> str:
    """``Evil.COM.`` -> ``evil.com``; IDNA A-labels; a public suffix is required.

    Raises:
        IntelFormatError: not a usable domain, with the reason.
    """
    text = refang(value).strip().rstrip(".").lower()
    if not text or any(c in text for c in "/:@ \t"):
        raise IntelFormatError(value, "not a domain name")
    # Plain ASCII names are their own A-labels; only others need the (slow) IDNA codec.
    if not text.isascii() or "xn--" in text:
        try:
            text = idna.encode(text, uts46=True).decode("ascii")
        except idna.IDNAError as exc:
            raise IntelFormatError(value, f"not a valid domain name ({exc})") from exc
    labels = text.split(".")
    if len(text) > 253 or not all(_LABEL.match(label) for label in labels):
        raise IntelFormatError(value, "not a valid domain name")
    parts = extractor()(text)
    if not parts.suffix:
        raise IntelFormatError(value, "no public suffix")
    if not parts.domain:
        raise IntelFormatError(value, "is a public suffix itself, not a domain")
    return text


def normalize_ip(value: str) -> str:
    """Compressed form of an IPv4 or IPv6 address (``2001:DB8:0::1`` -> ``2001:db8::1``)."""
    text = refang(value).strip().strip("[]")
    try:
        return ipaddress.ip_address(text).compressed
    except ValueError as exc:
        raise IntelFormatError(value, "not an IP address") from exc


def normalize_url(value: str) -> str:
    """Lower-case scheme and host, normalized host, ``/`` for an empty path.

    A URL written without a scheme (``evil.com/login``) is read as ``http://``.
    """
    text = refang(value).strip()
    scheme = url_scheme(text)
    if scheme is not None and not is_network_url(text):
        raise IntelFormatError(value, f"not a network URL (scheme {scheme!r} has no host)")
    if not _SCHEME.match(text):
        text = "http://" + text
    parts = urlsplit(text)
    try:
        host = parts.hostname or ""
        port = parts.port
    except ValueError as exc:
        raise IntelFormatError(value, f"not a valid URL ({exc})") from exc
    if not host:
        raise IntelFormatError(value, "URL has no host")
    try:
        host = normalize_ip(host)
        host = f"[{host}]" if ":" in host else host
    except IntelFormatError:
        host = normalize_domain(host)
    netloc = host if port is None else f"{host}:{port}"
    if parts.username or parts.password:
        netloc = parts.netloc.rpartition("@")[0] + "@" + netloc
    return urlunsplit(
        (parts.scheme.lower(), netloc, parts.path or "/", parts.query, parts.fragment)
    )


def normalize_email(value: str) -> str:
    """``Spy@Evil.COM`` -> ``spy@evil.com`` (domain normalized like any domain)."""
    local, at, domain = refang(value).strip().rpartition("@")
    if not at or not local or any(c.isspace() for c in local):
        raise IntelFormatError(value, "not an e-mail address")
    return f"{local.lower()}@{normalize_domain(domain)}"


def normalize_hash(value: str, kind: IndicatorType | None = None) -> str:
    """Lower-case hex digest; its length must fit ``kind`` (or decides it)."""
    text = value.strip().lower()
    expected = _HASH_TYPES.get(len(text))
    if not _HEX.match(text) or expected is None or (kind is not None and kind is not expected):
        raise IntelFormatError(value, f"not a {kind.value if kind else 'hash'} digest")
    return text


def normalize(kind: IndicatorType, value: str) -> str:
    """The one spelling of ``value`` used for storage and matching.

    Raises:
        IntelFormatError: the value is not a valid ``kind``; ``reason`` says why.
    """
    if kind is IndicatorType.DOMAIN:
        return normalize_domain(value)
    if kind in (IndicatorType.IPV4, IndicatorType.IPV6):
        text = normalize_ip(value)
        if (":" in text) != (kind is IndicatorType.IPV6):
            raise IntelFormatError(value, f"not an {kind.value} address")
        return text
    if kind is IndicatorType.URL:
        return normalize_url(value)
    if kind is IndicatorType.EMAIL:
        return normalize_email(value)
    if kind in (IndicatorType.MD5, IndicatorType.SHA1, IndicatorType.SHA256):
        return normalize_hash(value, kind)
    text = value.strip()
    if not text:
        raise IntelFormatError(value, "empty value")
    return text


def classify(value: str) -> IndicatorType | None:
    """Guess the type of a bare value from a plain list; None when it is none of ours."""
    guessed = guess(value)
    return guessed[0] if guessed else None


def guess(value: str) -> tuple[IndicatorType, str] | None:
    """Type and normalized value of a bare value, or None when it is none of ours.

    Raises:
        IntelFormatError: the value has a recognisable type but is not valid as one
            (``http://`` with no host, an e-mail with a bad domain).
    """
    text = refang(value).strip()
    try:
        address = normalize_ip(text)
        return (IndicatorType.IPV6 if ":" in address else IndicatorType.IPV4), address
    except IntelFormatError:
        pass
    if _SCHEME.match(text) or ("/" in text and "@" not in text):
        return IndicatorType.URL, normalize_url(text)
    if "@" in text:
        return IndicatorType.EMAIL, normalize_email(text)
    if _HEX.match(text.lower()) and len(text) in _HASH_TYPES:
        return _HASH_TYPES[len(text)], text.lower()
    try:
        return IndicatorType.DOMAIN, normalize_domain(text)
    except IntelFormatError:
        return None
