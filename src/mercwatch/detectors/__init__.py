"""Detectors: one tactic a file, each declaring its kill-chain phase.

Adding a detector is one new file plus one line in ``builtins.BUILTIN_DETECTORS``
(or an entry point in the ``mercwatch.detectors`` group for third-party ones).
"""

from mercwatch.detectors.base import DetectionContext, Detector
from mercwatch.detectors.registry import all_detectors
from mercwatch.detectors.runner import DetectionResult, DetectorRun, run_detectors

__all__ = [
    "DetectionContext",
    "DetectionResult",
    "Detector",
    "DetectorRun",
    "all_detectors",
    "run_detectors",
]
