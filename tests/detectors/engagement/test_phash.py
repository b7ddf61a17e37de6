"""Photo-hash grouping: the band index finds exactly the pairs brute force finds."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mercwatch.detectors.engagement.phash import near_duplicate_groups, near_pairs
from mercwatch.errors import ConfigError
from mercwatch.model.phash import parse_phash


def _brute(values: list[int], d: int) -> list[tuple[int, int]]:
    return [
        (i, j)
        for i, j in itertools.combinations(range(len(values)), 2)
        if (values[i] ^ values[j]).bit_count() <= d
    ]


@st.composite
def _clustered_hashes(draw: st.DrawFn) -> list[int]:
    """Random hashes plus copies with a few random bits flipped (re-encodings)."""
    seeds = draw(st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=12))
    out = list(seeds)
    for h in seeds:
        for bits in draw(st.lists(st.sets(st.integers(0, 63), max_size=9), max_size=3)):
            out.append(h ^ sum(1 << b for b in bits))
    return out


@settings(max_examples=60, deadline=None)
@given(values=_clustered_hashes(), d=st.integers(0, 7))
def test_band_index_matches_brute_force(values: list[int], d: int) -> None:
    assert near_pairs(values, d) == _brute(values, d)


def test_groups_chain_reencodings_and_skip_malformed() -> None:
    base = 0x0123456789ABCDEF
    hashes = [
        f"{base:016x}",
        f"{base ^ 0b111:016x}",
        f"{base ^ 0b111111111:016x}",
        f"{~base & (2**64 - 1):016x}",
        "not-a-hash",
        "",
    ]
    groups = near_duplicate_groups(hashes, 6)
    assert "not-a-hash" not in groups and len(groups) == 4
    assert (
        groups[f"{base:016x}"]
        == groups[f"{base ^ 0b111:016x}"]
        == groups[f"{base ^ 0b111111111:016x}"]
    )
    assert groups[f"{~base & (2**64 - 1):016x}"] != groups[f"{base:016x}"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("00000000000000ff", 255),
        ("FFFFFFFFFFFFFFFF", 2**64 - 1),
        ("123", None),
        ("zzzzzzzzzzzzzzzz", None),
    ],
)
def test_parse_phash(text: str, value: int | None) -> None:
    assert parse_phash(text) == value


def test_distance_beyond_exact_probe_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="0..7"):
        near_pairs([1, 2], 8)


def test_group_table_normalises_case_and_space_and_drops_malformed() -> None:
    import pyarrow as pa

    from mercwatch.detectors.engagement.phash import group_table

    table = group_table(
        pa.array([" 00000000000000FF", "00000000000000fe", "00000000000000ff", None, "xyz"]), 1
    )
    assert table["h"].to_pylist() == ["00000000000000fe", "00000000000000ff"]
    assert len(set(table["group"].to_pylist())) == 1


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=2**64 - 1), max_size=40),
    st.integers(min_value=0, max_value=5),
)
def test_group_table_reads_values_from_sliced_arrays_in_value_order(
    values: list[int], start: int
) -> None:
    """Hex digits are read from the Arrow buffer; a slice must not shift them."""
    import pyarrow as pa

    from mercwatch.detectors.engagement.phash import _hex_values, group_table

    padding = ["ffffffffffffffff"] * start
    texts = pa.array(padding + [f"{v:016x}" for v in values])[start:]
    assert _hex_values(texts).tolist() == values
    table = group_table(texts, 0)
    expected = sorted({f"{v:016x}" for v in values})
    assert table["h"].to_pylist() == expected
    assert len(set(table["group"].to_pylist())) == len(expected)


def test_band_lookup_at_the_edges_of_the_band_range() -> None:
    """Band values 0 and 0xFFFF (the last row of the start table) and one-bit
    neighbours across every band: the start-table lookup finds what brute force finds."""
    full = (1 << 64) - 1
    values = [0, full, full ^ 1, full ^ (1 << 15), 1 << 63, (1 << 63) | 0xFFFF, 0xFFFF, 0xFFFE]
    values += [v ^ (1 << 16) ^ (1 << 33) ^ (1 << 50) for v in values]
    for d in range(8):
        assert near_pairs(values, d) == _brute(values, d)
