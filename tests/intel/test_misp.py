"""MISP export and import through PyMISP's offline MISPEvent."""

from __future__ import annotations

import json
from pathlib import Path

from pymisp import MISPEvent

from mercwatch.intel.feeds import load_feed
from mercwatch.intel.misp import export_misp, read_misp, write_misp
from mercwatch.model import Indicator, IndicatorType, Phase


def test_one_event_per_operation_with_typed_attributes(operations) -> None:  # type: ignore[no-untyped-def]
    extra = {"op-0001": [Indicator(IndicatorType.SHA256, "cd" * 32)]}
    first, second = export_misp(operations, extra=extra)
    assert first.info == "mercwatch operation op-0001 attributed to Cytrox"
    kinds = {(a.type, a.value) for a in first.attributes}
    assert ("domain", "evil-news.xyz") in kinds
    assert ("ip-dst", "2001:db8::7") in kinds
    assert ("url", "https://login.evil-news.xyz/verify") in kinds
    assert ("sha256", "cd" * 32) in kinds
    tags = {t.name for t in first.tags}
    assert {"tlp:clear", 'misp-galaxy:threat-actor="Cytrox"'} <= tags
    assert 'mercwatch-surveillance-for-hire:phase="exploitation"' in tags
    assert 'misp-galaxy:meta-online-operations-kill-chain="8. Compromising assets"' in tags
    clusters = {c.value for g in first.galaxies for c in g.clusters}
    assert "7. Targeted engagement" in clusters
    assert second.info == "mercwatch operation op-0002"
    assert {t.name for t in second.tags} >= {
        'mercwatch-surveillance-for-hire:phase="reconnaissance"'
    }


def test_every_event_loads_back_in_pymisp(operations, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    events = export_misp(operations, tlp="green")
    for event in events:
        again = MISPEvent()
        again.load(event.to_json())
        assert again.uuid == event.uuid
        assert [(a.type, a.value) for a in again.attributes] == [
            (a.type, a.value) for a in event.attributes
        ]
        assert "tlp:green" in {t.name for t in again.tags}
    body = json.loads(write_misp(events, tmp_path / "events.json").read_text())
    for item in body["response"]:
        loaded = MISPEvent()
        loaded.load(item)
        assert loaded.info.startswith("mercwatch operation")


def test_export_is_reproducible(operations, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a = write_misp(export_misp(operations), tmp_path / "a.json").read_bytes()
    b = write_misp(export_misp(list(reversed(operations))), tmp_path / "b.json").read_bytes()
    assert a == b


def test_round_trip_keeps_actor_and_phases(operations, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    feed = load_feed(write_misp(export_misp(operations), tmp_path / "events.json"))
    assert feed.format == "misp" and feed.rejects == ()
    found = {i.value: i for i in feed.indicators}
    assert found["evil-news.xyz"].actor == "Cytrox"
    assert found["evil-news.xyz"].phases == (Phase.ENGAGEMENT, Phase.EXPLOITATION)
    assert found["198.51.100.23"].actor is None
    assert found["198.51.100.23"].type is IndicatorType.IPV4


def test_foreign_event_with_unused_types_and_deleted_attributes() -> None:
    event = {
        "Event": {
            "info": "peer event",
            "Tag": [{"name": 'misp-galaxy:threat-actor="Predator"'}],
            "Attribute": [
                {"type": "hostname", "value": "Cdn.Evil[.]com", "category": "Network activity"},
                {"type": "ip-src", "value": "2001:db8::9", "category": "Network activity"},
                {
                    "type": "vulnerability",
                    "value": "CVE-2021-30860",
                    "category": "External analysis",
                },
                {
                    "type": "domain",
                    "value": "gone.example.org",
                    "category": "Network activity",
                    "deleted": True,
                },
                {"type": "domain", "value": "no-suffix", "category": "Network activity"},
            ],
            "Object": [
                {
                    "name": "domain-ip",
                    "Attribute": [
                        {
                            "type": "domain",
                            "value": "obj.example.org",
                            "category": "Network activity",
                            "object_relation": "domain",
                        }
                    ],
                }
            ],
        }
    }
    feed = read_misp(event, "peer.json")
    assert feed.rows == 6
    assert {(i.type, i.value) for i in feed.indicators} == {
        (IndicatorType.DOMAIN, "cdn.evil.com"),
        (IndicatorType.IPV6, "2001:db8::9"),
        (IndicatorType.DOMAIN, "gone.example.org"),
        (IndicatorType.DOMAIN, "obj.example.org"),
    }
    assert feed.actors == ("Predator",)
    assert [i.value for i in feed.revoked()] == ["gone.example.org"]
    assert {o.value for o in feed.rejects} == {"CVE-2021-30860", "no-suffix"}
