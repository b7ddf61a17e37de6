"""Who to warn: every person any operation targeted, once, at the furthest phase reached.

Recall matters most here (DESIGN.md): a target is warned whatever the operation's
confidence, and the enforcement policy's takedown thresholds play no part. A person
targeted by several operations gets ONE warning (Notification contract v2): the
operations fold into ``operation_ids`` and the level is the furthest any of them
reached. The reasons are generic on purpose: they say what happened and what to do,
never which accounts, domains or other targets were involved, nor how mercwatch found
them, and they carry no link (links come only from the platform's configuration, at
render time), so a warning forwarded to the operators teaches them nothing.

Nobody who is an account of a reported operation is warned, even when another operation
"targeted" it: its warning would reach the operators' hands (a persona, or a hijacked
account the crew holds), and firms' personas do befriend each other (project simulator
tuning seed 10113: a persona of one firm accepted another firm's persona's friend request
and was queued for a warning). Its owner is reached through enforcement and account
recovery, not through a warning the crew reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from mercwatch.model.records import Notification, Operation, Phase
from mercwatch.notify.locales import resolve_locale

_HELP = (
    "If you think you are at risk, get free, confidential help from a digital security helpline."
)
REASONS: dict[Phase, tuple[str, ...]] = {
    Phase.RECONNAISSANCE: (
        "Someone may have been collecting information about you and the people close to you.",
        "Review who can see your profile, your posts and your list of friends.",
        _HELP,
    ),
    Phase.ENGAGEMENT: (
        "Accounts that may be fake may have contacted you or people close to you to win "
        "your trust.",
        "Be careful with new contacts you do not know in person, even when they present "
        "themselves as journalists, recruiters, activists or friends of friends.",
        _HELP,
    ),
    Phase.EXPLOITATION: (
        "Someone may have tried to get you to open harmful links or files, or to give "
        "away your password.",
        "Do a security check-up now: change your password, turn on two-factor "
        "authentication and sign out of sessions you do not recognise.",
        _HELP,
    ),
}


def _level(op: Operation, target: str, levels: dict[str, Phase]) -> Phase:
    if target in levels:
        return levels[target]
    # No per-target level from the link stage: the furthest phase of the operation,
    # so nobody is under-warned.
    return Phase.furthest(op.phases) if op.phases else Phase.RECONNAISSANCE


def select_notifications(
    operations: Sequence[Operation],
    people: Mapping[str, tuple[str | None, str | None]] | None = None,
) -> list[Notification]:
    """One notification per targeted person, at the furthest phase any operation reached;
    never to an account of a reported operation (module docstring).

    Args:
        operations: the run's operations.
        people: account_id -> (locale, country) from the export, to pick the language.

    Returns:
        Notifications sorted by account id (deterministic reruns). ``operation_id`` is
        the operation that reached furthest against the person (ties: smallest id).
    """
    people = people or {}
    operators = {account for op in operations for account in op.accounts}
    reached: dict[str, dict[str, Phase]] = {}
    for op in operations:
        levels: dict[str, Phase] = {}
        for target, phase in op.target_levels:
            if target not in levels or phase.rank > levels[target].rank:
                levels[target] = phase
        for target in dict.fromkeys((*op.targets, *levels)):
            if target in operators:
                continue
            level = _level(op, target, levels)
            per_op = reached.setdefault(target, {})
            if op.operation_id not in per_op or level.rank > per_op[op.operation_id].rank:
                per_op[op.operation_id] = level
    notes = []
    for person in sorted(reached):
        per_op = reached[person]
        furthest = max(per_op.values(), key=lambda p: p.rank)
        lead = min(op_id for op_id, level in per_op.items() if level is furthest)
        locale, chain = resolve_locale(*people.get(person, (None, None)))
        notes.append(
            Notification(
                person,
                lead,
                furthest,
                REASONS[furthest],
                operation_ids=tuple(sorted(per_op)),
                locale=locale,
                locale_fallback=chain,
            )
        )
    return notes
