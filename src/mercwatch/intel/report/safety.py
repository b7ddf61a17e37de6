"""Keep shared text safe: no target identities, no live indicators.

A threat report and a non-admin API response may travel beyond the team that made
them, so evidence that names a targeted account is redacted, URLs are cut to their
shareable form (:func:`mercwatch.iocs.shareable_url`: personalised lure links name
their target), and domains, URLs and addresses are defanged (``evil[.]example``,
``hXXps://``) with :func:`mercwatch.iocs.defang` so nobody opens them by a stray click
and mail filters do not strip the report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from mercwatch.iocs import IdentityMatcher, defang, is_network_url, shareable_text, shareable_url

TARGET_PLACEHOLDER = "[target]"
# An id is matched whole: not when it is part of a longer id ("u1" inside "u12").
_ID_EDGE = r"[A-Za-z0-9_\-]"


class TargetRedactor:
    """Replaces every targeted account id in a text with ``[target]``.

    Args:
        targets: the account ids to hide (an operation's ``targets``).
    """

    def __init__(self, targets: Iterable[str]) -> None:
        ids = sorted({t for t in targets if t}, key=lambda t: (-len(t), t))
        self._targets = frozenset(ids)
        self._pattern = (
            re.compile(f"(?<!{_ID_EDGE})(?:{'|'.join(map(re.escape, ids))})(?!{_ID_EDGE})")
            if ids
            else None
        )

    def subject(self, subject: str) -> str:
        """An evidence subject: the placeholder when it is a target, else unchanged."""
        return TARGET_PLACEHOLDER if subject in self._targets else self.text(subject)

    def text(self, text: str) -> str:
        """Free text with each whole-word occurrence of a target id replaced."""
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(TARGET_PLACEHOLDER, text)


class IndicatorDefanger:
    """Defangs free text: the operation's own indicators wherever they occur, and any URL.

    Only known indicators and URLs are touched, not every dotted token, so numbers such
    as "score 0.91" in evidence stay readable.

    Args:
        indicators: the operation's domains, URLs and addresses.
    """

    def __init__(self, indicators: Iterable[str]) -> None:
        known = sorted({i for i in indicators if i}, key=lambda i: (-len(i), i))
        self._known = re.compile("|".join(map(re.escape, known))) if known else None

    def subject(self, subject: str) -> str:
        """An evidence subject (one account, address, domain or URL), defanged if it is one."""
        return defang(subject)

    def text(self, text: str) -> str:
        if self._known is not None:
            text = self._known.sub(lambda m: defang(m.group(0)), text)
        return _URL.sub(lambda m: defang(m.group(0)), text)


_URL = re.compile(r"\b(?:https?|ftp)://[^\s<>\"']+", re.IGNORECASE)

URL_WITHHELD = "[url withheld]"


_HOST_NAME = re.compile(r"[A-Za-z0-9._-]+(?::[0-9]{1,5})?")


def _looks_like_url(subject: str) -> bool:
    """A network URL with a scheme, or ``host.name/path`` whose host is a real name."""
    if not is_network_url(subject):
        return False
    if "://" in subject:
        return True
    head = re.split(r"[/?#]", subject, maxsplit=1)[0]
    return "/" in subject and "." in head and bool(_HOST_NAME.fullmatch(head))


class SharedEvidence:
    """Evidence (subjects and details) as it may be shown below admin or in the report.

    In order: targeted account ids become ``[target]``; any other subject carrying a
    target's identity (however spelled) becomes ``[target]`` too; every URL is cut to
    its shareable form; then, for the report, indicators are defanged.

    Args:
        targets: the operation's targeted account ids.
        identities: more strings naming targets (display names, handles, e-mails).
        indicators: the operation's own indicators, defanged wherever they occur.
        defanged: defang the result (the report); the API shows values as they are.
    """

    def __init__(
        self,
        targets: Iterable[str],
        identities: Iterable[str] = (),
        indicators: Iterable[str] = (),
        *,
        defanged: bool = True,
    ) -> None:
        targets = tuple(targets)
        self.redactor = TargetRedactor(targets)
        self.matcher = IdentityMatcher((*targets, *identities))
        self.defanger = IndicatorDefanger(indicators) if defanged else None

    def url(self, url: str) -> str | None:
        """A URL's shareable form (defanged for the report), or None when none may go."""
        safe = shareable_url(url, self.matcher)
        if safe is None:
            return None
        return defang(safe) if self.defanger is not None else safe

    def subject(self, subject: str) -> str:
        """One evidence subject: an account, a domain, an address or a URL."""
        redacted = self.redactor.subject(subject)
        if redacted != subject or self.matcher.find(subject) is not None:
            return TARGET_PLACEHOLDER
        if _looks_like_url(subject):
            return self.url(subject) or URL_WITHHELD
        return self.defanger.subject(subject) if self.defanger is not None else subject

    def text(self, text: str) -> str:
        """Free text: target ids redacted, URLs shareable, indicators defanged."""
        text = shareable_text(self.redactor.text(text), self.matcher)
        return self.defanger.text(text) if self.defanger is not None else text


__all__ = [
    "TARGET_PLACEHOLDER",
    "URL_WITHHELD",
    "IndicatorDefanger",
    "SharedEvidence",
    "TargetRedactor",
    "defang",
]
