"""The one pHash parser: exactly what ingest accepts, nothing of ``int(x, 16)``'s extras."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from mercwatch.model.phash import PHASH_HEX, parse_phash


@given(st.integers(min_value=0, max_value=2**64 - 1), st.booleans())
def test_every_64_bit_value_round_trips(value, upper):
    text = f"{value:016x}"
    assert parse_phash(text.upper() if upper else text) == value


@given(st.text(max_size=24))
def test_parses_exactly_what_ingest_accepts(text):
    """Ingest rejects a row whose hash does not fully match PHASH_HEX; the parser must
    read every value ingest lets through and nothing else."""
    accepted = re.fullmatch(PHASH_HEX, text.strip()) is not None
    assert (parse_phash(text) is not None) == accepted


def test_python_hex_extras_are_not_hashes():
    # int(text, 16) takes all of these; the old parsers did too.
    for text in ("0x00000000000000", "+fffffffffffffff", "-fffffffffffffff", "ffff_ffff_ffff_f"):
        assert len(text) == 16
        assert parse_phash(text) is None
