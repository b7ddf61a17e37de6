"""Portable Ibis expression helpers: one spelling that means the same on every engine.

Ibis 12's PySpark compiler turns ``StringValue.strip()`` into a TRIM over the
characters ``\\t\\n\\r\\v\\f`` written as letters, so on Spark ``strip`` also eats
trailing ``v``, ``f``, ``n``, ``r`` and ``t``. Detectors and the link stage trim with
:func:`trim` instead, a regular expression both engines read the same way.
"""

from __future__ import annotations

import ibis.expr.types as ir

_EDGE_SPACE = r"^\s+|\s+$"


def trim(value: ir.StringValue) -> ir.StringValue:
    """``value`` without leading and trailing white space, on DuckDB and Spark alike."""
    return value.re_replace(_EDGE_SPACE, "")
