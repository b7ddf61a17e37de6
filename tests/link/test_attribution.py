"""Attribution from imported intel, with Meta's published Cytrox domains."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from mercwatch.link import (
    IntelIndex,
    LinkConfig,
    MappingIntelIndex,
    build_operations,
    normalize_indicator,
)
from mercwatch.link.attribution import attribute
from mercwatch.model import Infrastructure, Phase

META_CSV = (
    Path(__file__).parent.parent
    / "data/intel/meta_threat_research/2021_12_taking_action_against_surveillance_for_hire.csv"
)
SOURCE = "meta-2021-12"
PHOTO = 0x0F0F_F0F0_1234_5678


def cytrox_intel() -> dict[str, tuple[str, str]]:
    with META_CSV.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) > 300
    return {
        row["indicator_value"]: ("Cytrox", SOURCE)
        for row in rows
        if row["indicator_type"] == "domain_name"
    }


def test_operation_attributed_from_intel_without_any_domain_signal(platform):
    intel = cytrox_intel()
    domains = sorted(intel)[:2]
    intel["203.0.113.66"] = ("OtherCo", "peer-feed")
    targets = platform.benign("t", 3)
    ring = platform.persona_ring("ring", 3, "devC", PHOTO, targets=targets)
    platform.event("message", ring[1], targets[0], url=f"https://mail.{domains[0]}/inbox")
    platform.event("message", ring[2], targets[1], url=f"http://{domains[1].upper()}/")
    platform.event("login", ring[0], ip="203.0.113.66")

    (op,) = build_operations(platform.connect(), platform.signal_table(), intel=intel)

    assert op.attribution is not None
    assert op.attribution.actor == "Cytrox"
    assert op.attribution.source == SOURCE
    assert op.attribution.matched == tuple(domains)
    assert op.infrastructure.domains == tuple(domains)
    assert "203.0.113.66" in op.infrastructure.ips  # flagged by intel, so reported
    assert dict(op.target_levels) == {
        targets[0]: Phase.EXPLOITATION,
        targets[1]: Phase.EXPLOITATION,
        targets[2]: Phase.RECONNAISSANCE,
    }
    without = build_operations(platform.connect(), platform.signal_table())
    assert without[0].attribution is None
    # The raw score rises; the calibrated probability may only flatten, never fall.
    assert without[0].raw_confidence < op.raw_confidence
    assert without[0].confidence <= op.confidence


def test_delivering_a_known_domain_is_evidence_of_its_own(platform):
    intel = cytrox_intel()
    domain = sorted(intel)[5]
    target = platform.account("t")
    courier = platform.account("courier")  # no signal of its own at all
    platform.event("share_link", courier, target, url=f"https://{domain}/a")
    con = platform.connect()

    (op,) = build_operations(con, platform.signal_table(), intel=intel)

    assert op.accounts == (courier,)
    assert op.attribution is not None and op.attribution.actor == "Cytrox"
    assert op.target_levels == ((target, Phase.EXPLOITATION),)
    # a lone account needs 0.9 of its own: half-weighted deliveries are not enough
    weak = LinkConfig(delivered_link_weight=0.5)
    assert build_operations(con, platform.signal_table(), intel=intel, config=weak) == []


@pytest.mark.parametrize(
    ("entries", "actor", "source", "matched"),
    [
        (
            {"a.example": [("X", "f1")], "b.example": [("Y", "f2")], "c.example": [("Y", "f3")]},
            "Y",
            "f2",
            ("b.example", "c.example"),
        ),
        ({"a.example": [("X", "f1"), ("Y", "f1")]}, "X", "f1", ("a.example",)),
        (
            {"198.51.100.1": [("Z", "f1")], "https://a.example/p": [("Z", "f2")]},
            "Z",
            "f1",
            ("198.51.100.1", "https://a.example/p"),
        ),
    ],
)
def test_actor_with_most_matches_wins(entries, actor, source, matched):
    infra = Infrastructure(
        domains=("a.example", "b.example", "c.example"),
        urls=("https://a.example/p",),
        ips=("198.51.100.1",),
    )
    found = attribute(infra, MappingIntelIndex.from_mapping(entries))
    assert found is not None
    assert (found.actor, found.source, found.matched) == (actor, source, matched)


def test_no_overlap_no_attribution():
    index = MappingIntelIndex.from_mapping({"other.example": ("X", "f")})
    assert attribute(Infrastructure(domains=("a.example",)), index) is None


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("Evil.Example.", "evil.example"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("2001:DB8:0:0::1", "2001:db8::1"),
        (" https://evil.example/path/ ", "https://evil.example/path"),
    ],
)
def test_indicator_normalization(raw, normal):
    assert normalize_indicator(raw) == normal
    index = MappingIntelIndex.from_mapping({raw: ("A", "s")})
    assert list(index.values()) == [normal]
    assert index.lookup(normal) == [("A", "s")]
    assert index.lookup("unknown.example") == []
    assert isinstance(index, IntelIndex)
