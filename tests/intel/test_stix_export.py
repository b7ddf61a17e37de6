"""STIX 2.1 export: valid for the OASIS validator, readable by MVT, reproducible, revocable."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
import stix2
from _helpers.intel_samples import TARGET_NAMES
from stix2validator import ValidationOptions, validate_string

from mercwatch.intel.feeds import load_feed
from mercwatch.intel.killchain import MERCWATCH_KILL_CHAIN, META_KILL_CHAIN
from mercwatch.intel.stix import export_stix, stix_id, write_stix
from mercwatch.intel.tlp import level_of_marking, tlp_marking
from mercwatch.model import Indicator, IndicatorType

# Warnings we accept, each for a reason:
#   103  "not a valid UUIDv4 ID": ids are UUIDv5 on purpose so reruns and peers
#        deduplicate (see mercwatch.intel.stix.stix_id).
ACCEPTED_WARNINGS = {"103"}


def _objects(bundle: stix2.Bundle, kind: str) -> list:
    return [o for o in bundle.objects if o.type == kind]


def _validate(bundle: stix2.Bundle) -> None:
    results = validate_string(bundle.serialize(), ValidationOptions(version="2.1"))
    for obj in results if isinstance(results, list) else [results]:
        assert obj.is_valid
        assert obj.errors == []
        codes = {w.split("{", 1)[1].split("}", 1)[0] for w in obj.warnings}
        assert codes <= ACCEPTED_WARNINGS, obj.warnings


@pytest.fixture
def bundle(operations, clock) -> stix2.Bundle:  # type: ignore[no-untyped-def]
    extra = {
        "op-0001": [
            Indicator(IndicatorType.SHA256, "ab" * 32),
            Indicator(IndicatorType.EMAIL, "hr@evil-hr-recruit.com"),
        ]
    }
    return export_stix(
        operations,
        publisher="Example Platform T&S",
        clock=clock,
        extra=extra,
        sensitive=TARGET_NAMES,
    )


def test_bundle_passes_the_oasis_validator(bundle: stix2.Bundle) -> None:
    _validate(bundle)


def test_bundle_shape(bundle: stix2.Bundle) -> None:
    (identity,) = _objects(bundle, "identity")
    assert identity.name == "Example Platform T&S"
    assert {i.name for i in _objects(bundle, "intrusion-set")} == {
        "mercwatch operation op-0001",
        "mercwatch operation op-0002",
    }
    (actor,) = _objects(bundle, "threat-actor")
    assert actor.name == "Cytrox"
    rels = _objects(bundle, "relationship")
    assert (
        sum(r.relationship_type == "attributed-to" and r.target_ref == actor.id for r in rels) == 1
    )
    indicators = _objects(bundle, "indicator")
    indicates = {r.source_ref for r in rels if r.relationship_type == "indicates"}
    assert {i.id for i in indicators} == indicates
    patterns = {i.pattern for i in indicators}
    assert "[domain-name:value = 'evil-news.xyz']" in patterns
    assert "[ipv6-addr:value = '2001:db8::7']" in patterns
    assert "[url:value = 'http://track.evil-news.xyz/a\\'p\\\\c']" in patterns
    assert f"[file:hashes.'SHA-256' = '{'ab' * 32}']" in patterns
    assert "[email-addr:value = 'hr@evil-hr-recruit.com']" in patterns
    for obj in bundle.objects:
        if obj.type != "marking-definition":
            assert obj.object_marking_refs == [tlp_marking("clear").id]
        if obj.type not in ("marking-definition", "identity"):
            assert obj.created_by_ref == identity.id


def test_indicator_lifecycle_and_kill_chains(bundle: stix2.Bundle) -> None:
    domain = next(i for i in _objects(bundle, "indicator") if i.name == "evil-news.xyz")
    assert domain.valid_from == datetime.fromisoformat("2021-10-01T08:00:00+00:00")
    assert "valid_until" not in domain  # a named actor's infrastructure (lifetime policy)
    chains = {(k.kill_chain_name, k.phase_name) for k in domain.kill_chain_phases}
    assert (MERCWATCH_KILL_CHAIN, "exploitation") in chains
    assert (META_KILL_CHAIN, "compromising-assets") in chains
    assert (META_KILL_CHAIN, "targeted-engagement") in chains
    assert "attribution" in domain.indicator_types


def test_reruns_give_identical_bytes(operations, clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first = write_stix(export_stix(operations, clock=clock), tmp_path / "a.json").read_bytes()
    second = write_stix(
        export_stix(list(reversed(operations)), clock=clock), tmp_path / "b.json"
    ).read_bytes()
    assert first == second
    assert stix_id("indicator", "domain", "evil-news.xyz") in first.decode()


@pytest.mark.parametrize(
    ("level", "expected"),
    [("white", "clear"), ("TLP:GREEN", "green"), ("amber+strict", "amber+strict"), ("red", "red")],
)
def test_tlp_levels(operations, clock, level: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    bundle = export_stix(operations, tlp=level, clock=clock)
    (marking,) = _objects(bundle, "marking-definition")
    assert level_of_marking(marking.id) == expected
    assert marking.name == f"TLP:{expected.upper()}"
    _validate(bundle)


def test_withdrawn_indicators_are_revoked(operations, clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first = export_stix(operations, clock=clock)
    path = write_stix(first, tmp_path / "first.json")
    second = export_stix(operations[:1], clock=clock, previous=path)
    _validate(second)
    revoked = [i for i in _objects(second, "indicator") if i.get("revoked")]
    assert {i.name for i in revoked} == {"profile-viewer.example.net", "198.51.100.23"}
    old = {o.id: o for o in _objects(first, "indicator")}
    for ind in revoked:
        assert ind.modified > old[ind.id].modified
        assert ind.created == old[ind.id].created
    live = {i.id for i in _objects(second, "indicator") if not i.get("revoked")}
    assert live <= set(old)  # unchanged values keep their ids
    # the revocation survives re-import: revoked indicators are not matched
    feed = load_feed(write_stix(second, tmp_path / "second.json"))
    assert {i.value for i in feed.revoked()} == {"profile-viewer.example.net", "198.51.100.23"}
    assert "profile-viewer.example.net" not in feed.match_set(datetime(2022, 1, 1)).domains


def test_a_revoked_value_that_returns_gets_a_new_id(operations, clock) -> None:  # type: ignore[no-untyped-def]
    first = export_stix(operations, clock=clock)
    gone = export_stix(operations[:1], clock=clock, previous=first)
    back = export_stix(operations, clock=clock, previous=gone)
    _validate(back)
    named = [i for i in _objects(back, "indicator") if i.name == "profile-viewer.example.net"]
    assert sorted(bool(i.get("revoked")) for i in named) == [False, True]
    assert len({i.id for i in named}) == 2


def test_mvt_loads_the_bundle_and_finds_the_domains(
    bundle: stix2.Bundle, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MVT_DATA_FOLDER", str(tmp_path / "mvt-data"))
    from mvt.common.indicators import Indicators

    path = write_stix(bundle, tmp_path / "mercwatch.stix2")
    iocs = Indicators()
    iocs.parse_stix2(str(path))
    domains = {i.value for i in iocs.get_iocs("domains")}
    assert {"evil-news.xyz", "login.evil-news.xyz", "profile-viewer.example.net"} <= domains
    assert "203.0.113.7" in domains  # MVT files IPv4 indicators with domains
    assert {i.value for i in iocs.get_iocs("emails")} == {"hr@evil-hr-recruit.com"}
    assert {i.value for i in iocs.get_iocs("files_sha256")} == {"ab" * 32}
    # MVT names collections after reports; ours are named per operation
    assert {c["name"] for c in iocs.ioc_collections} >= {"mercwatch operation op-0001"}
    match = iocs.check_url("https://login.evil-news.xyz/anything")
    assert match is not None and match.ioc.value == "login.evil-news.xyz"


def test_export_round_trips_through_our_importer(bundle: stix2.Bundle, tmp_path: Path) -> None:
    feed = load_feed(write_stix(bundle, tmp_path / "x.json"))
    assert feed.format == "stix2" and feed.rejects == ()
    exported = {i.name for i in _objects(bundle, "indicator")}
    assert {i.value for i in feed.indicators} == exported
    actors = {i.value: i.actor for i in feed.indicators}
    assert actors["evil-news.xyz"] == "Cytrox"
    assert actors["profile-viewer.example.net"] == "mercwatch operation op-0002"
    assert json.loads(bundle.serialize())["type"] == "bundle"
