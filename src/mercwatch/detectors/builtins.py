"""The built-in detectors, listed explicitly in the order they run."""

from __future__ import annotations

from mercwatch.detectors.base import Detector
from mercwatch.detectors.recon.at_risk_search import AtRiskSearch

BUILTIN_DETECTORS: list[type[Detector]] = [
    AtRiskSearch,
]
