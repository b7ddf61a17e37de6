"""Links inside events: host extraction and domain matching, in the engine.

Matching "is this link on a flagged domain?" must also catch every subdomain
(``login.evil.example`` under ``evil.example``) without a per-row Python call. Each
link row is therefore expanded into its host's label suffixes (``evil.example``,
``login.evil.example``) and equi-joined with the small set of domains of interest, a
plan both DuckDB and Spark run as a broadcast hash join.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import ibis

from mercwatch.iocs import HOST_PATTERN
from mercwatch.link.context import LinkContext, keys_table
from mercwatch.store.exprs import trim

MAX_LABELS = 8


def url_host(url: ibis.StringValue) -> ibis.StringValue:
    """Lower-cased host of a URL (the text itself when it is a bare domain).

    The engine twin of :func:`mercwatch.iocs.url_host`: "" for ``data:``,
    ``javascript:``, ``mailto:`` and every other scheme without a server.
    """
    return trim(url).re_extract(HOST_PATTERN, 1).lower().re_replace(r"\.+$", "")


def url_norm(url: ibis.StringValue) -> ibis.StringValue:
    """The engine-side twin of :func:`mercwatch.link.intel.normalize_url`."""
    return trim(url).re_replace(r"/+$", "")


LINKS_TABLE = "_mw_link_events"


def link_events(ctx: LinkContext) -> ibis.Table:
    """Events that delivered a link, with ``host`` and ``nurl`` columns added.

    The materialised table of :func:`with_link_events` when the context holds one.
    """
    if ctx.links is not None:
        return ctx.links
    ev = ctx.events
    links = ev.filter(
        ev.type.isin(list(ctx.config.link_events))
        & ev.actor_id.notnull()
        & ev.url.notnull()
        & (trim(ev.url) != "")
    )
    return links.mutate(host=url_host(links.url), nurl=url_norm(links.url))


def with_link_events(ctx: LinkContext, con: ibis.BaseBackend) -> LinkContext:
    """``ctx`` holding its link events as an engine table, computed once.

    Why: about ten link steps (malicious links, lure rings, link domains and their
    breadth, exploited deliveries ...) read the link events; as an expression each of
    them filtered every event and ran the host and URL regular expressions again
    (a third of the link stage's engine time at 1.1M events). The rows are the same.
    """
    links = con.create_table(LINKS_TABLE, link_events(ctx), overwrite=True)
    return dataclasses.replace(ctx, links=links)


def match_domains(links: ibis.Table, domains: Iterable[str]) -> ibis.Table:
    """Rows of ``links`` whose host is one of ``domains`` or under one of them.

    Returns ``links`` plus a ``domain`` column naming the matched domain. A host under
    two listed domains (``a.b.example`` with both ``b.example`` and ``example``
    listed) yields one row per match.
    """
    wanted = sorted({d for d in domains if d})
    depths = sorted({min(d.count(".") + 1, MAX_LABELS) for d in wanted})
    table = keys_table("domain", wanted)
    parts = []
    for depth in depths or [1]:
        suffix = links.host.re_extract(_suffix_re(depth), 1)
        parts.append(links.mutate(suffix=suffix))
    expanded = ibis.union(*parts, distinct=False) if len(parts) > 1 else parts[0]
    joined = expanded.join(table, expanded.suffix == table.domain)
    return joined.drop("suffix")


def _suffix_re(depth: int) -> str:
    """Regex for the last ``depth`` labels of a host, anchored at its end."""
    if depth == 1:
        return r"([^.]+)$"
    return rf"(?:^|\.)((?:[^.]+\.){{{depth - 1}}}[^.]+)$"
