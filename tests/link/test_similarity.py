"""Near-duplicate photos, message templates and co-targeting pairs."""

from __future__ import annotations

from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from mercwatch.link.context import noisy_or, popularity_discount
from mercwatch.link.similarity import (
    cotarget_pairs,
    near_photo_pairs,
    shingles,
    template_pairs,
)
from mercwatch.model.phash import parse_phash

hashes64 = st.integers(min_value=0, max_value=2**64 - 1)


@settings(max_examples=60, deadline=None)
@given(
    base=st.lists(hashes64, min_size=1, max_size=6),
    flips=st.lists(st.lists(st.integers(0, 63), max_size=6), max_size=12),
    max_distance=st.integers(0, 6),
)
def test_photo_pairs_equal_brute_force(base, flips, max_distance):
    hashes = {}
    for i, bits in enumerate(flips):
        value = base[i % len(base)]
        for bit in bits:
            value ^= 1 << bit
        hashes[f"a{i:02d}"] = value
    expected = {
        (a, b): (hashes[a] ^ hashes[b]).bit_count()
        for a, b in combinations(sorted(hashes), 2)
        if (hashes[a] ^ hashes[b]).bit_count() <= max_distance
    }
    assert near_photo_pairs(hashes, max_distance) == expected


@given(st.text(max_size=20))
def test_phash_parser_never_raises(text):
    value = parse_phash(text)
    assert value is None or 0 <= value < 2**64


def test_phash_parser_accepts_only_16_hex_digits():
    assert parse_phash("00000000000000fF") == 255
    assert parse_phash(" ffffffffffffffff ") == 2**64 - 1
    assert parse_phash("fffffffffffffff") is None
    assert parse_phash("zzzzzzzzzzzzzzzz") is None
    assert parse_phash(None) is None


def test_templates_survive_names_links_and_numbers():
    template = (
        "Dear {n}, our newsroom is preparing a story on {n} and we would value your "
        "comment, please read the draft at {u} before {d} June"
    )
    rows = [
        ("p1", template.format(n="Ana", u="https://a.example/1", d=3), 1),
        ("p2", template.format(n="Bo", u="https://b.example/22", d=17), 1),
        ("p3", "Lovely weather in the park today, the dogs were running everywhere happily", 1),
        ("p3", "ok thanks", 40),
    ]
    assert template_pairs(rows, 0.6, 6, 64, 7) == {("p1", "p2"): 2}
    assert shingles("ok thanks", 6) is None
    assert template_pairs(rows, 0.6, 6, 64, 7) == template_pairs(rows[::-1], 0.6, 6, 64, 7)


def test_template_spread_counts_platform_senders_and_near_copies():
    small_talk = "congrats on the new place, it looks really lovely and bright"
    rows = [(f"a{i}", small_talk, 25) for i in range(3)]
    rows += [
        ("s1", "Our client would like to offer you a paid speaking slot in Geneva", 1),
        ("s2", "Our client would like to offer you a paid speaking slot in Geneva!", 1),
    ]
    found = template_pairs(rows, 0.6, 6, 64, 7)
    assert found[("a0", "a1")] == 25  # the platform-wide count of the small talk
    assert found[("s1", "s2")] == 2  # rare text: two near copies among the accounts


def _target_sets() -> dict[str, set[str]]:
    crew = {f"c{i}": {f"t{j}" for j in range(i, i + 8)} for i in range(4)}
    others = {f"o{i}": {f"x{i}-{j}" for j in range(5)} | {"t0"} for i in range(30)}
    return crew | others | {"lonely": {"t1"}}


def test_cotargeting_exact_and_lsh_agree():
    targets = _target_sets()
    exact = cotarget_pairs(targets, 0.3, 2, exact_max=10_000)
    approx = cotarget_pairs(targets, 0.3, 2, exact_max=0, num_perm=128, seed=3)
    assert set(exact) == {(f"c{a}", f"c{b}") for a, b in combinations(range(4), 2)}
    assert exact[("c0", "c1")] == 7 / 9
    # LSH may miss a pair near the threshold, never invent one
    assert set(approx) <= set(exact)
    assert {k for k, v in exact.items() if v >= 0.5} <= set(approx)


def test_discount_and_noisy_or():
    assert popularity_discount(2) == 1.0
    assert popularity_discount(10) < popularity_discount(3) < 1.0
    assert 0.2 < popularity_discount(100) < 0.25
    assert noisy_or([]) == 0.0
    assert abs(noisy_or([0.5, 0.5]) - 0.75) < 1e-12
    assert noisy_or([1.2, -3]) == 1.0
