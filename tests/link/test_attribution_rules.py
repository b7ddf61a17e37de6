"""Attribution that would survive peer review: what may name an actor, and what may not.

Each rule is a case that attributed before (one overlapping indicator was enough, and
any name a feed gave was an actor) and is checked here.
"""

from __future__ import annotations

import pytest

from mercwatch.link import MappingIntelIndex
from mercwatch.link.attribution import attribute, indicator_unit
from mercwatch.link.intel import is_actor_name
from mercwatch.model import Infrastructure

INFRA = Infrastructure(
    domains=("secure-verify-login.com", "a-lure.github.io"),
    urls=("https://bit.ly/3xYz", "https://secure-verify-login.com/p"),
    ips=("198.51.100.7", "198.51.100.9", "203.0.113.5"),
)


def _attribute(entries: dict) -> object:
    return attribute(INFRA, MappingIntelIndex.from_mapping(entries))


@pytest.mark.parametrize(
    "entries",
    [
        {"198.51.100.7": ("APT-X", "peer")},  # one login IP
        {"198.51.100.7": ("APT-X", "peer"), "198.51.100.9": ("APT-X", "peer")},  # one /24
        {"a-lure.github.io": ("APT-X", "peer")},  # shared hosting alone
        {"https://bit.ly/3xYz": ("APT-X", "peer")},  # a URL shortener alone
    ],
    ids=["ip-only", "one-network", "shared-hosting-only", "shortener-only"],
)
def test_one_weak_indicator_leaves_it_unattributed(entries: dict) -> None:
    assert _attribute(entries) is None


@pytest.mark.parametrize(
    ("entries", "matched"),
    [
        (
            {"198.51.100.7": ("APT-X", "peer"), "a-lure.github.io": ("APT-X", "peer")},
            ("198.51.100.7", "a-lure.github.io"),
        ),
        (
            {"198.51.100.7": ("APT-X", "peer"), "203.0.113.5": ("APT-X", "peer")},
            ("198.51.100.7", "203.0.113.5"),
        ),
    ],
    ids=["ip-and-hosted-site", "two-networks"],
)
def test_two_independent_indicators_attribute(entries: dict, matched: tuple) -> None:
    found = _attribute(entries)
    assert found is not None and found.actor == "APT-X"
    assert found.matched == matched
    assert found.confidence is not None and 0.4 < found.confidence < 0.6
    assert found.to_dict()["confidence"] == found.confidence


def test_a_registered_domain_alone_attributes_and_its_url_is_no_second_witness() -> None:
    one = _attribute({"secure-verify-login.com": ("APT-X", "peer")})
    assert one is not None and one.confidence == 0.8
    both = _attribute(
        {
            "secure-verify-login.com": ("APT-X", "peer"),
            "https://secure-verify-login.com/p": ("APT-X", "peer"),
        }
    )
    assert both is not None and both.confidence == 0.8  # one domain, one indicator
    assert len(both.matched) == 2


@pytest.mark.parametrize(
    "name", ["mercwatch operation op-1a2b3c4d5e6f", "op-1a2b3c4d5e6f", "unattributed", " "]
)
def test_a_feed_naming_only_its_own_operation_ids_attributes_nothing(name: str) -> None:
    assert not is_actor_name(name)
    entries = {
        "secure-verify-login.com": (name, "peer"),
        "198.51.100.7": (name, "peer"),
        "203.0.113.5": (name, "peer"),
    }
    assert _attribute(entries) is None


@pytest.mark.parametrize("name", ["Cytrox", "Black Cube", "APT28", "Operation Triangulation"])
def test_threat_actor_names_are_names(name: str) -> None:
    assert is_actor_name(name)


def test_reseller_zone_names_are_registered_not_shared_hosting() -> None:
    assert indicator_unit("adservices.gr.com").specificity == "registered"
    assert indicator_unit("someone.github.io").specificity == "shared"
    assert indicator_unit("gmail.com").specificity == "shared"
