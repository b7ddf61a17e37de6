"""The built-in detectors, listed explicitly in the order they run."""

from __future__ import annotations

from mercwatch.detectors.base import Detector
from mercwatch.detectors.engagement.co_sharing import CoSharing
from mercwatch.detectors.engagement.coordination import Coordination
from mercwatch.detectors.engagement.fake_persona import FakePersona
from mercwatch.detectors.engagement.scripted_outreach import ScriptedOutreach
from mercwatch.detectors.exploitation.link_delivery import LinkDelivery
from mercwatch.detectors.recon.at_risk_search import AtRiskSearch
from mercwatch.detectors.recon.automated_collection import AutomatedCollection
from mercwatch.detectors.recon.co_watching import CoWatching
from mercwatch.detectors.recon.targeted_watching import TargetedWatching

BUILTIN_DETECTORS: list[type[Detector]] = [
    AtRiskSearch,
    AutomatedCollection,
    TargetedWatching,
    CoWatching,
    FakePersona,
    ScriptedOutreach,
    Coordination,
    CoSharing,
    LinkDelivery,
]
