"""The platform simulator: a realistic export (SCHEMA.md) with ground truth.

Benign life is made hard on purpose (journalists contacted by strangers, recruiters and
marketers writing from templates, crawlers, shared NAT addresses, reused celebrity
photos, URL shorteners); operations follow the styles Meta described in Dec 2021.

    >>> from mercwatch.sim import SimConfig, simulate
    >>> result = simulate(SimConfig(users=2000, seed=7), Path("export"))
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
