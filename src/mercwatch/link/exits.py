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
the same persona-only addresses (:func:`shared_whole`); and the small-address
("rented") merge of :func:`~.cluster.merge_controlled` is withheld when each group has
exits the other never touched (:func:`separate`). Where the export cannot tell the
two cases apart (a small firm renting only a pool that a bigger firm also rents looks
like a crew of the bigger firm that used only some of its proxies) the rule prefers
precision by construction: it merges only groups whose exits are the same set, and
only over addresses no account outside the candidates ever used.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping


def group_exits(part: Collection[str], addresses: Mapping[str, frozenset[str]]) -> frozenset[str]:
    """Every IP address a member of ``part`` used (``addresses``: account -> its IPs)."""
    return frozenset(ip for a in part for ip in addresses.get(a, ()))


def separate(mine: frozenset[str], theirs: frozenset[str]) -> bool:
    """Both groups have an exit the other never used: separate infrastructure each.

    False when either side's exits are unknown (nothing to tell them apart by)."""
    return bool(mine - theirs) and bool(theirs - mine)


def shared_whole(
    mine: frozenset[str],
    theirs: frozenset[str],
    persona_only: Collection[str],
) -> bool:
    """Both groups used exactly the same exits, every one an address only personas ever
    used: neither has an exit of its own (see the module docstring).
    ``persona_only``: IP addresses every platform-wide user of which is a persona.

    A group whose exits are only *part* of the other's is not enough: that is also
    a small firm renting some of the addresses a bigger firm, with servers of its own,
    also rents (altsim baseline tuning seed 96401: 7 personas on two of the three
    persona-only addresses another firm's 20 used). The export cannot tell that from
    a crew that happened to use only some of its operator's proxies, so it stays apart.
    """
    return bool(mine) and mine == theirs and all(ip in persona_only for ip in mine)
