"""Each named class of authentic coordination has the shape that makes it look
coordinated (so a detector that accuses crowds will be caught), and is benign in truth."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from mercwatch.altsim import BENIGN_CLASSES, AltSimConfig, build_platform


@pytest.fixture(scope="module")
def platform():
    return build_platform(AltSimConfig(users=2000, seed=7))


def _groups(platform, name):
    return [g for g in platform.benign_groups if g.benign_class == name]


def _events_by(platform, accounts, type_=None):
    return [
        r
        for _, _, r in platform.events
        if r.get("actor_id") in accounts and (type_ is None or r["type"] == type_)
    ]


def _many_once_same_words(platform, group, type_s=("message", "post")):
    rows = [r for r in _events_by(platform, group.accounts) if r["type"] in type_s]
    same = [r for r in rows if r.get("text", "").startswith(group.detail)]
    texts = Counter(r["text"] for r in same)
    senders = Counter(r["actor_id"] for r in same)
    return len(senders) >= 10 and max(senders.values()) == 1 and texts.most_common(1)[0][1] >= 5


def check_source_crowd(platform, group):
    assert _many_once_same_words(platform, group)


def check_petition_campaign(platform, group):
    assert _many_once_same_words(platform, group)
    urls = {
        r.get("url") for r in _events_by(platform, group.accounts) if r.get("text") == group.detail
    }
    assert len(urls) == 1


def check_celebrity_fans(platform, group):
    assert len(group.contacted) == 1 and len(group.accounts) >= 10
    assert _many_once_same_words(platform, group, ("message",))


def check_office_team(platform, group):
    ips = Counter(r["ip"] for r in _events_by(platform, group.accounts, "login"))
    office_ip, logins = ips.most_common(1)[0]
    users = {
        r["actor_id"] for r in _events_by(platform, group.accounts, "login") if r["ip"] == office_ip
    }
    assert users == group.accounts and len(users) >= 3
    assert {platform.accounts[a].employer for a in group.accounts} == {group.detail}


def check_family_devices(platform, group):
    by_device = defaultdict(set)
    for r in _events_by(platform, group.accounts, "login"):
        by_device[r["device_id"]].add(r["actor_id"])
    shared = {a for users in by_device.values() if len(users) > 1 for a in users}
    assert len(shared) >= 0.8 * len(group.accounts)


def _few_addresses_many_users(platform, group, ratio):
    ips = {platform.accounts[a].home_ip for a in group.accounts}
    assert len(group.accounts) >= ratio * len(ips)


def check_campus_nat(platform, group):
    _few_addresses_many_users(platform, group, 5)


def check_carrier_nat(platform, group):
    _few_addresses_many_users(platform, group, 3)


def check_agency_templates(platform, group):
    messages = _events_by(platform, group.accounts, "message")
    per_sender = Counter(
        r["actor_id"] for r in messages if r.get("url", "").startswith(f"https://{group.detail}")
    )
    assert per_sender and min(per_sender.values()) >= 15
    pitches = {
        r["text"] for r in messages if r.get("url", "").startswith(f"https://{group.detail}")
    }
    assert len(pitches) == 1


def check_spam_links(platform, group):
    urls = [r["url"] for r in _events_by(platform, group.accounts, "message")]
    assert len(urls) >= 20 and len(set(urls)) >= 0.9 * len(urls)
    assert not group.accounts & {a for op in platform.operations for a in op.accounts}


def check_viral_link(platform, group):
    sharers = {
        r["actor_id"]
        for r in _events_by(platform, group.accounts, "share_link")
        if r["url"] == group.detail
    }
    assert len(sharers) >= 50


@pytest.mark.parametrize("name", BENIGN_CLASSES)
def test_benign_class_has_its_coordinated_shape(platform, name):
    groups = _groups(platform, name)
    assert groups, f"{name} missing"
    for group in groups:
        globals()[f"check_{name}"](platform, group)
    operation_accounts = {a for op in platform.operations for a in op.accounts}
    assert not operation_accounts & {a for g in groups for a in g.accounts}
