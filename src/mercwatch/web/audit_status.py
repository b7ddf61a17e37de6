"""The audit page's verification status: chain verified or broken at entry N, and the head.

The same library calls as ``mercwatch audit verify`` (:func:`verify_audit`: every link,
every hash, every decision row against its recorded image) and ``audit head``
(:func:`audit_head`). Verifying reads the whole log, so the page does it on every view
only while the log is small enough to stay quick (:data:`AUTO_VERIFY_MAX` entries);
past that, on the "Verify chain" button. The head is always shown: an analyst can
compare it with the value published elsewhere (``--expect-head``).
"""

from __future__ import annotations

from dataclasses import dataclass

from mercwatch.enforce import verify_audit
from mercwatch.enforce.audit import AuditHead, audit_head
from mercwatch.errors import AuditChainBroken
from mercwatch.store.state import StateStore

#: Logs up to this many entries are verified on every view of the audit page.
AUTO_VERIFY_MAX = 20_000


@dataclass(frozen=True, slots=True)
class AuditStatus:
    """What the page says about the log.

    Attributes:
        head: the newest entry (sequence and hash).
        verified: True chain holds, False broken, None not checked on this view.
        entries: entries verified (when it holds).
        broken_at: the first entry that fails, and why (when broken).
    """

    head: AuditHead
    verified: bool | None
    entries: int = 0
    broken_at: int | None = None
    problem: str = ""


def audit_status(store: StateStore, *, force: bool) -> AuditStatus:
    """Verify the chain (always when ``force``, else only a small log) and read its head."""
    head = audit_head(store)
    if not force and head.sequence > AUTO_VERIFY_MAX:
        return AuditStatus(head, None)
    try:
        return AuditStatus(head, True, entries=verify_audit(store))
    except AuditChainBroken as exc:
        return AuditStatus(head, False, broken_at=exc.entry_id, problem=exc.reason)
