"""Every headline count of a run, computed in one place.

``summary.json``, the threat report (both editions) and the dashboard used to count
the same things differently: the report called a phase "reached" when any evidence
fell in it while ``operations.json`` (and the dashboard) use the linker's ``phases``,
so 6 operations were "in engagement" in the report and 4 everywhere else; and the
report counted the raw domains/URLs/IPs per operation (duplicates across operations,
personalised URLs, no e-mail domains) while ``summary.json`` counted the STIX bundle's
indicators. Now every consumer asks :func:`run_counts`, and indicators are the values
:func:`mercwatch.intel.indicators.select_indicators` lets out -- the same call the STIX
exporter makes -- counted once per distinct (type, value).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from mercwatch.intel.indicators import select_indicators
from mercwatch.model import (
    Action,
    ActionKind,
    ActionStatus,
    Indicator,
    Notification,
    Operation,
    Phase,
)

PHASE_ORDER = (Phase.RECONNAISSANCE, Phase.ENGAGEMENT, Phase.EXPLOITATION)


@dataclass(frozen=True, slots=True)
class RunCounts:
    """The counts every view of a run shows (see module docstring for why one place)."""

    operations: int
    phases_reached: tuple[tuple[Phase, int], ...]
    accounts_in_operations: int
    accounts_removed: int
    people_targeted: int
    people_warned: int
    indicators: int
    countries_targeted: int

    def reached(self, phase: Phase) -> int:
        return dict(self.phases_reached).get(phase, 0)

    def to_summary(self) -> dict[str, Any]:
        """The keys ``summary.json`` carries (``operations``/``indicators`` pre-existed)."""
        return {
            "operations": self.operations,
            "phases_reached": {p.value: n for p, n in self.phases_reached},
            "accounts_in_operations": self.accounts_in_operations,
            "accounts_removed": self.accounts_removed,
            "people_targeted": self.people_targeted,
            "people_warned": self.people_warned,
            "indicators": self.indicators,
            "countries_targeted": self.countries_targeted,
        }


def shared_indicators(
    operations: Iterable[Operation], sensitive: Iterable[str] = ()
) -> dict[str, tuple[Indicator, ...]]:
    """Per operation id, the indicators that may be shared (as the STIX export picks them)."""
    terms = tuple(sensitive)
    return {op.operation_id: select_indicators(op, sensitive=terms).indicators for op in operations}


def phase_reached(op: Operation, phase: Phase) -> bool:
    """The linker's decision (``Operation.phases``), not "some evidence fell in it"."""
    return phase in op.phases


def run_counts(
    operations: Sequence[Operation],
    *,
    notifications: Sequence[Notification] | None = None,
    actions: Sequence[Action] | None = None,
    sensitive: Iterable[str] = (),
    indicators: dict[str, tuple[Indicator, ...]] | None = None,
) -> RunCounts:
    """Count a run once for every view.

    Args:
        operations: the run's operations.
        notifications: the notifications written (one per person, contract v2); when
            absent, people warned counts every distinct target (what would be warned).
        actions: enforcement decisions; accounts removed counts distinct subjects of
            applied ``disable_account`` actions (absent: every operation account).
        sensitive: target names beyond ids that withhold an indicator (as in export).
        indicators: :func:`shared_indicators`' result when the caller already has it.
    """
    shared = indicators if indicators is not None else shared_indicators(operations, sensitive)
    targets = {t for op in operations for t in op.targets}
    countries: Counter[str] = Counter()
    for op in operations:
        countries.update(dict(op.target_countries))
    if actions is None:
        removed = len({a for op in operations for a in op.accounts})
    else:
        removed = len(
            {
                a.subject
                for a in actions
                if a.action is ActionKind.DISABLE_ACCOUNT and a.status is ActionStatus.APPLIED
            }
        )
    warned = (
        len({n.account_id for n in notifications}) if notifications is not None else len(targets)
    )
    return RunCounts(
        operations=len(operations),
        phases_reached=tuple(
            (p, sum(1 for op in operations if phase_reached(op, p))) for p in PHASE_ORDER
        ),
        accounts_in_operations=len({a for op in operations for a in op.accounts}),
        accounts_removed=removed,
        people_targeted=len(targets),
        people_warned=warned,
        indicators=len({(i.type.value, i.value) for inds in shared.values() for i in inds}),
        countries_targeted=len([c for c, n in countries.items() if n > 0]),
    )
