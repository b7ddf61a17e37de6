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

# Anything ioc-fanger could change starts with one of these (brackets, parentheses,
# braces, a backslash, a word such as "dot"/"at" in brackets, or hxxp / fxp). Values
# without one skip the rule table: feeds are large and almost all values are plain.
_DEFANG_HINT = re.compile(r"[\[({\\]|^\s*(?:h..ps?|fxp)\b|\bdot\b", re.IGNORECASE)
_FXP = re.compile(r"^fxp(?=\[?:)", re.IGNORECASE)


def refang(value: str) -> str:
    """Undo defanging (``hxxps[:]//evil[.]com``, ``evil(dot)com``, ``a(at)b[.]com``).

    The result is stripped of surrounding whitespace; a value with nothing defanged
    is otherwise returned unchanged.
    """
    text = value.strip()
    if not _DEFANG_HINT.search(text):
        return text
    return str(ioc_fanger.fang(_FXP.sub("ftp", text))).strip()


def defang(value: str) -> str:
    """A domain, URL, IPv4 or e-mail address made unclickable (``hXXps://evil[.]com/x``).

    Only give it a network indicator: ioc-fanger defangs every dotted token, so a file
    name (``update.apk``) would be written ``update[.]apk``.
    """
    return str(ioc_fanger.defang(value))
