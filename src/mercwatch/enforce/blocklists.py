"""Blocked infrastructure in the formats defenders load: RPZ, hosts, plain and defanged lists.

Only what is *blocked now* is exported: ``block_domain`` and ``block_url`` actions with
status ``applied`` (a reversed or rejected one drops out on the next export). Files:

- ``blocked.rpz`` — a DNS Response Policy Zone (RFC-draft RPZ, as BIND, Unbound,
  PowerDNS and Knot load): ``evil.example CNAME .`` and ``*.evil.example CNAME .``
  answer NXDOMAIN for the domain and its subdomains. Its SOA serial is the newest
  decision time on any block action (Unix seconds), so the same state writes the same file and any
  change raises the serial (secondaries transfer it).
- ``blocked.hosts`` — ``0.0.0.0 evil.example`` lines for hosts files and Pi-hole-style
  tools (no wildcards exist there).
- ``blocked-domains.txt`` / ``blocked-urls.txt`` — one per line, for machines.
- ``blocked-domains-defanged.txt`` / ``blocked-urls-defanged.txt`` — for people
  (``evil[.]example``, ``hXXps://``), so pasting them into a ticket opens nothing.
- ``blocked-rejects.txt`` — a subject that is not a usable domain (say, a hostile
  string) is never written into a zone; it is listed here with the reason.

A URL is never widened into its host: a URL on a shared host (a link shortener)
must not block the whole host, so URLs appear only in the URL lists. None of these
files names a targeted person: subjects of block actions are infrastructure.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

from sqlalchemy import select

from mercwatch.errors import IntelFormatError
from mercwatch.intel.indicators import IndicatorType, defang, normalize_domain
from mercwatch.model.records import ActionKind, ActionStatus
from mercwatch.store.state import StateStore, actions

ZONE_NAME = "rpz.mercwatch.invalid"
FILES = (
    "blocked.rpz",
    "blocked.hosts",
    "blocked-domains.txt",
    "blocked-urls.txt",
    "blocked-domains-defanged.txt",
    "blocked-urls-defanged.txt",
    "blocked-rejects.txt",
)


@dataclass(frozen=True, slots=True)
class Blocked:
    """What is blocked now, cleaned: domains (A-labels), URLs, and what could not be used."""

    domains: tuple[str, ...]
    urls: tuple[str, ...]
    rejects: tuple[tuple[str, str], ...]
    serial: int


def blocked_now(store: StateStore) -> Blocked:
    """Read the applied block actions from the state store, deduplicated and sorted."""
    # Every block action, whatever its status, sets the serial: a reversal (which
    # removes a line) must raise it too, or secondaries would keep the old zone.
    query = select(
        actions.c.action, actions.c.subject, actions.c.status, actions.c.updated_at
    ).where(actions.c.action.in_([ActionKind.BLOCK_DOMAIN.value, ActionKind.BLOCK_URL.value]))
    domains: set[str] = set()
    urls: set[str] = set()
    rejects: dict[str, str] = {}
    serial = 1
    with store.engine.connect() as conn:
        for kind, subject, status, updated_at in conn.execute(query):
            serial = max(serial, int(updated_at.replace(tzinfo=UTC).timestamp()))
            if status != ActionStatus.APPLIED.value:
                continue
            if kind == ActionKind.BLOCK_URL.value:
                url = subject.strip()
                if _printable_url(url):
                    urls.add(url)
                else:
                    rejects[subject] = "URL with spaces or control characters"
                continue
            try:
                domains.add(normalize_domain(subject))
            except IntelFormatError as exc:
                rejects[subject] = exc.reason
    return Blocked(
        tuple(sorted(domains)), tuple(sorted(urls)), tuple(sorted(rejects.items())), serial
    )


def write_blocklists(store: StateStore, out_dir: Path) -> Blocked:
    """Write every file of this module's docstring into ``out_dir`` (each atomically)."""
    blocked = blocked_now(store)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, text in blocklist_texts(blocked).items():
        _write_atomically(out_dir / name, text)
    return blocked


def blocklist_texts(blocked: Blocked) -> dict[str, str]:
    """Every file of this module's docstring, by name (what the API serves too)."""
    return {
        "blocked.rpz": rpz_zone(blocked),
        "blocked.hosts": "".join(f"0.0.0.0 {d}\n" for d in blocked.domains),
        "blocked-domains.txt": _lines(blocked.domains),
        "blocked-urls.txt": _lines(blocked.urls),
        "blocked-domains-defanged.txt": _lines(
            defang(d, IndicatorType.DOMAIN) for d in blocked.domains
        ),
        "blocked-urls-defanged.txt": _lines(defang(u, IndicatorType.URL) for u in blocked.urls),
        "blocked-rejects.txt": _lines(
            f"{_printable(s)}\t{_printable(why)}" for s, why in blocked.rejects
        ),
    }


def rpz_zone(blocked: Blocked, zone: str = ZONE_NAME) -> str:
    """The RPZ zone file text: SOA, NS, then two NXDOMAIN records per blocked domain."""
    head = [
        f"$ORIGIN {zone}.",
        "$TTL 300",
        f"@ IN SOA localhost. hostmaster.localhost. ( {blocked.serial} 3600 600 604800 300 )",
        "@ IN NS localhost.",
        "; mercwatch: domains blocked as surveillance-for-hire infrastructure",
    ]
    body = []
    for domain in blocked.domains:
        body.append(f"{domain} CNAME .")
        body.append(f"*.{domain} CNAME .")
    return "\n".join(head + body) + "\n"


def _lines(items: Iterable[str]) -> str:
    return "".join(f"{item}\n" for item in items)


def _printable_url(url: str) -> bool:
    return bool(url) and url.isprintable() and not any(c.isspace() for c in url)


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() and c != "\t" else "?" for c in text)


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
