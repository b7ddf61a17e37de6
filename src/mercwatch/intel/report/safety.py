"""Keep shared text safe: no target identities, no live indicators.

A threat report and a non-admin API response may travel beyond the team that made
them, so evidence that names a targeted account is redacted, and domains, URLs and
addresses are defanged (``evil[.]example``, ``hxxps://``) with ioc-fanger so nobody
opens them by a stray click and mail filters do not strip the report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import ioc_fanger

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


def defang(indicator: str) -> str:
    """A domain, URL or IPv4 address made unclickable (``hxxps://evil[.]example/x``)."""
    return str(ioc_fanger.defang(indicator))
