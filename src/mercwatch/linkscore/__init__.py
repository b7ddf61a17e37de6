"""Offline URL / domain scoring for brand impersonation and lure links.

The exploitation detector calls :func:`score_link` (or a :class:`LinkScorer`) once per
distinct link domain; ``mercwatch links score`` exposes the same engine. No DNS, no
network: the Public Suffix List, brand, lure and TLD knowledge are bundled data.
"""

from mercwatch.linkscore.knowledge import Knowledge, load
from mercwatch.linkscore.scorer import INDICATOR_REASON, LinkScorer, score_link
from mercwatch.linkscore.verdict import (
    BENIGN,
    INVALID,
    MALICIOUS,
    MALICIOUS_THRESHOLD,
    SUSPICIOUS,
    SUSPICIOUS_THRESHOLD,
    LinkScore,
    verdict_for,
)

__all__ = [
    "BENIGN",
    "INDICATOR_REASON",
    "INVALID",
    "MALICIOUS",
    "MALICIOUS_THRESHOLD",
    "SUSPICIOUS",
    "SUSPICIOUS_THRESHOLD",
    "Knowledge",
    "LinkScore",
    "LinkScorer",
    "load",
    "score_link",
    "verdict_for",
]
