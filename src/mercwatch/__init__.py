"""mercwatch: find, stop and expose surveillance-for-hire operations on a platform."""

from mercwatch.errors import MercwatchError
from mercwatch.model import Action, Indicator, Notification, Operation, Phase, Signal

__all__ = [
    "Action",
    "Indicator",
    "MercwatchError",
    "Notification",
    "Operation",
    "Phase",
    "Signal",
    "__version__",
]

__version__ = "0.1.0"
