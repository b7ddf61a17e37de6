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

So an address tie between two persona groups merges them only when one group has no
exit of its own beside the other's (:func:`subsumed`), and the small-address
("rented") merge of :func:`~.cluster.merge_controlled` is withheld when each group has
exits the other never touched (:func:`separate`). Where the export cannot tell the
two cases apart (a small firm renting only a pool that a bigger firm also rents looks
like a crew living on the bigger firm's exits) the rule errs on one side by
construction: it merges only a group with no exit of its own at all, and only over
addresses no account outside the candidates ever used.
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


def subsumed(
    mine: frozenset[str],
    theirs: frozenset[str],
    persona_only: Collection[str],
) -> bool:
    """Every exit of a group is an address only personas ever used, and the other group
    used each of them too: the group has no exit of its own (see the module docstring).
    ``persona_only``: IP addresses every platform-wide user of which is a persona."""
    return bool(mine) and mine <= theirs and all(ip in persona_only for ip in mine)
