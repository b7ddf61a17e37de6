"""Whose exits: one operator's own proxies, or a pool two firms rent.

Personas log in from a handful of network exits. An address that, platform-wide, only
personas ever used is nobody's home, office or carrier NAT, so the crews on it are
linked. But two different cases look alike on such an address:

* **One operator's own exits.** An operator runs its crews through the proxies it
  pays for; every crew works from them, because that is where the operator's traffic
  goes out. A crew that has never connected from anywhere else, only from addresses
  another crew also uses and no stranger ever used, lives inside that crew's network:
  it is the same operator, however many personas crowd the addresses (a watching crew
  of a dozen personas rotating through three proxies is over ``infra_max_accounts``
  on each, and the popularity discount alone would cut its phone crews apart).
* **A pool two firms rent.** A commercial VPN or proxy provider sells the same small
  set of exits to several customers, and each customer also has exits of its own (its
  office, the servers it hosts itself, another provider). Two groups meeting on one
  persona-only address, *each* with exits the other never used, are two customers who
  happen to share a provider, not one operator.

So an address tie between two persona groups, however many users the address has,
merges them when neither group has an exit of its own: both went out through exactly
the same persona-only addresses (:func:`shared_whole`; an address shared with strangers
or established users, a carrier NAT or an office, is nobody's exit and does not count);
and the small-address
("rented") merge of :func:`~.cluster.merge_controlled` is withheld when each group has
exits the other never touched (:func:`separate`). Where the export cannot tell the
two cases apart (a small firm renting only a pool that a bigger firm also rents looks
like a crew of the bigger firm that used only some of its proxies) the rule prefers
precision by construction: it merges only groups whose exits are the same set, and
only over addresses no account outside the candidates ever used.
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
