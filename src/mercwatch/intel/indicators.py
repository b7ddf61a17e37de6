"""Indicator values: normalize, classify, defang, refang, and take them from operations.

Published feeds write the same domain as ``Evil.COM.``, ``evil[.]com`` or
``hxxps[:]//evil[.]com``; matching needs one spelling. :func:`normalize` gives it (lower
case, IDNA A-labels, compressed IP addresses, a public suffix required for domains), and
every importer and exporter goes through it.

:func:`select_indicators` is the one place that decides what of an operation may be
shared: only infrastructure the operation controlled, never its targets. Photo hashes
and device ids stay home (they identify accounts, not infrastructure), webmail domains
are skipped (the operation does not own gmail.com), and any value that still
contains a target's identifier is withheld and reported. URLs leave only in the form
:func:`mercwatch.iocs.shareable_url` gives them (scheme, host, a path shape with
placeholders, query keys without values).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import idna

from mercwatch import iocs
from mercwatch.errors import IntelFormatError
from mercwatch.intel.records import Oddity
from mercwatch.iocs import IdentityMatcher, refang
from mercwatch.model import Indicator, IndicatorType, Operation, Phase

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
    return iocs.defang(value) if kind in _NETWORK_KINDS else value


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
    parts = iocs.extractor()(text)
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
    scheme = iocs.url_scheme(text)
    if scheme is not None and not iocs.is_network_url(text):
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


@dataclass(frozen=True, slots=True)
class Selection:
    """What of an operation may be shared, and what was withheld and why."""

    indicators: tuple[Indicator, ...]
    withheld: tuple[Oddity, ...]


def _target_terms(op: Operation, sensitive: Iterable[str]) -> tuple[str, ...]:
    terms = {t.strip() for t in (*op.targets, *sensitive) if t and t.strip()}
    return tuple(sorted(terms))


def leaked_term(value: str, terms: Iterable[str] | IdentityMatcher) -> str | None:
    """The first target term found in ``value``, however it is spelled there, else None.

    Case, separators (``nour.novak`` = ``Nour_Novak`` = ``NOUR NOVAK``), percent-encoding
    and base64 are all seen through (:class:`mercwatch.iocs.IdentityMatcher`). Terms of
    four characters or more with a letter match anywhere; all-digit ids of four or more
    only between non-digits; shorter ones only as a whole token, so a target id ``42``
    does not withhold every IP address containing ``142``.
    """
    matcher = terms if isinstance(terms, IdentityMatcher) else IdentityMatcher(terms)
    return matcher.find(value)


def _infrastructure_values(op: Operation) -> list[tuple[IndicatorType | None, str, str]]:
    infra = op.infrastructure
    out: list[tuple[IndicatorType | None, str, str]] = []
    out += [(IndicatorType.DOMAIN, v, "domain") for v in infra.domains]
    out += [(IndicatorType.URL, v, "url") for v in infra.urls]
    out += [(None, v, "ip") for v in infra.ips]
    out += [(IndicatorType.DOMAIN, v, "email_domain") for v in infra.email_domains]
    return out


def _phases_for(kind: IndicatorType, op: Operation) -> tuple[Phase, ...]:
    if kind in (IndicatorType.DOMAIN, IndicatorType.URL):
        late = tuple(p for p in op.phases if p is not Phase.RECONNAISSANCE)
        return late or tuple(op.phases)
    return tuple(op.phases)


def _reportable(raw: str, terms: IdentityMatcher) -> str:
    """A rejected value as the withheld list may repeat it (never a target's identity)."""
    if leaked_term(raw, terms) is not None:
        return "(withheld)"
    return iocs.shareable_text(raw, terms) if "/" in raw else raw


def _select_one(
    kind: IndicatorType | None, raw: str, origin: str, op: Operation, terms: IdentityMatcher
) -> Indicator | Oddity:
    where = f"operation {op.operation_id} {origin}"
    try:
        if kind is None:
            value = normalize_ip(raw)
            kind = IndicatorType.IPV6 if ":" in value else IndicatorType.IPV4
        value = normalize(kind, raw)
    except IntelFormatError as exc:
        return Oddity(where, _reportable(raw, terms), exc.reason, rejected=True)
    if kind is IndicatorType.URL:
        shared = iocs.shareable_url(value, terms)
        if shared is None:
            return Oddity(where, "(withheld)", "URL host identifies a target", rejected=True)
        value = shared
    if origin == "email_domain" and value in iocs.webmail_domains():
        return Oddity(where, value, "webmail provider, not the operation's own", rejected=True)
    leaked = leaked_term(value, terms)
    if leaked is not None:
        return Oddity(where, "(withheld)", "contains a target identifier", rejected=True)
    actor = op.attribution.actor if op.attribution else None
    return Indicator(
        type=kind,
        value=value,
        actor=actor,
        comment=f"mercwatch operation {op.operation_id}",
        valid_from=op.first_seen,
        phases=_phases_for(kind, op),
    )


def _shareable_extra(ind: Indicator, terms: IdentityMatcher) -> Indicator | None:
    """``ind`` as it may be shared (URLs in their shareable form), or None to withhold."""
    if ind.type is IndicatorType.URL:
        shared = iocs.shareable_url(ind.value, terms)
        if shared is None:
            return None
        ind = dataclasses.replace(ind, value=shared)
    return None if leaked_term(ind.value, terms) is not None else ind


def select_indicators(
    op: Operation, *, extra: Iterable[Indicator] = (), sensitive: Iterable[str] = ()
) -> Selection:
    """The indicators of ``op`` that may be shared with other defenders.

    Args:
        op: the operation.
        extra: more indicators the caller holds for it (file hashes, sender addresses);
            they pass through the same target check.
        sensitive: more strings that identify targets (display names, e-mails) beyond
            ``op.targets``; any value containing one is withheld.

    Returns:
        The shareable indicators, deduplicated, and the withheld values with reasons.
        A withheld value that leaked a target is reported as ``(withheld)`` so the
        report itself does not repeat it.
    """
    terms = IdentityMatcher(_target_terms(op, sensitive))
    chosen: dict[tuple[str, str], Indicator] = {}
    withheld: list[Oddity] = []
    for kind, raw, origin in _infrastructure_values(op):
        result = _select_one(kind, raw, origin, op, terms)
        if isinstance(result, Oddity):
            withheld.append(result)
        else:
            chosen.setdefault((result.type.value, result.value), result)
    for ind in extra:
        shared = _shareable_extra(ind, terms)
        if shared is None:
            where = f"operation {op.operation_id} extra"
            withheld.append(Oddity(where, "(withheld)", "contains a target identifier", True))
        else:
            chosen.setdefault((shared.type.value, shared.value), shared)
    return Selection(tuple(chosen.values()), tuple(withheld))
