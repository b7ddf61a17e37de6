"""Score URLs and domains: the public entry points of the link engine.

:class:`LinkScorer` holds the loaded knowledge (load once, reuse) and a cache of
results per distinct input, since a platform sees the same domains over and over.
:func:`score_link` is the pure-function form the detectors call per distinct domain.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from mercwatch.linkscore import knowledge as kn
from mercwatch.linkscore.brandmatch import brand_signals, legit_owner
from mercwatch.linkscore.context import context_signals, hosted, learned_cap, temper_learned
from mercwatch.linkscore.corroboration import verdict_with_corroboration
from mercwatch.linkscore.lexical import lure_signals, structure_signals
from mercwatch.linkscore.parse import InvalidTarget, Target, parse_target
from mercwatch.linkscore.signals import Signal, combine, reasons
from mercwatch.linkscore.verdict import INVALID, MALICIOUS, LinkScore, verdict_for

INDICATOR_REASON = "indicator match"
#: Hosts that reach every lazily built table of the engine (:meth:`LinkScorer.warm`).
_WARM_UP = ("instagran.com", "updete-secure-login.xyz", "a.b.c.d.github.io")
#: A hosting platform's own domain: a private public suffix, listed by the platform itself.
PLATFORM_REASON = "a hosting platform's own domain (Public Suffix List, private section)"
#: ``cisco.github.io``: the account named exactly like the brand is the brand's own.
ORG_PAGE_REASON = "{}'s own organisation page on a hosting platform"


@dataclass(frozen=True, slots=True)
class KnownBad:
    """Known-bad indicators normalized for matching.

    Attributes:
        hosts: domains / hosts; a host matches itself and every subdomain of it.
        urls: ``host/path`` prefixes from URL indicators.
    """

    hosts: frozenset[str]
    urls: frozenset[str]

    def matches(self, target: Target) -> bool:
        """True when the target is, or is under, a known-bad domain or URL."""
        if self.hosts:  # most scorers have no feed: skip building the parent hosts
            labels = target.host.split(".")
            if any(".".join(labels[i:]) in self.hosts for i in range(len(labels))):
                return True
        if not self.urls:
            return False
        full = target.host + target.path
        return any(full.startswith(url) for url in self.urls)


@lru_cache(maxsize=16)
def normalize_known_bad(values: frozenset[str]) -> KnownBad:
    """Normalize feed values (domains, URLs, defanged forms); unparsable ones are skipped.

    Args:
        values: domains or URLs from imported indicator feeds.

    Returns:
        The matching index (cached per distinct set).
    """
    hosts: set[str] = set()
    urls: set[str] = set()
    for value in values:
        try:
            target = parse_target(value)
        except InvalidTarget:
            continue
        path = target.path.rstrip("/")
        if path:
            urls.add(target.host + path)
        else:
            hosts.add(target.host)
    return KnownBad(frozenset(hosts), frozenset(urls))


class LinkScorer:
    """Scores URLs and domains for impersonation and lure (offline).

    Args:
        knowledge: the indexed data; defaults to the bundled files (loaded once).
        known_bad: domains / URLs from imported feeds; a match is malicious.
        cache_size: results kept per distinct input value.
    """

    def __init__(
        self,
        knowledge: kn.Knowledge | None = None,
        known_bad: frozenset[str] = frozenset(),
        cache_size: int = 100_000,
    ) -> None:
        self.knowledge = knowledge if knowledge is not None else kn.load()
        self.known_bad = normalize_known_bad(frozenset(known_bad))
        self._cached = lru_cache(maxsize=cache_size)(self._score)

    def warm(self) -> None:
        """Build the engine's lazy tables now (word-split automaton, typo and misspelling
        indexes, ~0.25 s): a parent does it once before forking scoring workers, which
        would otherwise each build their own. Nothing is cached as a result."""
        for value in _WARM_UP:
            self._score(value)

    def score(self, value: str) -> LinkScore:
        """Score one URL or domain; never raises on bad text (verdict "invalid")."""
        return self._cached(value)

    def score_many(self, values: Iterable[str]) -> list[LinkScore]:
        """Score many values, in order (repeated values are scored once)."""
        return [self._cached(v) for v in values]

    def signals(self, target: Target) -> list[Signal]:
        """Every signal of a parsed target that no brand owns (for explanations)."""
        k = self.knowledge
        if target.is_ip:
            out = [Signal("ip_host", k.weight("ip_host"), "IP address instead of a name")]
        else:
            out = brand_signals(target, k) + lure_signals(target, k)
            out = context_signals(target, out + structure_signals(target, k), k)
            cap = 0.0 if hosted(target, k) else learned_cap(out, k)
            if k.model is not None and (cap is None or cap > 0):  # else it is dropped
                out += temper_learned(out, k.model.signals(target, k), k)
        if target.userinfo:
            out.append(Signal("userinfo", k.weight("userinfo"), "user name before @ in URL"))
        return out

    def _score(self, value: str) -> LinkScore:
        try:
            target = parse_target(value)
        except InvalidTarget as exc:
            return LinkScore(value, 0.0, INVALID, (exc.reason,), None)
        if self.known_bad.matches(target):
            return LinkScore(value, 1.0, MALICIOUS, (INDICATOR_REASON,), target.domain)
        owner = None if target.is_ip else legit_owner(target, self.knowledge)
        if owner is not None and not target.userinfo:
            why = f"domain owned by {owner.name}"
            return LinkScore(value, 0.0, verdict_for(0.0), (why,), target.domain)
        if target.platform_domain and not target.userinfo:
            return LinkScore(value, 0.0, verdict_for(0.0), (PLATFORM_REASON,), target.domain)
        org = None if target.is_ip or target.userinfo else org_page_owner(target, self.knowledge)
        if org is not None:
            why = ORG_PAGE_REASON.format(org.name)
            return LinkScore(value, 0.0, verdict_for(0.0), (why,), target.domain)
        found = self.signals(target)
        score = combine(found)
        label = "" if target.is_ip else target.label_unicode
        verdict, held = verdict_with_corroboration(score, found, self.knowledge, label)
        because = reasons(found) + ((held,) if held else ())
        return LinkScore(value, score, verdict, because, target.domain)


def org_page_owner(target: Target, k: kn.Knowledge) -> kn.Brand | None:
    """The brand whose organisation page this is (``cisco.github.io``), or None.

    On a hosting platform the label is an account name, and a brand's account carries
    the brand's name exactly (``cisco``, ``microsoft``): its pages are the brand's own,
    not an impersonation (issue 11). Only the exact, distinctive name counts, on the
    platform's first level: ``cisco-login.github.io`` or ``login.cisco.github.io``'s
    deeper labels still go through the rules, as does an ordinary word that is also a
    brand (``apple.github.io`` is a person's page as often as Apple's).
    """
    if not hosted(target, k) or target.subdomains or target.label != target.label_unicode:
        return None
    token = k.tokens.get(target.label)
    if token is None or token.ambiguous or token.hyphenated:
        return None
    return token.brand


@lru_cache(maxsize=16)
def _scorer_for(known_bad: frozenset[str]) -> LinkScorer:
    return LinkScorer(known_bad=known_bad)


def score_link(value: str, known_bad: frozenset[str] = frozenset()) -> LinkScore:
    """Score one URL or domain for brand impersonation and lure (offline, pure).

    Args:
        value: a URL or domain as found in a message or feed.
        known_bad: domains / URLs from imported indicator feeds; a match (the domain
            itself or any subdomain, or a URL under an indicator URL) is malicious
            with the reason "indicator match".

    Returns:
        The score, verdict, reasons and registrable domain.
    """
    return _scorer_for(frozenset(known_bad)).score(value)
