"""The profile photo hash of SCHEMA.md ``accounts.photo_hash``: a 64-bit pHash as 16 hex digits.

One definition for ingest (which rejects anything else), the engagement detectors and
link (which compare hashes by Hamming distance). Two parsers used to exist, and both
took ``int(text, 16)``'s wider idea of a hex number (``0x`` prefixes, ``_`` between
digits, a sign), so a value ingest calls malformed could still be read as a hash.
"""

from __future__ import annotations

import re

#: What a pHash looks like (regular expression, also used in ingest's SQL checks).
PHASH_HEX = "[0-9a-fA-F]{16}"
_PHASH = re.compile(PHASH_HEX)


def parse_phash(value: str | None) -> int | None:
    """The hash as a 64-bit integer, or None when it is not 16 hex digits (space around is ok)."""
    text = (value or "").strip()
    if _PHASH.fullmatch(text) is None:
        return None
    return int(text, 16)
