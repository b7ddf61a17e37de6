"""Turn one line of text into a host we can reason about, offline, or say why not.

Accepts bare domains, URLs (the network schemes of :mod:`mercwatch.iocs`, and the
defanged forms feeds use: ``hxxp://``, ``example[.]com``, ``evil(dot)com``, refanged
by :func:`mercwatch.iocs.refang`), Unicode hosts and punycode. The Public Suffix List
reader is :func:`mercwatch.iocs.extractor` (the bundled snapshot, private suffixes on,
so ``name.gr.com`` and ``name.github.io`` are registrable domains of their own).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

import idna

from mercwatch.iocs import NETWORK_SCHEMES, extractor, refang
from mercwatch.linkscore.wordsplit import split_letters

_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")
_LABEL_RE = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
_MAX_INPUT = 4096
#: 2+ labels, each one :data:`_LABEL_RE` would accept (one C pass over the value).
_BARE_HOST = re.compile(
    r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)+"
)


@lru_cache(maxsize=65536)
def words(label: str, whole: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """Split a label into words: at hyphens and digits, then as wordninja would (cached).

    A run of letters that is itself in ``whole`` (the lure vocabulary of four letters
    or more, ``Knowledge.vocabulary``) stays one word: the English unigram model cuts
    ``wifi`` into ``wi fi`` and ``covid`` into ``c ovid``, so ``sys-wifi-cdn.co`` read
    as a random label with no lure at all.
    """
    out: list[str] = []
    for part in _LETTERS.findall(label.lower()):
        if part in whole:
            out.append(part)
        else:
            out.extend(split_letters(part))
    return tuple(out)


_LETTERS = re.compile(r"[a-z]+")


class InvalidTarget(ValueError):
    """The text is not a URL or domain; ``reason`` says why in a few words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Target:
    """A parsed URL or domain.

    Attributes:
        host: ASCII (punycode) host, lowercase, no trailing dot.
        labels_unicode: the host's labels decoded to Unicode (same count as ``host``).
        registrable: registrable domain under the public suffix ("" for IP hosts).
        label: the registrable's first label (ASCII), e.g. ``bbc`` in ``bbc.co.uk``.
        label_unicode: ``label`` decoded from punycode.
        subdomains: labels left of the registrable, outermost first (ASCII).
        suffix: the public suffix, e.g. ``co.uk`` or ``gr.com``.
        private_suffix: the suffix comes from the PSL's private section.
        is_ip: the host is an IPv4 / IPv6 address.
        userinfo: the URL had ``user@`` before the host (a classic disguise).
        path: path, query and fragment of a URL ("" for a bare domain).
        platform_domain: the host is itself a private public suffix (``github.io``,
            ``netlify.app``): the hosting platform's own domain, not a user's site.
    """

    host: str
    labels_unicode: tuple[str, ...]
    registrable: str
    label: str
    label_unicode: str
    subdomains: tuple[str, ...]
    suffix: str
    private_suffix: bool
    is_ip: bool
    userinfo: bool
    path: str
    platform_domain: bool = False

    @property
    def domain(self) -> str:
        """Registrable domain, or the host itself for an IP."""
        return self.registrable or self.host


def _split_url(text: str) -> tuple[str, bool, str]:
    """Return (host, had userinfo, path+query+fragment) of a URL or bare domain."""
    match = _SCHEME_RE.match(text)
    if match and match.group(1).lower() not in NETWORK_SCHEMES:
        raise InvalidTarget(f"unsupported URL scheme {match.group(1).lower()!r}")
    if not match:
        if ":" in text.split("/", 1)[0] and not text.startswith("["):
            head = text.split("/", 1)[0]
            if not re.fullmatch(r"[^:]+:\d{1,5}", head) and head.count(":") < 2:
                raise InvalidTarget("not a URL or domain")
        text = "http://" + text
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        _ = parts.port  # raises on a bad port
    except ValueError as exc:
        raise InvalidTarget(f"malformed URL ({exc})") from exc
    rest = parts.path + (f"?{parts.query}" if parts.query else "")
    return host, "@" in parts.netloc, rest + (f"#{parts.fragment}" if parts.fragment else "")


