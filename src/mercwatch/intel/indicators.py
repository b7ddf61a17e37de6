"""Indicator values: normalize, classify, defang, refang, and take them from operations.

The spelling of a value (:func:`normalize`, :func:`classify`, :func:`guess`,
:func:`defang`, :func:`refang`) lives in :mod:`mercwatch.iocs` and is re-exported here
for the importers and exporters; this module decides what of an operation is shared.

:func:`select_indicators` is the one place that decides what of an operation may be
shared: only infrastructure the operation controlled, never its targets. Photo hashes
and device ids stay home (they identify accounts, not infrastructure), webmail domains
are skipped (the operation does not own gmail.com), and any value that still
contains a target's identifier is withheld and reported. URLs leave only in the form
:func:`mercwatch.iocs.shareable_url` gives them (scheme, host, a path shape with
placeholders; no query, no fragment).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from mercwatch import iocs
from mercwatch.errors import IntelFormatError
from mercwatch.intel.records import Oddity
from mercwatch.iocs import IdentityMatcher, refang
from mercwatch.iocs.normalize import (
    classify,
    defang,
    guess,
    normalize,
    normalize_domain,
    normalize_email,
    normalize_hash,
    normalize_ip,
    normalize_url,
)
from mercwatch.model import Indicator, IndicatorType, Operation, Phase

__all__ = [
    "Selection",
    "classify",
    "defang",
    "guess",
    "leaked_term",
    "normalize",
    "normalize_domain",
    "normalize_email",
    "normalize_hash",
    "normalize_ip",
    "normalize_url",
    "refang",
    "select_indicators",
]


@dataclass(frozen=True, slots=True)
class Selection:
    """What of an operation may be shared, and what was withheld and why."""

    indicators: tuple[Indicator, ...]
    withheld: tuple[Oddity, ...]


@lru_cache(maxsize=4)
def _sensitive_matcher(sensitive: tuple[str, ...]) -> IdentityMatcher:
    """One matcher for an export's names, built once and shared by every operation."""
    return IdentityMatcher(sensitive)


def _target_matcher(op: Operation, sensitive: Iterable[str]) -> IdentityMatcher:
    return IdentityMatcher(op.targets, also=(_sensitive_matcher(tuple(sensitive)),))


def leaked_term(value: str, terms: Iterable[str] | IdentityMatcher) -> str | None:
    """The first target term found in ``value``, however it is spelled there, else None.

    Case, separators (``nour.novak`` = ``Nour_Novak`` = ``NOUR NOVAK``), percent-encoding
    and base64 are all seen through (:class:`mercwatch.iocs.IdentityMatcher`). Terms of
    four characters or more with a letter match anywhere; all-digit ids of four or more
    only between non-digits; shorter ones only as a whole token, so a target id ``42``
    does not withhold every IP address containing ``142``.
    """
    matcher = terms if isinstance(terms, IdentityMatcher) else IdentityMatcher(terms)
    return matcher.find(value)


def _infrastructure_values(op: Operation) -> list[tuple[IndicatorType | None, str, str]]:
    infra = op.infrastructure
    out: list[tuple[IndicatorType | None, str, str]] = []
    out += [(IndicatorType.DOMAIN, v, "domain") for v in infra.domains]
    out += [(IndicatorType.URL, v, "url") for v in infra.urls]
    out += [(None, v, "ip") for v in infra.ips]
    out += [(IndicatorType.DOMAIN, v, "email_domain") for v in infra.email_domains]
    return out


def _phases_for(kind: IndicatorType, op: Operation) -> tuple[Phase, ...]:
    if kind in (IndicatorType.DOMAIN, IndicatorType.URL):
        late = tuple(p for p in op.phases if p is not Phase.RECONNAISSANCE)
        return late or tuple(op.phases)
    return tuple(op.phases)


def _reportable(raw: str, terms: IdentityMatcher) -> str:
    """A rejected value as the withheld list may repeat it (never a target's identity)."""
    if leaked_term(raw, terms) is not None:
        return "(withheld)"
    return iocs.shareable_text(raw, terms) if "/" in raw else raw


def _select_one(
    kind: IndicatorType | None, raw: str, origin: str, op: Operation, terms: IdentityMatcher
) -> Indicator | Oddity:
    where = f"operation {op.operation_id} {origin}"
    try:
        if kind is None:
            value = normalize_ip(raw)
            kind = IndicatorType.IPV6 if ":" in value else IndicatorType.IPV4
        value = normalize(kind, raw)
    except IntelFormatError as exc:
        return Oddity(where, _reportable(raw, terms), exc.reason, rejected=True)
    if kind is IndicatorType.URL:
        shared = iocs.shareable_url(value, terms)
        if shared is None:
            return Oddity(where, "(withheld)", "URL host identifies a target", rejected=True)
        value = shared
    if origin == "email_domain" and value in iocs.webmail_domains():
        return Oddity(where, value, "webmail provider, not the operation's own", rejected=True)
    leaked = leaked_term(value, terms)
    if leaked is not None:
        return Oddity(where, "(withheld)", "contains a target identifier", rejected=True)
    actor = op.attribution.actor if op.attribution else None
    return Indicator(
        type=kind,
        value=value,
        actor=actor,
        comment=f"mercwatch operation {op.operation_id}",
        valid_from=op.first_seen,
        phases=_phases_for(kind, op),
    )


def _shareable_extra(ind: Indicator, terms: IdentityMatcher) -> Indicator | None:
    """``ind`` as it may be shared (URLs in their shareable form), or None to withhold."""
    if ind.type is IndicatorType.URL:
        shared = iocs.shareable_url(ind.value, terms)
        if shared is None:
            return None
        ind = dataclasses.replace(ind, value=shared)
    return None if leaked_term(ind.value, terms) is not None else ind


def select_indicators(
    op: Operation, *, extra: Iterable[Indicator] = (), sensitive: Iterable[str] = ()
) -> Selection:
    """The indicators of ``op`` that may be shared with other defenders.

    Args:
        op: the operation.
        extra: more indicators the caller holds for it (file hashes, sender addresses);
            they pass through the same target check.
        sensitive: more strings that identify targets (display names, e-mails) beyond
            ``op.targets``; any value containing one is withheld.

    Returns:
        The shareable indicators, deduplicated, and the withheld values with reasons.
        A withheld value that leaked a target is reported as ``(withheld)`` so the
        report itself does not repeat it.
    """
    terms = _target_matcher(op, sensitive)
    chosen: dict[tuple[str, str], Indicator] = {}
    withheld: list[Oddity] = []
    for kind, raw, origin in _infrastructure_values(op):
        result = _select_one(kind, raw, origin, op, terms)
        if isinstance(result, Oddity):
            withheld.append(result)
        else:
            chosen.setdefault((result.type.value, result.value), result)
    for ind in extra:
        shared = _shareable_extra(ind, terms)
        if shared is None:
            where = f"operation {op.operation_id} extra"
            withheld.append(Oddity(where, "(withheld)", "contains a target identifier", True))
        else:
            chosen.setdefault((shared.type.value, shared.value), shared)
    return Selection(tuple(chosen.values()), tuple(withheld))
