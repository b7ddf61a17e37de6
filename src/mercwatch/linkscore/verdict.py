"""The link score record and the one place where scores become verdicts.

Thresholds live here only, so the exploitation detector, the CLI and the benchmark all
agree on what "malicious" means; they were set a priori from the signal weights in
``data/weights.yaml`` (one strong brand-impersonation trick reaches ``MALICIOUS``; a
pile of weak lure and structure hints reaches ``SUSPICIOUS``, and ``MALICIOUS`` only
when the learned lexical model also puts the name in the top few per mille of benign
domains), not fitted to any list.

The scorer adds one condition (``corroboration.py``, issue 11): a name whose evidence is
one kind only (a brand next to a product word on .com, lure words in a service's name,
a random token on a cheap TLD) keeps its score but stays "benign", with a reason that
says so; :func:`verdict_for` is the verdict of a corroborated score.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

MALICIOUS: Final = "malicious"
SUSPICIOUS: Final = "suspicious"
BENIGN: Final = "benign"
INVALID: Final = "invalid"

#: score >= this is "malicious" (takedown-grade: one unambiguous impersonation trick).
MALICIOUS_THRESHOLD: Final[float] = 0.8
#: score >= this is "suspicious" (worth a warning or a human look).
SUSPICIOUS_THRESHOLD: Final[float] = 0.5

VERDICTS: Final = (MALICIOUS, SUSPICIOUS, BENIGN, INVALID)


def verdict_for(score: float) -> str:
    """Map a valid target's score in 0..1 to its verdict.

    Args:
        score: combined score of a parsed URL or domain.

    Returns:
        ``"malicious"``, ``"suspicious"`` or ``"benign"``.
    """
    if score >= MALICIOUS_THRESHOLD:
        return MALICIOUS
    if score >= SUSPICIOUS_THRESHOLD:
        return SUSPICIOUS
    return BENIGN


@dataclass(frozen=True, slots=True)
class LinkScore:
    """How likely one URL or domain is an impersonation or lure link, and why.

    Attributes:
        value: the input exactly as given.
        score: 0..1; 0 for invalid input and for domains owned by a protected brand.
        verdict: one of ``malicious``, ``suspicious``, ``benign``, ``invalid``; from the
            score, and ``benign`` when the evidence is not corroborated.
        reasons: short human-readable reasons, strongest first.
        domain: the registrable domain (or the host / IP when it has none); ``None``
            when the input is invalid.
    """

    value: str
    score: float
    verdict: str
    reasons: tuple[str, ...]
    domain: str | None

    def to_dict(self) -> dict[str, object]:
        """The SCHEMA.md "Link scoring" line: value, score, verdict, reasons."""
        return {
            "value": self.value,
            "score": round(self.score, 4),
            "verdict": self.verdict,
            "reasons": list(self.reasons),
        }
