"""View models: what each page shows, built from the stores, with the API's redaction.

Templates get plain values only. Target identities follow the roles' rule
(:attr:`mercwatch.auth.keys.Role.sees_targets`): counted for everyone, listed and shown
raw only to roles that see targets (analyst and up); for a viewer they are replaced by
``[target]`` in evidence, and block_url subjects and every other URL are shown in their
shareable form (a lure link is often personalised with the target's id or name).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from mercwatch.api.operations import EvidenceOut, OperationOut, operation_out, run_targets
from mercwatch.auth.keys import Role
from mercwatch.enforce import AuditEntry, Enforcer, StoredAction
from mercwatch.intel.report.safety import URL_WITHHELD, SharedEvidence
from mercwatch.model import ActionKind, Operation, Phase
from mercwatch.web.data import Profile
from mercwatch.web.session import Session

if TYPE_CHECKING:
    from mercwatch.web.dashboard import Dashboard

SORTS = {
    "confidence": lambda r: r.confidence,
    "warned": lambda r: r.warned,
    "accounts": lambda r: r.accounts,
    "last_seen": lambda r: r.last_seen or datetime.min,
}
UNATTRIBUTED = "(none)"


@dataclass(frozen=True, slots=True)
class OperationRow:
    """One line of the operations list."""

    operation_id: str
    confidence: float
    phases: tuple[Phase, ...]
    accounts: int
    target_count: int
    warned: int
    actor: str | None
    last_seen: datetime | None


@dataclass(frozen=True, slots=True)
class PendingItem:
    """A queued action with what an analyst needs to decide on it."""

    stored: StoredAction
    profile: Profile | None
    evidence: tuple[EvidenceOut, ...]


@dataclass(frozen=True, slots=True)
class AccountView:
    account_id: str
    profile: Profile | None
    actions: tuple[StoredAction, ...]


def operation_rows(
    ops: tuple[Operation, ...],
    warned: dict[str, int],
    *,
    sort: str,
    descending: bool,
    phase: Phase | None,
    actor: str | None,
) -> list[OperationRow]:
    """The operations list, filtered by phase and attributed actor, then sorted."""
    rows = [
        OperationRow(
            o.operation_id,
            o.confidence,
            o.phases,
            len(o.accounts),
            len(set(o.targets)),
            warned.get(o.operation_id, 0),
            o.attribution.actor if o.attribution else None,
            o.last_seen,
        )
        for o in ops
        if (phase is None or phase in o.phases) and _actor_matches(o, actor)
    ]
    key = SORTS.get(sort, SORTS["confidence"])
    rows.sort(key=lambda r: r.operation_id)
    rows.sort(key=key, reverse=descending)
    return rows


def _actor_matches(op: Operation, actor: str | None) -> bool:
    if not actor:
        return True
    if actor == UNATTRIBUTED:
        return op.attribution is None
    return op.attribution is not None and op.attribution.actor == actor


def actors(ops: tuple[Operation, ...]) -> list[str]:
    """Actors operations are attributed to, for the filter."""
    return sorted({o.attribution.actor for o in ops if o.attribution})


def phase_counts(ops: tuple[Operation, ...]) -> list[tuple[Phase, int, int]]:
    """Per phase: operations that reached it, and those for which it is the furthest."""
    reached = {p: sum(p in o.phases for o in ops) for p in Phase}
    furthest = {
        p: sum(bool(o.phases) and Phase.furthest(o.phases) is p for o in ops) for p in Phase
    }
    return [(p, reached[p], furthest[p]) for p in Phase]


def evidence_by_phase(out: OperationOut) -> list[tuple[Phase, list[tuple[str, list[EvidenceOut]]]]]:
    """Evidence grouped by phase (kill-chain order), then by detector, strongest first."""
    grouped: dict[Phase, dict[str, list[EvidenceOut]]] = defaultdict(lambda: defaultdict(list))
    for item in out.evidence:
        grouped[item.phase][item.detector].append(item)
    result = []
    for phase in sorted(grouped, key=lambda p: p.rank):
        detectors = sorted(grouped[phase].items())
        result.append(
            (phase, [(d, sorted(items, key=lambda e: -e.score)) for d, items in detectors])
        )
    return result


def account_views(dash: Dashboard, op: Operation, enforcer: Enforcer | None) -> list[AccountView]:
    """The operation's accounts with their self-declared profile and stored actions."""
    profiles = dash.profiles.lookup(op.accounts)
    by_subject: dict[str, list[StoredAction]] = defaultdict(list)
    if enforcer is not None:
        for stored in enforcer.list_actions(operation_id=op.operation_id):
            by_subject[stored.action.subject].append(stored)
    return [AccountView(a, profiles.get(a), tuple(by_subject.get(a, ()))) for a in op.accounts]


def shown_action(stored: StoredAction, op: Operation | None, role: Role) -> StoredAction:
    """``stored`` as ``role`` may see it: without ``sees_targets``, a URL in shareable form.

    A block_url subject is the lure link as delivered, often personalised with the
    target's id or name; only roles that see targets (who act on it) see it raw.
    """
    if role.sees_targets or stored.action.action is not ActionKind.BLOCK_URL:
        return stored
    cleaner = SharedEvidence(op.targets if op else (), defanged=False)
    subject = cleaner.url(stored.action.subject) or URL_WITHHELD
    return replace(stored, action=replace(stored.action, subject=subject))


def shown_audit(entries: list[AuditEntry], role: Role) -> list[AuditEntry]:
    """Audit entries as ``role`` may see them: without ``sees_targets``, URLs shareable.

    The audit log records block_url subjects as delivered (personalised lure links);
    every role may read the audit page, only roles that see targets see those raw.
    """
    if role.sees_targets:
        return entries
    cleaner = SharedEvidence((), defanged=False)
    return [
        replace(e, subject=cleaner.subject(e.subject), reason=cleaner.text(e.reason))
        for e in entries
    ]


def infrastructure_actions(
    op: Operation, enforcer: Enforcer | None, session: Session
) -> list[StoredAction]:
    """Stored actions on the operation's domains and URLs, as ``session`` may see them."""
    if enforcer is None:
        return []
    accounts = set(op.accounts)
    return [
        shown_action(s, op, session.role)
        for s in enforcer.list_actions(operation_id=op.operation_id)
        if s.action.subject not in accounts
    ]


def pending_items(dash: Dashboard, enforcer: Enforcer, session: Session) -> list[PendingItem]:
    """The review queue, oldest first, each with its subject's evidence (redacted)."""
    pending = enforcer.pending_reviews()
    ops = {o.operation_id: o for o in dash.run.operations()}
    subjects = tuple(sorted({p.action.subject for p in pending}))
    profiles = dash.profiles.lookup(subjects)
    items = []
    for stored in pending:
        op = ops.get(stored.action.operation_id)
        evidence: tuple[EvidenceOut, ...] = ()
        if op is not None:
            out = operation_out(op, session.principal, run_targets(ops.values()))
            own = [e for e in out.evidence if e.subject == stored.action.subject]
            evidence = tuple(sorted(own, key=lambda e: -e.score))
        shown = shown_action(stored, op, session.role)
        items.append(PendingItem(shown, profiles.get(stored.action.subject), evidence))
    return items


def sees_targets(session: Session) -> bool:
    """Whether the page may name targeted people (:attr:`Role.sees_targets`)."""
    return session.role.sees_targets
