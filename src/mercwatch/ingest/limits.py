"""How much of an export ingest will read: every input is bounded before it is trusted.

An export comes from another system, and sometimes from a careless or hostile one. A
14 MB gzip can hold one 3 GB line, a tiny file can hold ten million junk rows, a clock
can say 2040. Each limit below turns such input into either a reject with a reason
(naming file, row and field) or one clear :class:`~mercwatch.errors.InputError`, and
keeps ingest's memory bounded whatever the input. The defaults fit a 2-core / 24 GB
machine and leave real exports untouched; every limit can be changed per run
(``mercwatch run --ingest-limit NAME=VALUE``).

=========================  ===========  ==========================================
limit                      default      past it
=========================  ===========  ==========================================
``max_input_bytes``        64 GiB       InputError: export larger than this once
                                        decompressed (all files together)
``max_line_bytes``         1 MiB        reject: one JSON Lines line / CSV record
``max_field_chars``        65,536       reject: one field's value
``max_depth``              16           reject: JSON nesting (the contract needs 2)
``max_rejects_kept``       10,000       rejects after these are counted, not kept
``reject_excerpt_chars``   1,000        a rejected row is kept as its first N chars
``max_reject_fraction``    0.5          InputError: a table with more rejected
                                        rows than this share is not trusted
``earliest``               2000-01-01   reject: a timestamp before it
``latest``                 now + 1 day  reject: a timestamp after it
=========================  ===========  ==========================================
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from mercwatch.errors import ConfigError

KIB, MIB, GIB = 1 << 10, 1 << 20, 1 << 30
_UNITS = {"": 1, "b": 1, "k": KIB, "kb": KIB, "kib": KIB, "m": MIB, "mb": MIB, "mib": MIB}
_UNITS |= {"g": GIB, "gb": GIB, "gib": GIB}
_SIZE = re.compile(r"^\s*([0-9][0-9_]*)\s*([a-z]*)\s*$", re.IGNORECASE)

#: How far past "now" a timestamp may be (clock skew between the platform and us).
FUTURE_SLACK = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class IngestLimits:
    """The bounds of one ingest; see the module docstring for what each one does.

    Attributes:
        max_input_bytes: bytes of all input files together, after decompression.
        max_line_bytes: bytes of one JSON Lines line or one CSV record.
        max_field_chars: characters of one field's value.
        max_depth: nesting depth of one JSON line (``{"tags": ["a"]}`` is 2).
        max_rejects_kept: rejected rows kept (with an excerpt) for ``rejects.jsonl``.
        reject_excerpt_chars: characters kept of each rejected row.
        max_reject_fraction: share of a table's rows that may be rejected (0..1).
        earliest: the first plausible timestamp (UTC).
        latest: the last plausible timestamp (UTC); ``None`` = ingest time + 1 day.
    """

    max_input_bytes: int = 64 * GIB
    max_line_bytes: int = 1 * MIB
    max_field_chars: int = 65_536
    max_depth: int = 16
    max_rejects_kept: int = 10_000
    reject_excerpt_chars: int = 1_000
    max_reject_fraction: float = 0.5
    earliest: datetime = datetime(2000, 1, 1, tzinfo=UTC)
    latest: datetime | None = None

    def __post_init__(self) -> None:
        for name in ("max_input_bytes", "max_line_bytes", "max_field_chars", "max_depth"):
            if getattr(self, name) < 1:
                raise ConfigError(f"ingest limit {name} must be at least 1")
        if self.max_rejects_kept < 0 or self.reject_excerpt_chars < 16:
            raise ConfigError("max_rejects_kept must be >= 0 and reject_excerpt_chars >= 16")
        if not 0.0 <= self.max_reject_fraction <= 1.0:
            raise ConfigError("ingest limit max_reject_fraction must be between 0 and 1")
        if self.latest is not None and self.latest <= self.earliest:
            raise ConfigError("ingest limit latest must be after earliest")

    def window(self, now: datetime | None = None) -> tuple[datetime, datetime]:
        """The plausible timestamp window as naive UTC datetimes (the engine's type)."""
        latest = self.latest or (now or datetime.now(UTC)) + FUTURE_SLACK
        return _naive_utc(self.earliest), _naive_utc(latest)

    def with_options(self, items: list[str] | tuple[str, ...]) -> IngestLimits:
        """A copy with ``NAME=VALUE`` options applied (sizes take KB/MB/GB suffixes).

        Raises:
            ConfigError: an unknown name or a value that does not parse.
        """
        changes: dict[str, Any] = {}  # each value parsed to its field's type by _parse
        fields = {f.name: f for f in dataclasses.fields(self)}
        for item in items:
            name, sep, value = item.partition("=")
            name = name.strip().replace("-", "_")
            if not sep or name not in fields:
                known = ", ".join(sorted(fields))
                raise ConfigError(f"ingest limit {item!r}: expected NAME=VALUE ({known})")
            changes[name] = _parse(name, value.strip())
        return dataclasses.replace(self, **changes)


def _naive_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def _parse(name: str, value: str) -> object:
    try:
        if name in ("earliest", "latest"):
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        if name == "max_reject_fraction":
            return float(value)
        return parse_size(value)
    except ValueError as exc:
        raise ConfigError(f"ingest limit {name}={value!r}: {exc}") from exc


def parse_size(text: str) -> int:
    """``"1MB"`` -> 1048576; a plain number is bytes (or a count)."""
    match = _SIZE.match(text)
    if not match or match.group(2).lower() not in _UNITS:
        raise ValueError("expected a number with an optional KB, MB or GB suffix")
    return int(match.group(1).replace("_", "")) * _UNITS[match.group(2).lower()]
