"""Portable Ibis expression helpers: one spelling that means the same on every engine.

Ibis 12's PySpark compiler turns ``StringValue.strip()`` into a TRIM over the
characters ``\\t\\n\\r\\v\\f`` written as letters, so on Spark ``strip`` also eats
trailing ``v``, ``f``, ``n``, ``r`` and ``t``. Detectors and the link stage trim with
:func:`trim` instead, a regular expression both engines read the same way.

Ibis types ``TimestampValue.epoch_seconds()`` as ``int32``: the engine computes a
64-bit value, but as soon as Ibis materialises the column (a cached shared table,
``to_pyarrow``, ``create_table``) it is cast to 32 bits, and a single event after
2038-01-19 made three detectors fail with a conversion error. Every epoch in the
project goes through :func:`epoch_seconds`, which is 64-bit; a test keeps it so.

``round`` on a float64 differs between the engines at half-way values: DuckDB rounds
the binary number (0.595 is stored as 0.59499..., so 0.59), Spark rounds its decimal
text ("0.595", so 0.6). An evidence sentence then read "suspicious 0.59" on DuckDB and
"suspicious 0.6" on the Spark cluster for the same link (issue 15). Every rounding goes
through :func:`round_half_up`, plain float64 arithmetic both engines do identically; a
test keeps it so.
"""

from __future__ import annotations

import ibis.expr.types as ir

_EDGE_SPACE = r"^\s+|\s+$"


def epoch_seconds(value: ir.TimestampValue) -> ir.FloatingValue:
    """Seconds since 1970-01-01 UTC of ``value`` as float64 (never Ibis' 32-bit default).

    Float64 holds whole seconds exactly far beyond any plausible date and keeps DuckDB's
    sub-second part, so arithmetic on it matches what the engine computed before.
    """
    return value.epoch_seconds().cast("float64")


def trim(value: ir.StringValue) -> ir.StringValue:
    """``value`` without leading and trailing white space, on DuckDB and Spark alike."""
    return value.re_replace(_EDGE_SPACE, "")


def round_half_up(value: ir.NumericValue, digits: int = 0) -> ir.FloatingValue:
    """``value`` rounded to ``digits`` decimals, half up, the same on DuckDB and Spark.

    ``floor(x * 10**digits + 0.5) / 10**digits`` in float64: IEEE arithmetic gives both
    engines the same bits, where their ``ROUND`` functions disagree at half-way values.
    """
    scale = 10.0**digits
    return (value.cast("float64") * scale + 0.5).floor().cast("float64") / scale
