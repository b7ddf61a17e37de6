"""How long an exported indicator stays valid: a policy, not a constant.

Every indicator used to expire one year after its operation was last seen, so a
defender importing a 2021 bundle today matched nothing. Infrastructure that a named
actor (Cytrox, Black Cube ...) was seen running is evidence about that actor for good:
by default it gets no ``valid_until`` at all. Unattributed infrastructure (a domain
that may be re-registered by someone else) expires, by default 365 days after last seen.
Importers judge validity at each event's time anyway (:mod:`mercwatch.intel.eventtime`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from mercwatch.errors import ConfigError
from mercwatch.model import Indicator, Operation

UNATTRIBUTED_ACTOR = "unattributed"  # what intel_index names values whose feed names none


@dataclass(frozen=True, slots=True)
class IndicatorLifetime:
    """Validity after an indicator's operations were last seen.

    Attributes:
        named_actor: for infrastructure attributed to a named actor; ``None`` = never
            expires (the default).
        unattributed: for everything else; ``None`` = never expires. Default 365 days.
    """

    named_actor: timedelta | None = None
    unattributed: timedelta | None = timedelta(days=365)

    @classmethod
    def from_days(cls, named_actor: int | None, unattributed: int | None) -> IndicatorLifetime:
        """From day counts (``None`` = never expires).

        Raises:
            ConfigError: a negative count.
        """
        for name, days in (("named actor", named_actor), ("unattributed", unattributed)):
            if days is not None and days < 0:
                raise ConfigError(f"{name} indicator validity must be >= 0 days, not {days}")
        return cls(
            None if named_actor is None else timedelta(days=named_actor),
            None if unattributed is None else timedelta(days=unattributed),
        )

    def valid_until(
        self, indicator: Indicator, operations: Iterable[Operation], last_seen: datetime
    ) -> datetime | None:
        """``valid_until`` for an indicator last seen at ``last_seen``, or None."""
        span = self.named_actor if is_named(indicator, operations) else self.unattributed
        return None if span is None else last_seen + span


DEFAULT_LIFETIME = IndicatorLifetime()


def is_named(indicator: Indicator, operations: Iterable[Operation]) -> bool:
    """Attributed to a named actor: by its feed, or through an attributed operation."""
    names = [indicator.actor, *(o.attribution.actor for o in operations if o.attribution)]
    return any(n and n.strip() and n.strip().lower() != UNATTRIBUTED_ACTOR for n in names)
