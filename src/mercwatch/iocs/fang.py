"""Refang and defang: one behaviour, ioc-fanger's, for every stage.

Feeds write ``hxxps[:]//evil[.]com``, ``evil(dot)com`` or ``evil\\.com``; reports and
shared lists must write indicators so that nobody opens them by a stray click. Before
this module three copies disagreed (``evil(dot)com`` refanged in intel but not in
linkscore; ``hxxps[:]//`` in one export and ``hXXps://`` in another). ioc-fanger's rule
tables are the maintained, widely used ones, so both directions go through it.
"""

from __future__ import annotations

import re

import ioc_fanger

# Anything ioc-fanger could change holds one of these (brackets, parentheses, braces,
# a backslash, the word "dot", or starts hxxp / hXXp / fxp but not http). Values
# without one skip the rule table: feeds and link lists are large and almost all
# values are plain (a plain https:// URL must not pay for ~40 regexes).
_DEFANG_HINT = re.compile(
    r"[\[({\\]|^\s*(?!https?\b)h..ps?\b|^\s*fxp\b|\bdot\b|^\s*h\W\Wp", re.IGNORECASE
)
_FXP = re.compile(r"^fxp(?=\[?:)", re.IGNORECASE)
# ioc-fanger reads hxxp and hXXp but not HXXP, h**p or h__p (older feeds): done first.
_HXXP = re.compile(r"^h(?:xx|\*\*|__)p(?=s?\W)", re.IGNORECASE)


def refang(value: str) -> str:
    """Undo defanging (``hxxps[:]//evil[.]com``, ``evil(dot)com``, ``a(at)b[.]com``).

    The result is stripped of surrounding whitespace; a value with nothing defanged
    is otherwise returned unchanged.
    """
    text = value.strip()
    if not _DEFANG_HINT.search(text):
        return text
    text = _HXXP.sub("http", _FXP.sub("ftp", text))
    return str(ioc_fanger.fang(text)).strip()


def defang(value: str) -> str:
    """A domain, URL, IPv4 or e-mail address made unclickable (``hXXps://evil[.]com/x``).

    Only give it a network indicator: ioc-fanger defangs every dotted token, so a file
    name (``update.apk``) would be written ``update[.]apk``.
    """
    return str(ioc_fanger.defang(value))
