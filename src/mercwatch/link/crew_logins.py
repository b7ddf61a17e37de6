"""Long-standing accounts the crew logs into: hijacked or bought, held by its hands.

An operation uses some accounts with a real past: hijacked, bought or aged. Such an
account has friends from before the window, so :mod:`~.standing` rightly refuses to
treat it as a persona, and the take-ins by device (:mod:`~.crew_devices`) refuse to
bring it in: a family tablet, where one relative's account was taken over, must not
bring in the rest of the family. Its own acts look like the owner's ordinary life;
what gives it away is only whose equipment it is used from (project simulator tuning
seed 9883: at 10k users one, at 50k two hijacked members missed, each logged in only
from the crew's phone and the crew's line, every other user of both being members of
one operation).

So a long-standing account joins an operation when the crew's hands are on it twice,
independently: it uses a rarely shared **device** whose other users are two or more
members of that operation and no one else, **and** an **address** (at most
``infra_max_accounts`` users) whose other users are two or more members of it and no
one else. One tie alone is not enough: a relative's account on a family tablet the
crew once used, or a neighbour behind one home line, has one coincidence, not both; a
café's tablet shares its Wi-Fi with customers, so its address is never the crew's
alone. Off with ``LinkConfig.device_expansion`` (the switch for every take-in by
device).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from mercwatch.link.context import LinkContext
from mercwatch.link.crew_devices import rare_device_users, rare_key_users

REASON_CREW_LOGIN = "crew_login"
"""Candidate reason: a long-standing account used from the crew's device and line."""


def _held_by(who: set[str], account: str, owner: dict[str, int]) -> int | None:
    """The one group whose members (two or more) are every other user of a device or
    address ``account`` uses, or None."""
    others = who - {account}
    groups = {owner.get(a) for a in others}
    if len(others) < 2 or len(groups) != 1 or None in groups:
        return None
    return next(iter(groups))


def crew_login_accounts(
    ctx: LinkContext,
    groups: Sequence[tuple[str, ...]],
    settled_of: Callable[[Sequence[str]], Iterable[str]],
) -> dict[str, int]:
    """Account -> index of the group in ``groups`` whose crew uses it: a long-standing
    non-member on one of the group's devices and one of its addresses, each otherwise
    used only by two or more of that group's members (module docstring). Accounts
    without a friend from before the window are left to :mod:`~.crew_devices`."""
    owner = {a: gi for gi, group in enumerate(groups) for a in group}
    if not owner or not ctx.config.device_expansion:
        return {}
    on_device: dict[str, set[int]] = defaultdict(set)
    for _device, who in sorted(rare_device_users(ctx, owner, min_users=3).items()):
        for account in who - set(owner):
            held = _held_by(who, account, owner)
            if held is not None:
                on_device[account].add(held)
    single = {a: next(iter(g)) for a, g in on_device.items() if len(g) == 1}
    settled = set(settled_of(sorted(single)))
    chosen = {a: g for a, g in single.items() if a in settled}
    if not chosen:
        return {}
    on_line: dict[str, set[int]] = defaultdict(set)
    for _ip, who in sorted(rare_key_users(ctx, "ip", chosen, min_users=3).items()):
        for account in who & set(chosen):
            held = _held_by(who, account, owner)
            if held is not None:
                on_line[account].add(held)
    return {a: g for a, g in sorted(chosen.items()) if on_line.get(a) == {g}}


__all__ = ["REASON_CREW_LOGIN", "crew_login_accounts"]
