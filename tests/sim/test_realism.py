"""The benign population is hard on purpose; operations carry their styles' marks."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import idna
import numpy as np
from rapidfuzz import fuzz

from mercwatch.sim import SimResult
from mercwatch.sim.crowds import CROWDS

from .contract import load_export, parse_ts, read_rows, table_path


def _data(result: SimResult) -> tuple[dict, dict[str, dict], tuple[dict, ...]]:
    return load_export(result.out)


def test_crawlers_are_honest_broad_and_many_addressed(parquet_export: SimResult) -> None:
    _, _, events = _data(parquet_export)
    bots = [e for e in events if "Googlebot" in (e.get("user_agent") or "")]
    assert len(bots) > 200
    assert all(e["actor_id"] is None and e["type"] == "view_profile" for e in bots)
    assert {e["asn"] for e in bots} == {15169}
    assert len({e["ip"] for e in bots}) > 0.9 * len(bots)
    assert len({e["target_id"] for e in bots}) > 0.6 * len(bots)


def test_nat_addresses_are_shared_by_many(parquet_export: SimResult) -> None:
    _, _, events = _data(parquet_export)
    users: dict[str, set[str]] = defaultdict(set)
    for e in events:
        if e.get("actor_id") and e.get("ip"):
            users[e["ip"]].add(e["actor_id"])
    assert max(len(u) for u in users.values()) >= 40
    assert sum(len(u) >= 10 for u in users.values()) >= 5


def test_at_risk_people_hear_from_strangers(parquet_export: SimResult) -> None:
    truth, accounts, events = _data(parquet_export)
    op_accounts = {a for o in truth["operations"] for a in o["accounts"]}
    journalists = {a for a, r in accounts.items() if "journalist" in (r.get("tags") or [])}
    senders: dict[str, set[str]] = defaultdict(set)
    for e in events:
        if (
            e["type"] == "message"
            and e["target_id"] in journalists
            and e["actor_id"] not in op_accounts
        ):
            senders[e["target_id"]].add(e["actor_id"])
    assert np.median([len(s) for s in senders.values()]) >= 5


def test_benign_links_use_shorteners_and_news_short_domains(parquet_export: SimResult) -> None:
    truth, _, events = _data(parquet_export)
    op_domains = {d for o in truth["operations"] for d in o["domains"]}
    hosts = Counter(e["url"].split("/")[2] for e in events if e.get("url"))
    assert hosts["bit.ly"] > 20 and hosts["t.co"] > 5
    assert {"nyti.ms", "reut.rs", "youtube.com"} <= set(hosts)
    assert len(set(hosts) - op_domains) > 40


def test_celebrity_photos_are_reused_with_variants(parquet_export: SimResult) -> None:
    _, accounts, _ = _data(parquet_export)
    photos = Counter(r["photo_hash"] for r in accounts.values() if r.get("photo_hash"))
    popular = [p for p, c in photos.items() if c >= 3]
    assert popular
    variants = 0
    for p in photos:
        for star in popular:
            if p != star and bin(int(p, 16) ^ int(star, 16)).count("1") <= 2:
                variants += 1
    assert variants >= 1


def test_new_users_join_and_friend(parquet_export: SimResult) -> None:
    _, accounts, events = _data(parquet_export)
    new = {a for a, r in accounts.items() if r["created_at"] >= "2021-09-01"}
    assert len(new) > 20
    requests = Counter(
        e["actor_id"] for e in events if e["type"] == "friend_request" and e["actor_id"] in new
    )
    assert max(requests.values()) >= 5


def test_templates_from_recruiters_and_hard_negatives(parquet_export: SimResult) -> None:
    truth, _, events = _data(parquet_export)
    texts = [e["text"] for e in events if e["type"] == "message" and e.get("text")]
    assert sum("great fit for a role at" in t for t in texts) > 10
    kinds = {h["kind"] for h in truth["hard_negatives"]}
    crowds = {crowd.__name__ for crowd in CROWDS}  # tests/sim/test_crowds.py checks those
    assert kinds == {"newsroom_team", "marketing_agency"} | crowds
    for group in truth["hard_negatives"]:
        if group["kind"] in crowds:
            continue
        ips = Counter(e["ip"] for e in events if e.get("actor_id") in set(group["accounts"]))
        assert ips.most_common(1)[0][1] >= 10


def test_collection_tools_keep_a_regular_pace(seeds_exports: list[SimResult]) -> None:
    """Logged-out scraping from an operation's addresses walks targets evenly spaced."""
    found = False
    for result in seeds_exports:
        truth, _, events = _data(result)
        for op in truth["operations"]:
            if op["actor"] not in ("Cobwebs-like", "Cognyte-like"):
                continue
            targets = set(op["targets"])
            hits = [
                e
                for e in events
                if e["actor_id"] is None
                and e["target_id"] in targets
                and "bot" not in (e.get("user_agent") or "").lower()
                and (e.get("asn") or 0) in {14061, 16276, 24940, 63949, 20473, 9009, 16509}
            ]
            stamps = sorted(parse_ts(e["ts"]).timestamp() for e in hits)
            gaps = np.diff(stamps)
            if len(gaps) > 5 and np.median(gaps) < 120:
                found = True
    assert found


