"""truth.json says exactly what the events show: accounts, targets, domains, phases."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from mercwatch.model.records import Phase
from mercwatch.sim import SimResult

from .contract import load_export, parse_ts

RECON, ENGAGE = {"view_profile", "search"}, {"friend_request", "message"}
FRESH = "2021-01-01"  # fake accounts are made at most 200 days before the window
INTEL = Path(__file__).resolve().parents[1] / "data" / "intel"


def _host(url: str | None) -> str | None:
    return url.split("://", 1)[1].split("/", 1)[0] if url and "://" in url else None


def _load(result: SimResult) -> tuple[dict, dict[str, dict], tuple[dict, ...]]:
    return load_export(result.out)


def _check(result: SimResult) -> None:
    truth, accounts, events = _load(result)
    by_actor: dict[str, list[dict]] = defaultdict(list)
    for e in events:
        by_actor[e.get("actor_id") or ""].append(e)
    seen_accounts: set[str] = set()
    for op in truth["operations"]:
        mine = set(op["accounts"])
        assert mine and mine <= set(accounts), op["operation_id"]
        assert not mine & seen_accounts, "an account in two operations"
        seen_accounts |= mine
        acted = [e for a in mine for e in by_actor[a]]
        hit = {e["target_id"] for e in acted if e.get("target_id")} - mine
        assert set(op["targets"]) <= set(accounts)
        assert set(op["targets"]) <= hit, op["operation_id"]
        # Fake accounts have no life besides the operation (hijacked ones keep theirs).
        fresh = {a for a in mine if accounts[a]["created_at"] >= FRESH}
        by_fakes = [e for a in fresh for e in by_actor[a]]
        assert {e["target_id"] for e in by_fakes if e.get("target_id")} <= set(op["targets"])
        hosts = {_host(e.get("url")) for e in acted}
        assert set(op["domains"]) <= hosts
        if fresh == mine:
            assert set(op["phases"]) == _phases(acted, set(op["domains"]))
        assert _phases(by_fakes, set(op["domains"])) <= set(op["phases"])
        assert set(op["phases"]) <= _phases(acted, set(op["domains"]))
        assert op["phases"] == sorted(op["phases"], key=lambda p: Phase(p).rank)
        assert bool(op["domains"]) == ("exploitation" in op["phases"])
    for group in truth["hard_negatives"]:
        assert group["accounts"]
        assert not set(group["accounts"]) & seen_accounts


def _phases(events: list[dict], domains: set[str]) -> set[str]:
    phases = set()
    if any(e["type"] in RECON for e in events):
        phases.add("reconnaissance")
    if any(e["type"] in ENGAGE for e in events):
        phases.add("engagement")
    if domains & {_host(e.get("url")) for e in events}:
        phases.add("exploitation")
    return phases


@pytest.mark.parametrize("name", ["parquet_export", "jsonl_export", "csv_export"])
def test_truth_matches_events(name: str, request: pytest.FixtureRequest) -> None:
    result: SimResult = request.getfixturevalue(name)
    _check(result)
    truth = json.loads(result.truth_path.read_text("utf-8"))
    assert [o.to_dict() for o in result.operations] == truth["operations"]


def test_truth_holds_for_other_seeds(seeds_exports: list[SimResult]) -> None:
    for result in seeds_exports:
        _check(result)


def test_styles_phases_and_sizes_vary(
    seeds_exports: list[SimResult], parquet_export: SimResult
) -> None:
    ops = [o for r in [*seeds_exports, parquet_export] for o in r.operations]
    assert {o.actor for o in ops} == {
        "Cobwebs-like",
        "Cognyte-like",
        "BlackCube-like",
        "BellTroX-like",
        "Cytrox-like",
    }
    phase_sets = {tuple(p.value for p in o.phases) for o in ops}
    assert ("reconnaissance",) in phase_sets or ("reconnaissance", "engagement") in phase_sets
    assert ("reconnaissance", "engagement", "exploitation") in phase_sets
    assert (
        len({len(r.operations) for r in seeds_exports}) > 1
        or len({len(o.accounts) for o in ops}) > 3
    )


def test_operations_reuse_infrastructure_imperfectly(seeds_exports: list[SimResult]) -> None:
    """Some accounts of an operation share addresses, not all; some accounts are old."""
    shared_some, not_all, hijacked = False, False, False
    for result in seeds_exports:
        truth, accounts, events = _load(result)
        for op in truth["operations"]:
            ips: dict[str, set[str]] = {
                a: {e["ip"] for e in events if e.get("actor_id") == a and e.get("ip")}
                for a in op["accounts"]
            }
            pool = [ip for s in ips.values() for ip in s]
            common = {ip for ip in pool if sum(ip in s for s in ips.values()) > 1}
            shared_some |= bool(common)
            not_all |= any(not (s & common) for s in ips.values()) or any(
                len(s - common) > 0 for s in ips.values()
            )
            hijacked |= any(accounts[a]["created_at"] < "2019-09-01" for a in op["accounts"])
    assert shared_some and not_all and hijacked


def test_generated_domains_are_not_the_held_out_indicators(
    seeds_exports: list[SimResult], parquet_export: SimResult, jsonl_export: SimResult
) -> None:
    held_out: set[str] = set()
    for path in (INTEL / "amnesty_pegasus").glob("*domains*.txt"):
        held_out |= {ln.strip().lower() for ln in path.read_text("utf-8").splitlines()}
    meta = (INTEL / "meta_threat_research").glob("2021_12_*.csv")
    for path in meta:
        held_out |= {
            tok.strip().strip('"').lower()
            for tok in path.read_text("utf-8").replace(",", "\n").split("\n")
        }
    benign = {
        ln.strip().lower()
        for ln in (INTEL / "benign_domains" / "opendns-top-domains.txt")
        .read_text("utf-8")
        .splitlines()
    }
    assert len(held_out) > 100
    made = {
        d
        for r in [*seeds_exports, parquet_export, jsonl_export]
        for o in r.operations
        for d in o.domains
    }
    assert made and not made & held_out and not made & benign


def test_scripted_events_fall_in_window(parquet_export: SimResult) -> None:
    _, accounts, events = _load(parquet_export)
    for e in events:
        if e.get("actor_id"):
            assert e["ts"] >= accounts[e["actor_id"]]["created_at"], e
    assert all(parse_ts(e["ts"]) for e in events)
