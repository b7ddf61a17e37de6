"""Format detection, the real Amnesty bundle, idempotence, lifecycle and matching."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from _helpers.intel_samples import AMNESTY, DATA, META, META_2021

from mercwatch.errors import InputError, IntelFormatError
from mercwatch.intel.feeds import detect_format, intel_index, load_feed, load_feeds, parse_feed
from mercwatch.model import IndicatorType


@pytest.fixture(scope="module")
def pegasus():  # type: ignore[no-untyped-def]
    return load_feed(AMNESTY / "pegasus.stix2")


def test_amnesty_bundle_imports_with_nothing_lost(pegasus) -> None:  # type: ignore[no-untyped-def]
    assert pegasus.format == "stix2"
    assert pegasus.summary()["by_type"] == {
        "domain": 1438,
        "email": 29,
        "file_name": 1,
        "process_name": 81,
    }
    assert pegasus.rows == 1549 and pegasus.oddities == ()
    assert pegasus.actors == ("Pegasus",)
    listed = {
        line.strip().lower()
        for line in (AMNESTY / "domains.txt").read_text().splitlines()
        if line.strip()
    }
    assert {i.value for i in pegasus.indicators if i.type is IndicatorType.DOMAIN} == listed


def test_amnesty_lists_with_their_types() -> None:
    assert len(load_feed(AMNESTY / "emails.txt").indicators) == 29
    processes = load_feed(AMNESTY / "processes.txt", kind=IndicatorType.PROCESS_NAME)
    assert len(processes.indicators) == 81 and processes.oddities == ()
    guessed = load_feed(AMNESTY / "processes.txt")
    assert len(guessed.rejects) == 80
    assert [o.value for o in guessed.warnings] == ["com.apple.rapports.events"]


def test_duplicates_in_a_list_are_reported_not_doubled() -> None:
    feed = load_feed(AMNESTY / "v3_domains.txt")
    assert feed.rows == 610
    assert len(feed.indicators) + len(feed.warnings) == 610
    assert {o.reason for o in feed.warnings} == {"duplicate indicator"}


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        (AMNESTY / "pegasus.stix2", "stix2"),
        (META / f"{META_2021}.xml", "stix1"),
        (META / f"{META_2021}.json", "meta-json-2021"),
        (META / f"{META_2021}.csv", "meta-csv-2021"),
        (META / f"{META_2021}.tsv", "meta-tsv-2021"),
        (AMNESTY / "domains.txt", "plain"),
    ],
)
def test_format_is_detected_from_content(path: Path, fmt: str) -> None:
    assert detect_format(path.read_text(encoding="utf-8-sig")) == fmt


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"hello": 1}', "neither a STIX bundle"),
        ("{not json", "does not parse"),
        ("Tactic,Technique,Procedure\n0. Acquiring assets,0.1 x,0.1.1 y\n", "taxonomy"),
        ("<root/>", "not stix:STIX_Package"),
        ('<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "not readable STIX 1 XML"),
    ],
)
def test_unreadable_feeds_name_the_problem(text: str, reason: str) -> None:
    with pytest.raises(IntelFormatError) as info:
        parse_feed(text, "bad.feed")
    assert info.value.source == "bad.feed" and reason in info.value.reason


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        load_feed(tmp_path / "nope.json")


def test_same_feed_twice_changes_nothing() -> None:
    path = META / f"{META_2021}.csv"
    once = load_feed(path)
    twice = load_feeds([path, path])
    assert twice.indicators == once.indicators
    assert twice.oddities == once.oddities
    assert twice.rows == once.rows


def test_merging_different_feeds_keeps_both_actors(pegasus) -> None:  # type: ignore[no-untyped-def]
    merged = load_feeds([META / f"{META_2021}.json"]).merge(pegasus)
    assert merged.actors == ("Cytrox", "Pegasus")
    assert len(merged.indicators) == 310 + len(pegasus.indicators)


LIFECYCLE = {
    "type": "bundle",
    "id": "bundle--0f0e2f5e-2a9f-4b4e-8d0c-1d2e3f4a5b6c",
    "objects": [
        {
            "type": "malware",
            "spec_version": "2.1",
            "id": "malware--1f0e2f5e-2a9f-4b4e-8d0c-1d2e3f4a5b6c",
            "created": "2021-01-01T00:00:00Z",
            "modified": "2021-01-01T00:00:00Z",
            "name": "Predator",
            "is_family": True,
        },
        *[
            {
                "type": "indicator",
                "spec_version": "2.1",
                "id": f"indicator--{n}f0e2f5e-2a9f-4b4e-8d0c-1d2e3f4a5b6c",
                "created": "2021-01-01T00:00:00Z",
                "modified": "2021-01-01T00:00:00Z",
                "pattern_type": "stix",
                "pattern": f"[domain-name:value = '{name}']",
                "valid_from": "2021-01-01T00:00:00Z",
                **extra,
            }
            for n, name, extra in [
                (2, "live.example.com", {"valid_until": "2030-01-01T00:00:00Z"}),
                (3, "expired.example.com", {"valid_until": "2021-06-01T00:00:00Z"}),
                (4, "revoked.example.com", {"revoked": True}),
                (
                    5,
                    "http-only.example.com",
                    {
                        "pattern": "[url:value = 'http://x.example.com/'] OR "
                        "[ipv4-addr:value = '192.0.2.5']"
                    },
                ),
            ]
        ],
        *[
            {
                "type": "relationship",
                "spec_version": "2.1",
                "id": f"relationship--{n}f0e2f5e-2a9f-4b4e-8d0c-1d2e3f4a5b6c",
                "created": "2021-01-01T00:00:00Z",
                "modified": "2021-01-01T00:00:00Z",
                "relationship_type": "indicates",
                "source_ref": f"indicator--{n}f0e2f5e-2a9f-4b4e-8d0c-1d2e3f4a5b6c",
                "target_ref": "malware--1f0e2f5e-2a9f-4b4e-8d0c-1d2e3f4a5b6c",
            }
            for n in (2, 3, 4, 5)
        ],
        {
            "type": "indicator",
            "spec_version": "2.1",
            "id": "indicator--6f0e2f5e-2a9f-4b4e-8d0c-1d2e3f4a5b6c",
            "created": "2021-01-01T00:00:00Z",
            "modified": "2021-01-01T00:00:00Z",
            "pattern_type": "stix",
            "pattern": (
                "[domain-name:value = 'a.example.com' AND domain-name:value = 'b.example.com']"
            ),
            "valid_from": "2021-01-01T00:00:00Z",
        },
        {
            "type": "indicator",
            "spec_version": "2.1",
            "id": "indicator--7f0e2f5e-2a9f-4b4e-8d0c-1d2e3f4a5b6c",
            "created": "2021-01-01T00:00:00Z",
            "modified": "2021-01-01T00:00:00Z",
            "pattern_type": "stix",
            "pattern": "[this is not a pattern",
            "valid_from": "2021-01-01T00:00:00Z",
        },
    ],
}
NOW = datetime(2022, 1, 1)


@pytest.fixture
def lifecycle():  # type: ignore[no-untyped-def]
    return parse_feed(json.dumps(LIFECYCLE), "peer.stix2")


def test_expired_and_revoked_are_reported_but_not_matched(lifecycle) -> None:  # type: ignore[no-untyped-def]
    assert [i.value for i in lifecycle.expired(NOW)] == ["expired.example.com"]
    assert [i.value for i in lifecycle.revoked()] == ["revoked.example.com"]
    match = lifecycle.match_set(NOW)
    assert match.domains == {"live.example.com"}
    assert match.urls == {"http://x.example.com/"} and match.ips == {"192.0.2.5"}
    # before its expiry the expired one still matches
    assert "expired.example.com" in lifecycle.match_set(datetime(2021, 3, 1)).domains


def test_bad_objects_are_rejected_and_the_rest_imported(lifecycle) -> None:  # type: ignore[no-untyped-def]
    assert len(lifecycle.rejects) == 2
    assert any(
        "does not parse" in o.reason or "invalid STIX object" in o.reason for o in lifecycle.rejects
    )
    assert any("not a list of values" in o.reason for o in lifecycle.rejects)


def test_match_set_attribution(lifecycle) -> None:  # type: ignore[no-untyped-def]
    match = lifecycle.match_set(NOW)
    assert match.actors_for(IndicatorType.DOMAIN, "live.example.com") == ("Predator",)
    assert match.match_domain("cdn.Live.Example.com.") == "live.example.com"
    assert match.match_domain("example.com") is None
    assert match.actors_for(IndicatorType.DOMAIN, "unknown.example") == ()


def test_intel_index_for_the_link_stage(lifecycle) -> None:  # type: ignore[no-untyped-def]
    index = intel_index(lifecycle, NOW)
    assert index.lookup("LIVE.example.com.") == [("Predator", "peer.stix2")]
    assert index.lookup("expired.example.com") == []
    assert index.lookup("revoked.example.com") == []
    assert set(index.values()) == {"live.example.com", "http://x.example.com", "192.0.2.5"}


def test_benign_lists_match_no_known_bad_domain(pegasus) -> None:  # type: ignore[no-untyped-def]
    bad = load_feeds([META / f"{META_2021}.csv"]).merge(pegasus).match_set(NOW)
    assert bad.match_domain("cdn.weather4free.com") == "weather4free.com"  # a Pegasus domain
    for name in ("opendns-top-domains.txt", "opendns-random-domains.txt"):
        lines = (DATA / "benign_domains" / name).read_text().split()
        hits = [line for line in lines if bad.match_domain(line)]
        assert hits == [], hits[:5]