def _ascii_labels(host: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Validate labels; return (ASCII labels, Unicode labels)."""
    ascii_labels: list[str] = []
    uni_labels: list[str] = []
    for raw in host.split("."):
        if not raw:
            raise InvalidTarget("empty label in host name")
        try:
            if raw.isascii() and not raw.startswith("xn--"):
                label, uni = raw, raw
            else:
                label = idna.encode(raw, uts46=True).decode("ascii")
                uni = idna.decode(label)
        except (idna.IDNAError, UnicodeError, ValueError) as exc:
            raise InvalidTarget(f"invalid internationalized label {raw!r}") from exc
        if not _LABEL_RE.match(label):
            raise InvalidTarget(f"invalid characters in label {raw!r}")
        ascii_labels.append(label)
        uni_labels.append(uni)
    return tuple(ascii_labels), tuple(uni_labels)


def _ip_target(host: str, userinfo: bool, path: str) -> Target | None:
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
    text = ip.compressed
    return Target(text, (text,), "", "", "", (), "", False, True, userinfo, path)


def parse_target(value: str) -> Target:
    """Parse one line as a URL or a domain.

    Args:
        value: text as read from a file, a message or a feed.

    Returns:
        The parsed target.

    Raises:
        InvalidTarget: when the text is not a URL or domain (the reason says why).
    """
    labels = _bare_host_labels(value)
    if labels is not None:  # most hosts arrive as "example.com": same result, cheaper
        return _named_target(labels, labels, False, "")
    return _parse_general(value)


def _bare_host_labels(value: str) -> tuple[str, ...] | None:
    """The labels of a bare lower-case ASCII host name, when nothing else is needed.

    A value of 2+ valid labels of ``a-z0-9_-`` (as :data:`_LABEL_RE` reads them) that
    is not an IPv4 address, holds no punycode and does not start with ``hxxp`` goes
    through the general path unchanged: nothing to strip or refang, no scheme, port,
    user or path, no Unicode, so ``urlsplit`` hands it back as the host. ``None`` sends every other
    value to :func:`_parse_general` (``tests/linkscore/test_fastpaths.py`` checks
    that both paths agree).
    """
    if len(value) > 253 or not _BARE_HOST.fullmatch(value):
        return None
    if value.startswith("hxxp") or "xn--" in value or value.replace(".", "").isdigit():
        return None
    return tuple(value.split("."))  # every label checked by the pattern already


def _parse_general(value: str) -> Target:
    """:func:`parse_target` for any text: URLs, defanged, Unicode, IP hosts."""
    text = value.strip()
    if not text:
        raise InvalidTarget("empty line")
    if len(text) > _MAX_INPUT:
        raise InvalidTarget("too long for a URL")
    if any(ch.isspace() for ch in text):
        raise InvalidTarget("contains whitespace")
    host, userinfo, path = _split_url(refang(text))
    host = host.rstrip(".").lower()
    if not host:
        raise InvalidTarget("no host name")
    ip_target = _ip_target(host, userinfo, path)
    if ip_target is not None:
        return ip_target
    if "." not in host:
        raise InvalidTarget("single label, not a domain (no top-level domain)")
    labels, uni = _ascii_labels(host)
    return _named_target(labels, uni, userinfo, path)


def _named_target(
    labels: tuple[str, ...], uni: tuple[str, ...], userinfo: bool, path: str
) -> Target:
    """The target of a host name's validated ASCII and Unicode labels."""
    ascii_host = ".".join(labels)
    if len(ascii_host) > 253:
        raise InvalidTarget("host name longer than 253 characters")
    ext = extractor()(ascii_host)
    platform = bool(ext.suffix and not ext.domain and ext.is_private)
    if platform:
        # the host is itself a private suffix (googleapis.com, github.io): its owner's
        ext = extractor()(ascii_host, include_psl_private_domains=False)
    if not ext.suffix:
        raise InvalidTarget(f"unknown top-level domain {labels[-1]!r}")
    if not ext.domain:
        raise InvalidTarget("a public suffix alone, not a registrable domain")
    n_sub = len(ext.subdomain.split(".")) if ext.subdomain else 0
    return Target(
        host=ascii_host,
        labels_unicode=uni,
        registrable=f"{ext.domain}.{ext.suffix}",
        label=ext.domain,
        label_unicode=uni[n_sub],
        subdomains=labels[:n_sub],
        suffix=ext.suffix,
        private_suffix=bool(ext.is_private),
        is_ip=False,
        userinfo=userinfo,
        path=path,
        platform_domain=platform,
    )
