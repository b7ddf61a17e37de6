"""Keep an operation's id when it continues into a later run.

``build.operation_id`` hashes an operation's accounts, so an operation that gains one
account on day 2 would get a new id: enforcement (keyed on subject + operation) would
act twice on the same accounts, and analysts would lose the case they were following.
Here each operation of this run is matched to the operations recorded before (the
state store's case list) that share its accounts or, failing that, its infrastructure,
and takes the old id. The matching is deterministic: best overlap first, ties broken
by id, each old id given to at most one operation of this run.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from mercwatch.model import Operation


@dataclass(frozen=True, slots=True)
class KnownOperation:
    """What a previous run recorded of one operation: its id, accounts and domains."""

    operation_id: str
    accounts: frozenset[str]
    domains: frozenset[str]

    @classmethod
    def from_payload(cls, payload: dict) -> KnownOperation:
        """From ``Operation.to_dict()`` as the state store keeps it."""
        infra = payload.get("infrastructure") or {}
        return cls(
            payload["operation_id"],
            frozenset(payload.get("accounts") or ()),
            frozenset(infra.get("domains") or ()),
        )


def stable_ids(operations: Sequence[Operation], known: Iterable[KnownOperation]) -> list[Operation]:
    """``operations`` with each continuing one renamed to the id it had before.

    An operation continues a known one when they share at least one account, or, when
    no account is shared with any known operation, at least one infrastructure domain.
    Pairs are taken greedily by (shared accounts, shared domains) descending, then by
    the two ids, so the result depends only on the inputs. An operation whose own id
    is already known keeps it (a rerun on the same input renames nothing). A split
    gives the old id to the larger overlap; a merge keeps the id of the larger one.

    Returns:
        The operations sorted like ``build_operations`` (confidence descending, id).
    """
    previous = {k.operation_id: k for k in known}
    taken = {op.operation_id for op in operations if op.operation_id in previous}
    open_ops = [op for op in operations if op.operation_id not in previous]
    pairs = []
    for op in open_ops:
        accounts, domains = set(op.accounts), set(op.infrastructure.domains)
        by_account = []
        by_domain = []
        for old in previous.values():
            if old.operation_id in taken:
                continue
            shared = len(accounts & old.accounts)
            if shared:
                by_account.append((shared, len(domains & old.domains), old.operation_id))
            elif domains & old.domains:
                by_domain.append((0, len(domains & old.domains), old.operation_id))
        for shared, common, old_id in by_account or by_domain:
            pairs.append((-shared, -common, old_id, op.operation_id))
    renamed: dict[str, str] = {}
    for _, _, old_id, new_id in sorted(pairs):
        if old_id in taken or new_id in renamed:
            continue
        renamed[new_id] = old_id
        taken.add(old_id)
    result = [
        dataclasses.replace(op, operation_id=renamed[op.operation_id])
        if op.operation_id in renamed
        else op
        for op in operations
    ]
    return sorted(result, key=lambda op: (-op.confidence, op.operation_id))
