"""One operation, one record: groups tied by infrastructure the operation controls merge.

Community detection cuts a large operation where its crews work disjoint targets;
a crew that shares a persona photo set or a rarely shared device with the rest is
still the same operation (altsim tuning seed 1: a 3-persona crew on the big group's
photo set was reported as a second operation). An office address or a message
template in common is not controlled infrastructure and merges nothing.
"""

from __future__ import annotations

import pytest

from mercwatch.link import LinkConfig
from mercwatch.link.cluster import merge_controlled
from mercwatch.link.graph import TieGraph
from mercwatch.link.similarity import pair


def _graph(kind: str, weight: float = 1.0) -> TieGraph:
    accounts = ("a1", "a2", "b1", "b2", "c1")
    ties = {
        pair("a1", "a2"): {"device": 1.0},
        pair("b1", "b2"): {"device": 1.0},
        pair("a2", "b1"): {kind: weight},
    }
    return TieGraph(accounts, ties)


@pytest.mark.parametrize(
    ("kind", "weight", "merged"),
    [
        ("photo", 1.0, True),
        ("device", 1.0, True),
        ("photo", 0.1, False),  # below min_edge_weight: no tie at all
        ("ip", 1.0, False),
        ("template", 1.0, False),
    ],
)
def test_groups_sharing_a_photo_set_or_device_are_one(kind, weight, merged):
    groups = [("a1", "a2"), ("b1", "b2"), ("c1",)]
    out = merge_controlled(groups, _graph(kind, weight), LinkConfig())
    if merged:
        assert out == [("a1", "a2", "b1", "b2"), ("c1",)]
    else:
        assert out == sorted(groups)


def test_without_config_only_exclusive_domains_merge():
    groups = [("a1", "a2"), ("b1", "b2")]
    graph = _graph("photo")
    assert merge_controlled(groups, graph) == groups
    graph.exclusive["own.example"] = frozenset({"a1", "b2"})
    assert merge_controlled(groups, graph) == [("a1", "a2", "b1", "b2")]


@pytest.mark.parametrize(
    ("personas", "merged"),
    [({"a2", "b1"}, True), ({"a2"}, False), (set(), False)],
)
def test_a_small_address_merges_crews_of_personas_only(personas, merged):
    """Crews of made-for-the-job personas on one rented address are one operator
    (altsim tuning seeds 3 and crowds-as-scripts 1: one operation reported as 3 and
    5-6 records); colleagues with friends from before the window on one office
    address are not merged by it."""
    groups = [("a1", "a2"), ("b1", "b2")]
    out = merge_controlled(groups, _graph("ip", 0.4), LinkConfig(), frozenset(personas))
    assert out == ([("a1", "a2", "b1", "b2")] if merged else groups)


@pytest.mark.parametrize(("users_on_address", "merged"), [(10, True), (15, False), (500, False)])
def test_persona_address_is_rare_by_the_infrastructure_bound(users_on_address, merged):
    """The address merges persona crews while at most ``infra_max_accounts`` (10)
    accounts use it platform-wide (altsim tuning seed 4: one operation's 10 personas on
    one address were reported as 3 operations); a wider address is a NAT."""
    from mercwatch.link.context import popularity_discount

    weight = LinkConfig().tie_weight("ip") * popularity_discount(users_on_address)
    groups = [("a1", "a2"), ("b1", "b2")]
    out = merge_controlled(groups, _graph("ip", weight), LinkConfig(), frozenset({"a2", "b1"}))
    assert out == ([("a1", "a2", "b1", "b2")] if merged else groups)


@pytest.mark.parametrize(
    ("personas", "kind", "merged"),
    [({"a1", "a2", "b1", "b2"}, "ip", True), ({"a1", "a2", "b1"}, "ip", False)]
    + [({"a1", "a2", "b1", "b2"}, "device", True), ({"a1", "a2", "b1", "b2"}, "email", False)],
)
def test_an_address_only_personas_ever_used_merges_their_crews(personas, kind, merged):
    """However many accounts use it, an IP or device that nobody but personas ever used
    is the operator's (altsim tuning seeds 52001/52002: one operation's 15-22 personas
    on 1-3 addresses used by nobody else were reported as two operations each). One
    established user on it, and it could be anyone's network."""
    groups = [("a1", "a2"), ("b1", "b2")]
    graph = _graph("template")
    graph.exclusive_addresses[f"{kind}:k"] = frozenset({"a1", "a2", "b1", "b2"})
    out = merge_controlled(groups, graph, LinkConfig(), frozenset(personas))
    assert out == ([("a1", "a2", "b1", "b2")] if merged else groups)


@pytest.mark.parametrize(("bystanders", "operations"), [(0, 1), (3, 2)])
def test_crews_on_a_wide_rented_address_are_one_operation(platform, bystanders, operations):
    """Two 6-persona crews (own devices, own targets, one script) behind one address of
    12 users: one operation while only they use it; with ordinary users on it too, a
    shared network, and the crews stay apart."""
    from mercwatch.link import build_operations

    targets = platform.benign("t", 6)
    platform.persona_ring("ca", 6, "devA", 0x0F0F_F0F0_1234_5678, targets=targets[:3], ip="pool")
    platform.persona_ring("cb", 6, "devB", 0xA5A5_5A5A_9ABC_DEF0, targets=targets[3:], ip="pool")
    script = "hello we are preparing a report about your work and would like your comment"
    for i in range(6):
        platform.event("message", f"ca{i}", targets[0], ip="pool", text=script)
        platform.event("message", f"cb{i}", targets[3], ip="pool", text=script)
    for user in platform.benign("u", bystanders):
        platform.event("login", user, ip="pool")
    ops = build_operations(platform.connect(), platform.signal_table())
    assert len(ops) == operations


def test_two_tenants_of_one_hosting_platform_are_not_one_operator(platform):
    """Two crews, each sending its own site on one page-hosting platform that the public
    suffix list does not know (altsim hosted-infra tuning seed 52002: two firms' lures on
    ``*.folio-pages.dev`` made one operation of 30 accounts). Each crew's own hosts stay
    its controlled infrastructure; one crew's several hosts stay one tenant."""
    from mercwatch.link import build_operations

    targets = platform.benign("t", 6)
    a = platform.persona_ring("ca", 4, "devA", 0x0F0F_F0F0_1234_5678, targets=targets[:3])
    b = platform.persona_ring("cb", 4, "devB", 0xA5A5_5A5A_9ABC_DEF0, targets=targets[3:])
    for crew, hosts in (
        (a, ("login-a.pagesite.example", "docs-a.pagesite.example")),
        (b, ("b.pagesite.example",)),
    ):
        for i, member in enumerate(crew):
            url = f"https://{hosts[i % len(hosts)]}/x"
            platform.event("message", member, targets[0], url=url, text="read this")
    ops = build_operations(platform.connect(), platform.signal_table())
    assert sorted(sorted(op.accounts) for op in ops) == [sorted(a), sorted(b)]
    assert {d for op in ops for d in op.infrastructure.domains} >= {"b.pagesite.example"}


def test_a_persona_only_address_without_a_common_script_or_target_merges_nothing():
    """Two firms' personas alone on one VPN exit (altsim crowds-as-scripts tuning seed
    52003) are two operations: the address must come with the same script or targets."""
    groups = [("a1", "a2"), ("b1", "b2")]
    graph = _graph("email_domain")
    graph.exclusive_addresses["ip:k"] = frozenset({"a1", "a2", "b1", "b2"})
    out = merge_controlled(groups, graph, LinkConfig(), frozenset({"a1", "a2", "b1", "b2"}))
    assert out == groups
