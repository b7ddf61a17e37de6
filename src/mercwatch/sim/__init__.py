"""The platform simulator: a realistic export (SCHEMA.md) with ground truth.

Benign life is made hard on purpose (journalists contacted by strangers, recruiters and
marketers writing from templates, crawlers, shared NAT addresses, reused celebrity
photos, URL shorteners); operations follow the styles Meta described in Dec 2021.

    >>> from mercwatch.sim import SimConfig, simulate
    >>> result = simulate(SimConfig(users=2000, seed=7), Path("export"))

Besides SCHEMA.md's ``operations``, ``truth.json`` carries (as allowed extensions)
``schema_version``, ``config`` (the run's parameters), ``hard_negatives`` (benign groups
built to look like operations: ``{"kind", "accounts"}``) and ``bad_rows`` (each injected
contract-breaking row: ``{"kind", "file", "position", "event_id", "detail"}``, position
being the 0-based data row in that events file). Operation accounts may include hijacked
long-standing accounts, whose own benign activity continues beside the operation's.
"""

from mercwatch.sim.config import (
    BadRow,
    ExportFormat,
    HardNegative,
    SimConfig,
    SimResult,
    TruthOperation,
)
from mercwatch.sim.core import simulate

__all__ = [
    "BadRow",
    "ExportFormat",
    "HardNegative",
    "SimConfig",
    "SimResult",
    "TruthOperation",
    "simulate",
]
