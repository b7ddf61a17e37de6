"""Whose exits: one operator's own proxies, or a pool two firms rent.

Personas log in from a handful of network exits. An address that, platform-wide, only
personas ever used is nobody's home, office or carrier NAT, so the crews on it are
linked. But two different cases look alike on such an address:

* **One operator's own exits.** An operator runs its crews through the proxies it
  pays for; every crew works from them, because that is where the operator's traffic
  goes out. Two crews that went out through exactly the same such addresses, neither
  with an exit of its own, live inside one network: the same operator, however many
  personas crowd the addresses (a watching crew of a dozen personas rotating through
  three proxies is over ``infra_max_accounts`` on each, and the popularity discount
  alone would cut its phone crews apart: altsim baseline tuning seeds 97503, 96402).
* **A pool two firms rent.** A commercial VPN or proxy provider sells the same small
  set of exits to several customers, and each customer also has exits of its own (its
  office, the servers it hosts itself, another provider). Two groups meeting on one
  persona-only address, *each* with exits the other never used, are two customers who
  happen to share a provider, not one operator (altsim baseline 97503: two firms of 6
  and 7 personas on a 9-user address, each with its own exits elsewhere).

An exit here is an address only personas ever used; one shared with strangers or with
established users (a carrier NAT, an office) is a network, nobody's own, and does not
count. So an address tie between two persona groups, however many users the address
has, merges them when both went out through exactly the same exits
(:func:`shared_whole`), and the small-address ("rented") merge of
:func:`~.cluster.merge_controlled` is withheld when each group has exits the other never
touched (:func:`separate`).

What the export cannot tell apart: a small firm renting some of the addresses a bigger
firm also rents (the bigger one with servers of its own) looks exactly like a crew of
the bigger firm that happened to use only some of its proxies (altsim baseline 96401:
7 personas on two of the three persona-only addresses 20 personas of another firm
used). The rule prefers precision there by construction: only the same set of exits
merges, and a small address still merges a group with no exit of its own (as before
this module) but never two groups with separate exits.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping


def persona_exits(exits: Mapping[str, frozenset[str]], personas: Collection[str]) -> frozenset[str]:
    """The IP addresses every platform-wide user of which is a persona (``exits``:
    candidate -> addresses only candidates ever used, :attr:`~.graph.TieGraph.exits`):
    exits that can be an operator's own. An office or a family's home has users with
    friends from before the window; a carrier NAT has strangers."""
    holders: dict[str, set[str]] = {}
    for account, ips in exits.items():
        for ip in ips:
            holders.setdefault(ip, set()).add(account)
    return frozenset(ip for ip, who in holders.items() if all(a in personas for a in who))


def group_exits(
    part: Collection[str], exits: Mapping[str, frozenset[str]], own: Collection[str]
) -> frozenset[str]:
    """The exits of ``part``'s members that are in ``own`` (:func:`persona_exits`)."""
    return frozenset(ip for a in part for ip in exits.get(a, ()) if ip in own)


def separate(mine: frozenset[str], theirs: frozenset[str]) -> bool:
    """Both groups have an exit the other never used: separate infrastructure each.

    False when either side has no known exit (nothing to tell them apart by)."""
    return bool(mine - theirs) and bool(theirs - mine)


def shared_whole(mine: frozenset[str], theirs: frozenset[str]) -> bool:
    """Both groups went out through exactly the same exits: neither has one of its own.

    A group whose exits are only *part* of the other's is not enough: that is also
    a small firm renting some of the addresses a bigger firm, with servers of its own,
    also rents (altsim baseline tuning seed 96401: 7 personas on two of the three
    persona-only addresses another firm's 20 used). The export cannot tell that from
    a crew that happened to use only some of its operator's proxies, so it stays apart.
    """
    return bool(mine) and mine == theirs
