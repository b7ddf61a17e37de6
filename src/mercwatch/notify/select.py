"""Who to warn: every target of every operation, once, at the furthest phase reached.

Recall matters most here (DESIGN.md): a target is warned whatever the operation's
confidence, and the enforcement policy's takedown thresholds play no part. The
reasons are generic on purpose: they say what happened and what to do, never which
accounts, domains or other targets were involved, nor how mercwatch found them, so a
warning forwarded to the operators teaches them nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from mercwatch.model.records import Notification, Operation, Phase

REASONS: dict[Phase, tuple[str, ...]] = {
    Phase.RECONNAISSANCE: (
        "Someone may have been collecting information about you and the people close to you.",
        "Review who can see your profile, your posts and your list of friends.",
        "If you think you are at risk, get free help from Access Now's Digital Security "
        "Helpline: https://www.accessnow.org/help/",
    ),
    Phase.ENGAGEMENT: (
        "Accounts that may be fake may have contacted you or people close to you to win "
        "your trust.",
        "Be careful with new contacts you do not know in person, even when they present "
        "themselves as journalists, recruiters, activists or friends of friends.",
        "If you think you are at risk, get free help from Access Now's Digital Security "
        "Helpline: https://www.accessnow.org/help/",
    ),
    Phase.EXPLOITATION: (
        "Someone may have tried to get you to open harmful links or files, or to give "
        "away your password.",
        "Do a security check-up now: change your password, turn on two-factor "
        "authentication and sign out of sessions you do not recognise.",
        "If you think you are at risk, get free help from Access Now's Digital Security "
        "Helpline: https://www.accessnow.org/help/",
    ),
}


def _level(op: Operation, target: str, levels: dict[str, Phase]) -> Phase:
    if target in levels:
        return levels[target]
    # No per-target level from the link stage: the furthest phase of the operation,
    # so nobody is under-warned.
    return Phase.furthest(op.phases) if op.phases else Phase.RECONNAISSANCE


def select_notifications(operations: Sequence[Operation]) -> list[Notification]:
    """One notification per (target, operation), at the furthest phase reached against it.

    Returns:
        Notifications sorted by operation id then account id (deterministic reruns).
    """
    chosen: dict[tuple[str, str], Notification] = {}
    for op in operations:
        levels: dict[str, Phase] = {}
        for target, phase in op.target_levels:
            if target not in levels or phase.rank > levels[target].rank:
                levels[target] = phase
        for target in dict.fromkeys((*op.targets, *levels)):
            level = _level(op, target, levels)
            key = (op.operation_id, target)
            previous = chosen.get(key)
            if previous is None or level.rank > previous.level.rank:
                chosen[key] = Notification(target, op.operation_id, level, REASONS[level])
    return [chosen[k] for k in sorted(chosen)]
