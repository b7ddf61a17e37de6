"""What an imported feed is: indicators, the actors it names, and everything odd in it.

A feed is read into a :class:`Feed` whatever its format, so matching and attribution
never care where indicators came from. Nothing in a feed is silently dropped: a value
that cannot be used becomes an :class:`Oddity` with ``rejected=True`` and its reason,
and things that were used but looked wrong (duplicates, guessed schemes) are oddities
too, so an analyst can see every row accounted for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from mercwatch.errors import MercwatchError
from mercwatch.model import Indicator, IndicatorType

FEED_SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class Oddity:
    """Something in a feed a person should know about.

    Attributes:
        where: location in the feed (``file.csv:86``, an object id, an attribute uuid).
        value: the raw value concerned, as the feed wrote it.
        reason: what is wrong, in words a person can act on.
        rejected: True when the value was not imported as an indicator.
        suggestion: a probable correction, never applied automatically.
    """

    where: str
    value: str
    reason: str
    rejected: bool = False
    suggestion: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "where": self.where,
            "value": self.value,
            "reason": self.reason,
            "rejected": self.rejected,
            "suggestion": self.suggestion,
        }


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def indicator_key(indicator: Indicator) -> tuple[str, str, str]:
    """Identity of an indicator inside a feed: same type, value and actor = same one."""
    return (indicator.type.value, indicator.value, indicator.actor or "")


def is_live(indicator: Indicator, now: datetime) -> bool:
    """True when the indicator may be used for matching at ``now`` (naive UTC)."""
    if indicator.revoked:
        return False
    return indicator.valid_until is None or indicator.valid_until > now


@dataclass(frozen=True, slots=True)
class MatchSet:
    """Normalized values to match platform data against, and who they belong to.

    Built by :meth:`Feed.match_set`; only live indicators are in it (not revoked, not
    past ``valid_until``). Values are normalized the way
    :func:`mercwatch.intel.indicators.normalize` does, so callers normalize theirs too.
    """

    domains: frozenset[str]
    urls: frozenset[str]
    ips: frozenset[str]
    emails: frozenset[str]
    hashes: frozenset[str]
    owners: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)

    def actors_for(self, kind: IndicatorType, value: str) -> tuple[str, ...]:
        """Actors a feed attributes ``value`` of ``kind`` to (empty if unattributed)."""
        return self.owners.get((kind.value, value), ())

    def match_domain(self, domain: str) -> str | None:
        """The listed domain that ``domain`` is, or is a subdomain of, else None.

        Operations put tracking subdomains in front of their registered domains
        (``a1b2.evil.xyz``), so a listed ``evil.xyz`` matches its subdomains too.
        """
        labels = domain.lower().rstrip(".").split(".")
        for start in range(len(labels) - 1):
            candidate = ".".join(labels[start:])
            if candidate in self.domains:
                return candidate
        return None

    def __len__(self) -> int:
        return (
            len(self.domains) + len(self.urls) + len(self.ips) + len(self.emails) + len(self.hashes)
        )


_MATCH_FIELD = {
    IndicatorType.DOMAIN: "domains",
    IndicatorType.URL: "urls",
    IndicatorType.IPV4: "ips",
    IndicatorType.IPV6: "ips",
    IndicatorType.EMAIL: "emails",
    IndicatorType.MD5: "hashes",
    IndicatorType.SHA1: "hashes",
    IndicatorType.SHA256: "hashes",
}


@dataclass(frozen=True, slots=True)
class Feed:
    """Indicators read from one or more published feeds.

    Attributes:
        source: the feed's name (file name, or names joined by ``+`` after a merge).
        format: the format it was read as (``stix2``, ``stix1``, ``misp``, ``meta-csv-2021``,
            ``meta-csv-2023``, ``meta-json-2021``, ``plain``), ``mixed`` after a merge.
        indicators: unique by (type, value, actor), in first-seen order.
        actors: actor names the feed attributes indicators to, sorted.
        oddities: every rejected value and every warning, in feed order.
        rows: how many indicator-bearing records the feed had (rows, objects,
            attributes), so ``rows == indicators + duplicates + rejects`` can be checked.
    """

    source: str
    format: str
    indicators: tuple[Indicator, ...]
    actors: tuple[str, ...] = ()
    oddities: tuple[Oddity, ...] = ()
    rows: int = 0
    schema_version: int = FEED_SCHEMA_VERSION

    @property
    def rejects(self) -> tuple[Oddity, ...]:
        """Oddities whose value was not imported."""
        return tuple(o for o in self.oddities if o.rejected)

    @property
    def warnings(self) -> tuple[Oddity, ...]:
        """Oddities about values that were imported anyway."""
        return tuple(o for o in self.oddities if not o.rejected)

    def live(self, now: datetime | None = None) -> tuple[Indicator, ...]:
        """Indicators usable for matching at ``now`` (default: the current time)."""
        when = now or _now()
        return tuple(i for i in self.indicators if is_live(i, when))

    def expired(self, now: datetime | None = None) -> tuple[Indicator, ...]:
        """Indicators past ``valid_until`` at ``now``: excluded from matching, reported."""
        when = now or _now()
        return tuple(
            i
            for i in self.indicators
            if not i.revoked and i.valid_until is not None and i.valid_until <= when
        )

    def revoked(self) -> tuple[Indicator, ...]:
        """Indicators the publisher withdrew: excluded from matching, reported."""
        return tuple(i for i in self.indicators if i.revoked)

    def match_set(
        self, now: datetime | None = None, indicators: Iterable[Indicator] | None = None
    ) -> MatchSet:
        """Live normalized values by kind, with the actors each belongs to.

        ``indicators`` replaces "live at ``now``" with a caller's choice, e.g. those
        valid at the time of some event (:mod:`mercwatch.intel.eventtime`).
        """
        buckets: dict[str, set[str]] = {name: set() for name in set(_MATCH_FIELD.values())}
        owners: dict[tuple[str, str], list[str]] = {}
        for ind in self.live(now) if indicators is None else indicators:
            bucket = _MATCH_FIELD.get(ind.type)
            if bucket is None:
                continue  # process and file names are for device forensics, not platforms
            buckets[bucket].add(ind.value)
            names = owners.setdefault((ind.type.value, ind.value), [])
            if ind.actor and ind.actor not in names:
                names.append(ind.actor)
        return MatchSet(
            **{name: frozenset(values) for name, values in buckets.items()},
            owners={key: tuple(sorted(names)) for key, names in owners.items()},
        )

    def merge(self, other: Feed) -> Feed:
        """Union of two feeds; importing the same feed twice changes nothing."""
        return build_feed(
            source=self.source if other.source == self.source else f"{self.source}+{other.source}",
            format=self.format if other.format == self.format else "mixed",
            indicators=[*self.indicators, *other.indicators],
            oddities=[*self.oddities, *(o for o in other.oddities if o not in self.oddities)],
            rows=max(self.rows, other.rows)
            if other.source == self.source
            else self.rows + other.rows,
            report_duplicates=False,
        )

    def summary(self) -> dict[str, Any]:
        """Counts a person reads first: by type, actors, rejects, warnings."""
        by_type: dict[str, int] = {}
        for ind in self.indicators:
            by_type[ind.type.value] = by_type.get(ind.type.value, 0) + 1
        return {
            "source": self.source,
            "format": self.format,
            "rows": self.rows,
            "indicators": len(self.indicators),
            "by_type": dict(sorted(by_type.items())),
            "actors": list(self.actors),
            "rejected": len(self.rejects),
            "warnings": len(self.warnings),
            "revoked": len(self.revoked()),
        }


@dataclass(frozen=True, slots=True)
class Entry:
    """One indicator-bearing record of a feed, before deduplication."""

    where: str
    raw: str
    result: Indicator | Oddity


_NO_SUFFIX = "no public suffix"


def flag_split_values(entries: list[Entry], normalize_domain: Any) -> list[Entry]:
    """Report values that are one domain broken across two consecutive records.

    Meta's 2021 CSV has ``fbc8213450838f7ae251d4`` and ``519c195138.xyz`` on two rows for
    ``fbc8213450838f7ae251d4519c195138.xyz``. The first half is a bare label (no dot, so no
    public suffix) and joined with the next value makes a valid domain; the second looks
    valid but is not a real indicator, so both become rejects that name the joined value
    as a suggestion. Nothing is repaired automatically: that is a guess, and a wrong
    indicator costs a platform more than a missing one.
    """
    out = list(entries)
    for i in range(len(out) - 1):
        first, second = out[i], out[i + 1]
        if not (isinstance(first.result, Oddity) and first.result.reason == _NO_SUFFIX):
            continue
        if "." in first.raw.strip().rstrip("."):
            continue  # "amazing.lab" is a whole name under a non-public TLD, not a fragment
        try:
            joined = normalize_domain(first.raw.strip() + second.raw.strip())
        except MercwatchError:
            continue
        whys = (
            "first half of one domain split across two records (with the next)",
            "second half of one domain split across two records (with the previous)",
        )
        for k, entry, why in ((i, first, whys[0]), (i + 1, second, whys[1])):
            out[k] = Entry(
                entry.where, entry.raw, Oddity(entry.where, entry.raw, why, True, joined)
            )
    return out


def feed_from_entries(
    source: str, format: str, entries: list[Entry], extra: Iterable[Oddity] = ()
) -> Feed:
    """A feed from per-record results, keeping every oddity in record order."""
    indicators = [e.result for e in entries if isinstance(e.result, Indicator)]
    oddities = [*extra, *(e.result for e in entries if isinstance(e.result, Oddity))]
    return build_feed(
        source=source, format=format, indicators=indicators, oddities=oddities, rows=len(entries)
    )


def build_feed(
    *,
    source: str,
    format: str,
    indicators: Iterable[Indicator],
    oddities: Iterable[Oddity] = (),
    rows: int = 0,
    report_duplicates: bool = True,
) -> Feed:
    """Make a :class:`Feed`, keeping the first of duplicate indicators.

    A later copy that revokes an indicator wins over an earlier live one, so a feed that
    lists an indicator and then its revocation ends up revoked.
    """
    kept: dict[tuple[str, str, str], Indicator] = {}
    notes = list(oddities)
    for ind in indicators:
        if not ind.source:
            ind = replace(ind, source=source)
        key = indicator_key(ind)
        if key not in kept:
            kept[key] = ind
            continue
        if ind.revoked and not kept[key].revoked:
            kept[key] = replace(kept[key], revoked=True)
        if report_duplicates:
            notes.append(Oddity(where=source, value=ind.value, reason="duplicate indicator"))
    actors = sorted({i.actor for i in kept.values() if i.actor})
    return Feed(
        source=source,
        format=format,
        indicators=tuple(kept.values()),
        actors=tuple(actors),
        oddities=tuple(notes),
        rows=rows,
    )
