"""One operator's own proxies against a proxy pool two firms rent (:mod:`mercwatch.link.exits`).

altsim baseline tuning seed 97503: two firms (6 and 7 personas), each with exits of its
own, met on a 9-user address and were reported as one; a 12-persona crew on three
proxies only it used was reported as 10 + 2, which the export cannot tell from two
firms on the same collided exits (hosted-infra 85301), so it stays split.
"""

from __future__ import annotations

from itertools import combinations

from mercwatch.link import LinkConfig
from mercwatch.link.cluster import merge_controlled
from mercwatch.link.context import popularity_discount
from mercwatch.link.exits import persona_exits, separate
from mercwatch.link.graph import TieGraph
from mercwatch.link.similarity import pair


def _graph(
    exits: dict[str, set[str]],
    users: dict[str, int],
    crews: list[list[str]],
    candidates_only: set[str],
) -> TieGraph:
    """Device ties inside each crew; an ``ip`` tie between any two users of an address,
    popularity-discounted by ``users`` (its platform-wide account count);
    ``candidates_only``: the addresses nobody but these accounts ever used."""
    ties: dict = {}
    for crew in crews:
        for a, b in combinations(sorted(crew), 2):
            ties[pair(a, b)] = {"device": 1.0}
    weight = LinkConfig().tie_weight("ip")
    holders: dict[str, list[str]] = {}
    for account, ips in exits.items():
        for ip in ips:
            holders.setdefault(ip, []).append(account)
    for ip, who in holders.items():
        for a, b in combinations(sorted(who), 2):
            kinds = ties.setdefault(pair(a, b), {})
            kinds["ip"] = max(kinds.get("ip", 0.0), weight * popularity_discount(users[ip]))
    return TieGraph(
        tuple(sorted(exits)),
        ties,
        exits={a: frozenset(ips & candidates_only) for a, ips in exits.items()},
    )


def test_the_same_wide_proxies_alone_do_not_merge():
    """Ambiguous by construction (see :mod:`mercwatch.link.exits`): 10 + 2 personas of one
    operator on its three 12-user proxies (altsim baseline 97503, class B) look exactly
    like two firms whose every exit collided (altsim hosted-infra 85301), so an address
    wider than ``infra_max_accounts`` merges nothing by itself."""
    big = [f"a{i}" for i in range(10)]
    small = ["b0", "b1"]
    proxies = {"p1", "p2", "p3"}
    exits = {a: set(proxies) for a in big + small}
    exits["a0"].add("carrier-nat")  # a phone on a carrier: a network, not an exit
    users = dict.fromkeys(proxies, 12) | {"carrier-nat": 40}
    graph = _graph(exits, users, [big, small], proxies)
    groups = [tuple(sorted(big)), tuple(small)]
    assert merge_controlled(groups, graph, LinkConfig(), frozenset(big + small)) == groups


def test_two_firms_each_with_own_exits_on_one_small_address_stay_apart():
    """The rented merge: 6 and 7 personas, 9 of them on one address only personas used,
    but each firm also works from exits the other never touched."""
    firm_a = [f"a{i}" for i in range(6)]
    firm_b = [f"b{i}" for i in range(7)]
    exits = {a: {"own-a"} for a in firm_a} | {b: {"own-b"} for b in firm_b}
    for account in firm_a[:4] + firm_b[:5]:
        exits[account].add("pool")
    users = {"pool": 9, "own-a": 6, "own-b": 7}
    graph = _graph(exits, users, [firm_a, firm_b], {"pool", "own-a", "own-b"})
    groups = [tuple(firm_a), tuple(firm_b)]
    out = merge_controlled(groups, graph, LinkConfig(), frozenset(firm_a + firm_b))
    assert out == groups


def test_a_small_shared_address_still_merges_a_crew_without_exits_of_its_own():
    """The small-address merge stands when one side has no exit the other lacks."""
    crew_a = ["a0", "a1", "a2"]
    crew_b = ["b0", "b1"]
    exits = {a: {"pool", "own-a"} for a in crew_a} | {b: {"pool"} for b in crew_b}
    graph = _graph(exits, {"pool": 5, "own-a": 3}, [crew_a, crew_b], {"pool", "own-a"})
    out = merge_controlled(
        [tuple(crew_a), tuple(crew_b)], graph, LinkConfig(), frozenset(crew_a + crew_b)
    )
    assert out == [tuple(sorted(crew_a + crew_b))]


def test_a_firm_on_part_of_a_wider_firms_persona_only_addresses_stays_apart():
    """altsim baseline tuning seed 96401: 7 personas of one firm on two of the three
    persona-only addresses (26 and 23 users) that 20 personas of another firm use; the
    20 also have an exit of their own. A customer of the same provider or a crew that
    used only some of its operator's proxies: the export cannot tell, so no merge."""
    big = [f"a{i}" for i in range(20)]
    small = [f"b{i}" for i in range(7)]
    exits = {a: {"p1", "p2", "own"} for a in big} | {b: {"p1", "p2"} for b in small}
    graph = _graph(exits, {"p1": 27, "p2": 27, "own": 20}, [big, small], {"p1", "p2", "own"})
    groups = [tuple(sorted(big)), tuple(small)]
    assert merge_controlled(groups, graph, LinkConfig(), frozenset(big + small)) == groups


def test_a_nat_shared_with_a_stranger_merges_nothing():
    """The small crew's only exit is an address someone with nothing to suspect also
    uses (a carrier NAT): not persona-only, so it is nobody's own proxy."""
    big = [f"a{i}" for i in range(10)]
    small = ["b0", "b1"]
    exits = {a: {"nat"} for a in big + small}
    graph = _graph(exits, {"nat": 13}, [big, small], set())  # the 13th user: a stranger
    groups = [tuple(big), tuple(small)]
    assert merge_controlled(groups, graph, LinkConfig(), frozenset(big + small)) == groups


def test_an_established_member_keeps_its_group_out():
    """Only a group of personas is taken for a crew living on another's exits: a
    colleague with friends from before the window makes it somebody's team."""
    big = [f"a{i}" for i in range(10)]
    small = ["b0", "b1"]
    exits = {a: {"p1", "p2"} for a in big + small}
    graph = _graph(exits, {"p1": 12, "p2": 12}, [big, small], {"p1", "p2"})
    groups = [tuple(big), tuple(small)]
    assert merge_controlled(groups, graph, LinkConfig(), frozenset([*big, "b0"])) == groups


def test_exit_predicates():
    exits = {"a": frozenset({"p", "x"}), "b": frozenset({"p"}), "c": frozenset({"x"})}
    assert persona_exits(exits, {"a", "b"}) == {"p"}  # "x" has an established user, c
    assert separate(frozenset({"x", "p"}), frozenset({"y", "p"}))
    assert not separate(frozenset({"p"}), frozenset({"y", "p"}))
    assert not separate(frozenset(), frozenset({"p"}))  # no known exit: no verdict
