"""Attribute an operation to a known actor when its infrastructure is in others' feeds.

Only the operation's own infrastructure is looked up (never its targets). The actor
named by the most distinct matched indicators wins; ties go to the alphabetically first
actor so reruns agree. The source reported is the feed that named that actor most.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from mercwatch.link.intel import IntelIndex
from mercwatch.model import Attribution, Infrastructure


def attribute(infrastructure: Infrastructure, intel: IntelIndex) -> Attribution | None:
    """The best-supported attribution of ``infrastructure``, or None without overlap."""
    values = {*infrastructure.domains, *infrastructure.urls, *infrastructure.ips}
    matched: dict[str, set[str]] = defaultdict(set)
    sources: dict[str, Counter[str]] = defaultdict(Counter)
    for value in sorted(values):
        for actor, source in set(intel.lookup(value)):
            matched[actor].add(value)
            sources[actor][source] += 1
    if not matched:
        return None
    actor = min(matched, key=lambda name: (-len(matched[name]), name))
    source = min(sources[actor], key=lambda name: (-sources[actor][name], name))
    return Attribution(actor=actor, source=source, matched=tuple(sorted(matched[actor])))
