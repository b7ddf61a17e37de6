"""The independent generator: contract, determinism, consistent truth, every benign
class present, and the adversarial variants doing what they claim."""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mercwatch.altsim import BENIGN_CLASSES, AltSimConfig, Variant, build_platform, simulate_alt
from mercwatch.altsim.config import Knobs
from mercwatch.altsim.playbooks import PLAYBOOKS
from mercwatch.cli import app
from mercwatch.ingest import ingest_export
from mercwatch.store.engine import connect

USERS = 800


def _read(export: Path) -> tuple[list[dict], list[dict], dict]:
    def jsonl(name: str) -> list[dict]:
        return [json.loads(x) for x in (export / name).read_text("utf-8").splitlines()]

    truth = json.loads((export / "truth.json").read_text("utf-8"))
    return jsonl("accounts.jsonl"), jsonl("events.jsonl"), truth


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("altsim") / "export"
    simulate_alt(AltSimConfig(users=USERS, seed=5), out)
    return out


def test_export_passes_the_contract_with_no_rejects(export):
    con = connect()
    try:
        report = ingest_export(export, con)
    finally:
        con.disconnect()
    assert report.rejected == 0, report.reject_reasons
    accounts, events, _ = _read(export)
    assert report.table("events").rows_loaded == len(events)
    assert report.table("accounts").rows_loaded == len(accounts)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_every_format_ingests_the_same_rows_with_no_rejects(export, tmp_path, fmt):
    other = tmp_path / fmt
    simulate_alt(AltSimConfig(users=USERS, seed=5), other, fmt)
    counts = {}
    for folder in (export, other):
        con = connect()
        try:
            report = ingest_export(folder, con)
        finally:
            con.disconnect()
        assert report.rejected == 0, report.reject_reasons
        counts[folder] = [(t.table, t.rows_loaded) for t in report.tables]
    assert counts[export] == counts[other]


def test_same_seed_same_bytes_other_seed_other_platform(tmp_path):
    def digest(seed: int, name: str) -> str:
        out = tmp_path / name
        simulate_alt(AltSimConfig(users=300, seed=seed), out)
        files = ("accounts.jsonl", "friendships.jsonl", "events.jsonl", "truth.json")
        return hashlib.sha256(b"".join((out / f).read_bytes() for f in files)).hexdigest()

    assert digest(11, "a") == digest(11, "b")
    assert digest(11, "a") != digest(12, "c")


def test_platform_shape_varies_by_seed():
    knobs = {Knobs.draw(AltSimConfig(users=1000, seed=s)) for s in range(1, 6)}
    assert len(knobs) == 5
    assert len({k.operations for k in knobs} | {round(k.activity_alpha, 1) for k in knobs}) > 2


def test_truth_is_consistent_with_the_export(export):
    accounts, events, truth = _read(export)
    ids = {a["account_id"] for a in accounts}
    assert len(ids) == len(accounts)
    actors = Counter(e.get("actor_id") for e in events)
    urls = " ".join(e.get("url", "") for e in events)
    assert truth["operations"], "no operation on the platform"
    for op in truth["operations"]:
        assert op["accounts"] and set(op["accounts"]) <= ids
        assert op["targets"] and set(op["targets"]) <= ids
        assert all(actors[a] > 0 for a in op["accounts"]), "an idle persona listed as found"
        assert "reconnaissance" in op["phases"]
        for domain in op["domains"]:
            assert f"//{domain}/" in urls
        if "exploitation" in op["phases"]:
            assert op["domains"]
    op_accounts = {a for op in truth["operations"] for a in op["accounts"]}
    benign = {a for g in truth["benign_groups"] for a in g["accounts"]}
    assert not op_accounts & benign


def test_every_named_benign_class_is_present(export):
    _, events, truth = _read(export)
    by_class = defaultdict(set)
    for group in truth["benign_groups"]:
        by_class[group["class"]] |= set(group["accounts"])
    assert set(by_class) == set(BENIGN_CLASSES)
    assert all(by_class[c] for c in BENIGN_CLASSES), {c: len(v) for c, v in by_class.items()}
    # Crowds are many independent senders each writing once.
    senders = Counter(
        e["actor_id"]
        for e in events
        if e["type"] == "message"
        and e["actor_id"] in by_class["source_crowd"]
        and e.get("text", "").startswith("I have information about")
    )
    assert len(senders) >= 10 and max(senders.values()) == 1


def test_every_firm_runs_on_some_seed():
    actors = set()
    for seed in range(1, 8):
        actors |= {op.actor for op in build_platform(AltSimConfig(users=300, seed=seed)).operations}
    assert actors == {b.actor for b in PLAYBOOKS}


def test_operations_imitating_crowds_send_one_message_each_from_their_own_device():
    platform = build_platform(AltSimConfig(users=600, seed=3, variant=Variant.OPS_AS_CROWDS))
    personas = {a: op.operation_id for op in platform.operations for a in op.accounts}
    messages = Counter(
        r["actor_id"]
        for _, _, r in platform.events
        if r["type"] == "message" and r.get("actor_id") in personas
    )
    assert messages and max(messages.values()) == 1
    devices = defaultdict(set)
    for _, _, r in platform.events:
        if r.get("actor_id") in personas and "device_id" in r:
            devices[r["device_id"]].add(r["actor_id"])
    assert all(len(users) == 1 for users in devices.values())
    assert max(Counter(personas.values()).values()) >= 30


def test_crowds_imitating_scripts_send_one_template_in_a_burst():
    platform = build_platform(AltSimConfig(users=600, seed=3, variant=Variant.CROWDS_AS_SCRIPTS))
    crowd = next(g for g in platform.benign_groups if g.benign_class == "source_crowd")
    sent = [
        (ts, r["text"])
        for ts, _, r in platform.events
        if r["type"] == "message"
        and r.get("actor_id") in crowd.accounts
        and r.get("text") == crowd.detail
    ]
    assert len(sent) == len(crowd.accounts)
    times = [ts for ts, _ in sent]
    assert max(times) - min(times) <= 20 * 60 + 1


def test_hosted_variant_puts_lures_on_shared_hosting():
    platform = build_platform(AltSimConfig(users=600, seed=4, variant=Variant.HOSTED_INFRA))
    domains = [d for op in platform.operations for d in op.domains]
    assert domains
    assert all(d.endswith(("pagecraft.site", "hostnook.app", "folio-pages.dev")) for d in domains)


def test_cli_writes_an_export_and_refuses_to_clobber_other_folders(tmp_path):
    out = tmp_path / "x"
    result = CliRunner().invoke(app, ["altsim", "--out", str(out), "--users", "300", "--seed", "2"])
    assert result.exit_code == 0, result.output
    assert (out / "truth.json").exists()
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    result = CliRunner().invoke(app, ["altsim", "--out", str(other), "--users", "300"])
    assert result.exit_code == 2
    assert (other / "notes.txt").read_text() == "keep me"
    assert not list(tmp_path.glob(".mine.*")), "staging folder left behind"


def test_a_variant_is_the_same_platform_with_only_its_behaviour_changed():
    base = build_platform(AltSimConfig(users=400, seed=9))
    slow = build_platform(AltSimConfig(users=400, seed=9, variant=Variant.LOW_AND_SLOW))
    assert [g.accounts for g in base.benign_groups] == [g.accounts for g in slow.benign_groups]
    assert base.friendships == slow.friendships
    assert [op.actor for op in base.operations] == [op.actor for op in slow.operations]
