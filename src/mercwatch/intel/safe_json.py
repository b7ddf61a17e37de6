"""JSON with a bound on nesting depth, checked before the parser recurses.

``json.loads`` recurses once per nested array or object: 100,000 ``[`` in a TAXII POST
or a feed file raised ``RecursionError`` (a 500 from the server, a traceback from
``intel import``), and an input just under Python's limit still makes every later
recursive walk (``stix2.parse``, ``json.dumps``) fail. :func:`loads` measures the
depth first, on the text with its strings blanked out, in time linear in the size of
the input and without recursion, and refuses anything deeper than the limit.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np

DEFAULT_MAX_DEPTH = 64
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


class JsonTooDeep(ValueError):
    """The JSON nests arrays/objects deeper than allowed."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"JSON nested deeper than {limit} levels")
        self.limit = limit


def depth_exceeds(text: str | bytes, limit: int) -> bool:
    """Whether ``text`` opens more than ``limit`` arrays/objects inside one another.

    Brackets inside strings do not count. Malformed JSON is not judged here (the parser
    reports it), except that unbalanced brackets may count as depth.
    """
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    brackets = np.frombuffer(_STRING.sub(b"", raw).translate(None, _NOT_BRACKETS), np.uint8)
    if brackets.size <= limit:
        return False
    # Running depth is the cumulative sum of +1 (open) / -1 (close).
    steps = np.where((brackets == 0x5B) | (brackets == 0x7B), 1, -1).astype(np.int64)
    return bool(np.cumsum(steps).max() > limit)


def loads(text: str | bytes, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """``json.loads`` that refuses input nested deeper than ``max_depth``.

    Raises:
        JsonTooDeep: nested deeper than ``max_depth``.
        json.JSONDecodeError: not JSON.
    """
    if depth_exceeds(text, max_depth):
        raise JsonTooDeep(max_depth)
    return json.loads(text)
