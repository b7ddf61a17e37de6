"""Plain indicator lists: one value per line, the lowest common denominator of sharing.

Amnesty publishes ``domains.txt``, ``emails.txt``, ``processes.txt``; firewalls and DNS
blocklists take the same shape. Blank lines and ``#`` comments are skipped; values may be
defanged. A list of names (processes, files) cannot be told from a list of bad domains
by looking at the values, so the caller says what it holds with ``kind``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from mercwatch.errors import IntelFormatError
from mercwatch.intel.indicators import defang, guess, normalize, normalize_domain, select_indicators
from mercwatch.intel.records import Entry, Feed, Oddity, feed_from_entries, flag_split_values
from mercwatch.model import Indicator, IndicatorType, Operation

_UNKNOWN = (
    "not a domain, URL, IP address, e-mail address or hash (give the list's type to read names)"
)


def _entry(where: str, line: str, kind: IndicatorType | None, actor: str | None) -> Entry:
    raw = line.strip()
    try:
        found = (kind, normalize(kind, raw)) if kind else guess(raw)
    except IntelFormatError as exc:
        return Entry(where, raw, Oddity(where, raw, exc.reason, rejected=True))
    if found is None:
        return Entry(where, raw, Oddity(where, raw, _UNKNOWN, rejected=True))
    return Entry(where, raw, Indicator(type=found[0], value=found[1], actor=actor))


def read_plain(
    text: str, source: str, *, kind: IndicatorType | None = None, actor: str | None = None
) -> Feed:
    """Feed from a one-value-per-line list.

    Args:
        text: the list.
        source: its name, used in oddity locations (``domains.txt:12``).
        kind: what every line is; guessed per line when omitted.
        actor: who the list is about, when the publisher says so elsewhere.
    """
    entries = []
    notes = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        where = f"{source}:{number}"
        entry = _entry(where, stripped, kind, actor)
        if (
            isinstance(entry.result, Indicator)
            and entry.result.type is IndicatorType.URL
            and "://" not in stripped
        ):
            notes.append(Oddity(where, stripped, "URL without a scheme; read as http://"))
        entries.append(entry)
    if kind is None:
        notes += _suspect_guesses(entries)
    return feed_from_entries(source, "plain", flag_split_values(entries, normalize_domain), notes)


def _suspect_guesses(entries: list[Entry]) -> list[Oddity]:
    """Warn about values read as indicators in a list that is mostly not indicators.

    Amnesty's ``processes.txt`` holds ``com.apple.rapports.events``, which is a valid
    domain name under ``.events``; in a list of process names it is a process name.
    """
    unknown = sum(
        1 for e in entries if isinstance(e.result, Oddity) and e.result.reason == _UNKNOWN
    )
    if unknown * 2 <= len(entries):
        return []
    return [
        Oddity(
            e.where,
            e.raw,
            f"read as {e.result.type.value} in a list that is mostly not indicator values; "
            f"give the list's type",
        )
        for e in entries
        if isinstance(e.result, Indicator)
    ]


def export_plain(
    operations: Iterable[Operation],
    *,
    kinds: Iterable[IndicatorType] | None = None,
    defanged: bool = False,
    extra: Mapping[str, Iterable[Indicator]] | None = None,
    sensitive: Iterable[str] = (),
) -> str:
    """Unique shareable values, one per line, sorted by type then value.

    Args:
        operations: the operations to publish.
        kinds: only these types (e.g. domains for a DNS blocklist); all when omitted.
        defanged: write ``evil[.]com`` for lists meant to be read by people.
        extra: more indicators per operation id.
        sensitive: strings identifying targets beyond their ids.
    """
    wanted = set(kinds) if kinds is not None else None
    terms = tuple(sensitive)
    values: set[tuple[str, str]] = set()
    for op in operations:
        chosen = select_indicators(
            op, extra=(extra or {}).get(op.operation_id, ()), sensitive=terms
        )
        for ind in chosen.indicators:
            if wanted is None or ind.type in wanted:
                values.add((ind.type.value, defang(ind.value, ind.type) if defanged else ind.value))
    return "".join(f"{value}\n" for _, value in sorted(values))
