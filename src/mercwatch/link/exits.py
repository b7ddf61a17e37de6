"""Whose exits: one operator's own proxies, or a pool two firms rent.

Personas log in from a handful of network exits. An address that, platform-wide, only
personas ever used is nobody's home, office or carrier NAT, so the crews on it are
linked; :func:`~.cluster.merge_controlled` merges persona crews on such an address of at
most ``infra_max_accounts`` users (the "rented" merge). But two cases look alike there:

* **One operator's own exits.** An operator runs its crews through the proxies it
  pays for; a crew with no exit of its own, only the addresses another crew uses,
  lives inside that crew's network.
* **A pool two firms rent.** A commercial VPN or proxy provider sells the same small
  set of exits to several customers, and each customer also has exits of its own (its
  office, the servers it hosts itself, another provider). Two groups meeting on one
  persona-only address, *each* with exits the other never used, are two customers who
  happen to share a provider, not one operator (altsim baseline tuning seed 97503: two
  firms of 6 and 7 personas on a 9-user address, each with its own exits elsewhere).

So the small-address merge is withheld when each group has an exit the other never
touched (:func:`separate`). An exit here is an address only personas ever used; one
shared with strangers or established users (a carrier NAT, an office) is a network,
nobody's own, and does not count.

What the export cannot tell apart, and so is left split or unmerged by construction
(precision first):

* the same set of exits on both sides, over addresses wider than
  ``infra_max_accounts``: one operator's crews rotating through its proxies (altsim
  baseline 97503, a 12-persona crew reported as 10 + 2: class B) look exactly like two
  firms whose every exit collided (altsim hosted-infra 85301: 8 and 12 personas of two
  firms on the same two persona-only addresses, 17 and 20 users) — a rule merging
  the first merged the second;
* a group on part of another group's exits (altsim baseline 96401: 7 personas of one
  firm on two of the three persona-only addresses 20 of another used): a customer of
  the same provider, or a crew on some of its operator's proxies. A small address still
  merges this (the rule as it was); a wider one does not.
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