def test_personas_send_near_duplicate_scripts(seeds_exports: list[SimResult]) -> None:
    for result in seeds_exports:
        truth, _, events = _data(result)
        for op in truth["operations"]:
            if op["actor"] != "BlackCube-like" or "engagement" not in op["phases"]:
                continue
            mine = set(op["accounts"])
            texts = [e["text"] for e in events if e["actor_id"] in mine and e["type"] == "message"]
            openers = Counter(t.split(",")[0].split()[0] for t in texts)
            assert texts and openers.most_common(1)[0][1] >= 2
            return
    raise AssertionError("no engaged BlackCube-like operation in the seeds")


def _ops(results: list[SimResult], actor: str) -> list[tuple[dict, dict, tuple[dict, ...], Path]]:
    found = []
    for result in results:
        truth, accounts, events = _data(result)
        found += [
            (op, accounts, events, result.out) for op in truth["operations"] if op["actor"] == actor
        ]
    return found


def test_persona_operations_reach_family_and_close_contacts(
    seeds_exports: list[SimResult], parquet_export: SimResult
) -> None:
    reached_family = False
    for op, _, _, out in _ops([*seeds_exports, parquet_export], "BlackCube-like"):
        targets = set(op["targets"])
        for row in read_rows(table_path(out, "friendships")):
            if row["a"] in targets and row["b"] in targets:
                reached_family = True
    assert reached_family


def test_hack_for_hire_impersonates_press_and_politics(
    seeds_exports: list[SimResult], parquet_export: SimResult
) -> None:
    roles = {"journalist", "correspondent", "editor", "parliament", "minister", "council"}
    claimed = []
    for op, accounts, events, _ in _ops([*seeds_exports, parquet_export], "BellTroX-like"):
        claimed += [accounts[a].get("employer") or "" for a in op["accounts"]]
        links = [
            e["url"] for e in events if e.get("actor_id") in set(op["accounts"]) and e.get("url")
        ]
        assert {u.split("/")[2] for u in links} & set(op["domains"]) or not op["domains"]
    assert any(any(r in c.lower() for r in roles) for c in claimed)


UNGLYPH = str.maketrans(
    {
        "\u0430": "a",
        "\u0435": "e",
        "\u043e": "o",
        "\u0440": "p",
        "\u0441": "c",
        "\u0445": "x",
        "0": "o",
        "1": "l",
        "3": "e",
        "4": "a",
    }
)
IMITATED = [
    "reuters",
    "nytimes",
    "bbc",
    "theguardian",
    "cnn",
    "aljazeera",
    "washingtonpost",
    "lemonde",
    "elpais",
    "spiegel",
    "kathimerini",
    "haaretz",
    "ahram",
    "azatutyun",
    "bitly",
    "tinyurl",
    "googl",
    "owly",
    "isgd",
    "bufly",
    "rbgy",
    "cuttly",
    "tco",
]
SERVICE_WORDS = [
    "update",
    "sync",
    "connect",
    "cdn",
    "wifi",
    "network",
    "service",
    "secure",
    "verify",
    "check",
    "status",
    "push",
    "system",
    "static",
    "cloud",
    "api",
    "mobile",
]


def _imitates(domain: str) -> bool:
    label = idna.decode(domain).split(".")[0].translate(UNGLYPH)
    label = label.replace("rn", "m").replace("vv", "w")
    flat = label.replace("-", "")
    if any(w in label for w in SERVICE_WORDS):
        return True
    return any(fuzz.ratio(flat, name) >= 80 or name in flat for name in IMITATED)


def test_exploit_links_spoof_news_and_shorteners(
    seeds_exports: list[SimResult], parquet_export: SimResult
) -> None:
    domains = [
        d for op, *_ in _ops([*seeds_exports, parquet_export], "Cytrox-like") for d in op["domains"]
    ]
    assert len(domains) >= 3
    assert [d for d in domains if not _imitates(d)] == []
    assert not _imitates("example.com") and not _imitates("gardening-tips.org")
