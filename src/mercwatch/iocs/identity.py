"""Find a targeted person's identity in a value, however it was spelled.

Operators personalise links with the target's account id, handle or display name:
``/signin/nour.novak``, ``/u/Nour_Novak``, ``?rid=100234``, ``/t/bm91ci5ub3Zhaw``
(base64), ``/p/nour%2Enovak``. A plain ``term in value`` check (what the exporters had)
misses all but the first. :class:`IdentityMatcher` compares *folded* forms instead:
NFKC, case-folded, separators (space . _ - + ~) removed, after percent-decoding (up to
three layers) and, for base64-looking tokens, after base64-decoding.

Short terms (an account id ``42``) match only a whole token, and all-digit ids of four
digits or more (``100234``) only between non-digits (``u100234`` yes, ``1002345`` no),
so an id does not withhold every IP address or number that contains its digits.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import unquote, unquote_plus

_SEPARATORS = re.compile(r"[\s._\-+~]+")
_TOKEN_SPLIT = re.compile(r"[^0-9a-z]+")
_PIECE_SPLIT = re.compile(r"[/?#&=;,:@|]+")
_DIGIT_RUN = re.compile(r"[0-9]+")
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]{6,}={0,2}")
MIN_FREE_TERM = 4  # folded terms at least this long (with a letter) match anywhere


def fold(text: str) -> str:
    """``Nour.Novak``, ``nour_novak``, ``NOUR NOVAK`` -> ``nournovak``."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text).casefold())


def _b64decode(text: str) -> str | None:
    """The text a base64 (standard or URL-safe) token encodes, if it is printable."""
    if not _BASE64.fullmatch(text):
        return None
    body = text.rstrip("=").replace("+", "-").replace("/", "_")
    if len(body) % 4 == 1:
        return None
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        decoded = raw.decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    return decoded if decoded and decoded.isprintable() else None


def _percent_layers(text: str) -> list[str]:
    out = [text]
    for _ in range(3):
        decoded = unquote(out[-1])
        if decoded == out[-1]:
            break
        out.append(decoded)
    return out


def percent_decoded(text: str) -> str:
    """``text`` with up to three layers of percent-encoding undone."""
    return _percent_layers(text)[-1]


def decodings(text: str) -> list[str]:
    """``text``, its percent-decodings (up to three layers), and base64 decodings."""
    out = _percent_layers(text)
    out += [plus for plus in (unquote_plus(item) for item in list(out)) if plus not in out]
    for item in list(out):
        for run in _BASE64.findall(item):
            decoded_b64 = _b64decode(run)
            if decoded_b64 is not None:
                out.append(decoded_b64)
    return out


class IdentityMatcher:
    """Finds any of a set of identities (ids, handles, names, e-mails) in a value.

    Matching is by set lookups (every substring of a folded value whose length is the
    length of some term), not one regex of all terms: a run's thousands of names made
    such a regex cost milliseconds per value.

    Args:
        identities: the strings that identify targeted people. A display name also
            contributes each of its words of four letters or more (``Nour Novak`` ->
            ``nour``, ``novak`` as whole tokens), an e-mail its local part and that
            part's words (never its domain: ``gmail`` names nobody).
        also: other matchers consulted too (one built once for a whole export's
            display names, shared by the per-operation matchers).
    """

    def __init__(
        self, identities: Iterable[str] = (), also: Iterable[IdentityMatcher] = ()
    ) -> None:
        self._free: dict[str, str] = {}
        self._whole: dict[str, str] = {}
        self._digits: dict[str, str] = {}
        for raw in identities:
            term = (raw or "").strip()
            if not term:
                continue
            self._add(term, term)
            local = term.rpartition("@")[0]
            if local:
                self._add(local, term)
            name = local or term  # an address's words are its local part's, not its domain's
            words = [w for w in re.split(r"[\s._\-+~]+", name.casefold()) if w]
            if len(words) > 1:
                for word in words:
                    if len(word) >= MIN_FREE_TERM and not word.isdigit():
                        self._whole.setdefault(fold(word), term)
        self._lengths = sorted({len(t) for t in self._free})
        self._also = tuple(m for m in also if m)

    def _add(self, text: str, term: str) -> None:
        folded = fold(text)
        if not folded:
            return
        if len(folded) >= MIN_FREE_TERM and folded.isdigit():
            self._digits.setdefault(folded, term)
        elif len(folded) >= MIN_FREE_TERM:
            self._free.setdefault(folded, term)
        self._whole.setdefault(text.casefold(), term)
        self._whole.setdefault(folded, term)

    def __bool__(self) -> bool:
        return bool(self._free or self._whole or self._digits or self._also)

    def find(self, value: str) -> str | None:
        """The first identity found in ``value`` (as given to the matcher), else None."""
        if not self or not value:
            return None
        pieces = [value, *(p for p in _PIECE_SPLIT.split(value) if p and p != value)]
        forms = [form for piece in pieces for form in decodings(piece)]
        for matcher in (self, *self._also):
            for form in forms:
                hit = matcher._find_in(form)
                if hit is not None:
                    return hit
        return None

    def _find_in(self, form: str) -> str | None:
        lowered = unicodedata.normalize("NFKC", form).casefold()
        if self._digits:
            for run in _DIGIT_RUN.findall(lowered):
                if run in self._digits:
                    return self._digits[run]
        if self._lengths:
            folded = fold(lowered)
            for n in self._lengths:
                for start in range(len(folded) - n + 1):
                    hit = self._free.get(folded[start : start + n])
                    if hit is not None:
                        return hit
        for token in (lowered, fold(lowered), *_TOKEN_SPLIT.split(lowered)):
            if token in self._whole:
                return self._whole[token]
        return None
