"""What of a URL may leave the building: :func:`shareable_url`, the one decision.

A link an operation delivered is evidence and an indicator, but operators personalise
it: ``https://evil.example/signin/nour.novak?rid=100234#inbox``. Shared as is, every
exported indicator, report and reader-level view names the person targeted. So every
exporter, the report and every view below admin goes through :func:`shareable_url`:

- kept: the scheme, the host and port (the operation's own infrastructure);
- dropped: userinfo, the whole query (values are where ``?rid=<account id>`` goes; the
  keys add little and consumers such as mvt split a STIX pattern at ``=``), the fragment;
- each path segment kept only when it is made of generic path words
  (``data/path_words.txt``: ``login``, ``wp-content``, ``index.php``); anything else
  becomes a route-style placeholder (``/signin/:name``) saying what shape it had:
  ``:target`` (matches a known identity, however spelled), ``:email``, ``:phone``,
  ``:number``, ``:token`` (hex, base64, long or encoded runs), ``:id`` (other text with
  digits), ``:name`` (unknown words: possibly a handle or a name). Not ``{name}``:
  ioc-fanger's refang reads ``{...}`` as defanging and mangles it.

It is an allow-list on purpose: an unknown word in a path cannot be told from a handle,
so only known-generic words survive. A URL whose host itself carries an identity
(``nour-novak.evil.example``) cannot be made safe and is not shared at all (None).
Non-network URLs (``data:``, ``javascript:``, ``mailto:``) have no host: None.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from mercwatch.iocs.domains import path_words
from mercwatch.iocs.fang import refang
from mercwatch.iocs.identity import IdentityMatcher, percent_decoded
from mercwatch.iocs.urls import split_url

TARGET = ":target"
_WORD_SPLIT = re.compile(r"[^0-9a-z]+")
_EXTENSION = re.compile(r"\.([a-z0-9]{1,5})$")
_PHONE = re.compile(r"\+?[0-9][0-9 ().-]{5,}[0-9]")
_HEX = re.compile(r"[0-9a-f]{8,}")
_VERSION = re.compile(r"v?[0-9]{1,2}")
_URL_IN_TEXT = re.compile(r"\b(?:https?|ftps?|wss?|hxxps?)(?:://|\[:\]//)[^\s<>\"'`]+", re.I)


def _matcher(identities: IdentityMatcher | Iterable[str]) -> IdentityMatcher:
    return identities if isinstance(identities, IdentityMatcher) else IdentityMatcher(identities)


def _generic(text: str) -> bool:
    """Whether ``text`` is made only of generic path words (and a file extension)."""
    lowered = text.lower()
    ext = _EXTENSION.search(lowered)
    if ext is not None and "." in lowered[: ext.start()] + ".":
        lowered = lowered[: ext.start()]
    words = [w for w in _WORD_SPLIT.split(lowered) if w]
    vocabulary = path_words()
    return bool(words) and all(w in vocabulary or _VERSION.fullmatch(w) for w in words)


def segment_shape(segment: str, matcher: IdentityMatcher) -> str:
    """A path segment as it may be shared: itself when generic, else a placeholder."""
    if matcher.find(segment) is not None:
        return TARGET
    if "%" not in segment and _generic(segment):
        return segment
    plain = percent_decoded(segment)
    if "@" in plain:
        return ":email"
    digits = sum(c.isdigit() for c in plain)
    if plain.isdigit():
        return ":number"
    if _PHONE.fullmatch(plain) and digits >= 7:
        return ":phone"
    if _HEX.fullmatch(plain.lower()) or len(plain) >= 16 or plain != segment:
        return ":token"
    return ":id" if digits else ":name"


def shareable_url(url: str, identities: IdentityMatcher | Iterable[str] = ()) -> str | None:
    """The form of ``url`` that may leave the building, or None when none may.

    Args:
        url: a URL as delivered or recorded (defanged forms are read too).
        identities: ids, handles, display names and e-mails of the people targeted
            (or a prepared :class:`IdentityMatcher`); a segment matching one becomes
            ``:target`` even when it is made of generic words.

    Returns:
        ``scheme://host[:port]/<path shape>``; None for a non-network URL or
        a host that itself carries an identity.
    """
    matcher = _matcher(identities)
    try:
        parts = split_url(refang(url))
    except ValueError:
        return None
    if parts is None:
        return None
    host = parts.host.lower()
    if matcher.find(host) is not None:
        return None
    netloc = host if ":" not in host else f"[{host}]"
    netloc += f":{parts.port}" if parts.port is not None else ""
    segments = parts.path.split("/")
    shaped = [s if not s else segment_shape(s, matcher) for s in segments]
    path = "/".join(shaped) or "/"
    if not path.startswith("/"):
        path = "/" + path
    return f"{parts.scheme or 'http'}://{netloc}{path}"


def shareable_text(text: str, identities: IdentityMatcher | Iterable[str] = ()) -> str:
    """Free text (evidence details) with every URL in it replaced by its shareable form.

    A URL that may not be shared at all becomes ``[url withheld]``.
    """
    if not text:
        return text
    matcher = _matcher(identities)

    def replace(match: re.Match[str]) -> str:
        found = match.group(0)
        url = found.rstrip(".,;:!?)]")
        safe = shareable_url(url, matcher)
        return ("[url withheld]" if safe is None else safe) + found[len(url) :]

    return _URL_IN_TEXT.sub(replace, text)
