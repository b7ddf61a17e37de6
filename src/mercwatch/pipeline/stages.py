"""The stages after detection, each a small function over the library's packages.

Kept apart from ``run.py`` so the order of the pipeline reads in one place and each
stage's wiring (what it reads, what it hands on) reads in another.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import pyarrow as pa
from ibis.backends import BaseBackend

from mercwatch.detectors.gcpause import collector_paused
from mercwatch.enforce import Enforcer, decide, load_policy
from mercwatch.enforce.withdrawal import RUN_ACTOR, Reconciled, reconcile
from mercwatch.errors import IntelFormatError, RunFailed
from mercwatch.intel import Feed, export_stix, load_feeds
from mercwatch.intel.feeds import intel_index
from mercwatch.intel.stix import load_bundle
from mercwatch.link import LinkConfig, MappingIntelIndex, build_operations
from mercwatch.model import Action, Indicator, Notification, Operation
from mercwatch.notify import Outbox, select_notifications
from mercwatch.pipeline.config import RunConfig
from mercwatch.store.state import StateStore


def data_horizon(con: BaseBackend) -> datetime:
    """The newest event time: the run's notion of "now", so reruns are identical."""
    newest = con.table("events").ts.max().execute()
    if newest is None or str(newest) == "NaT":
        return datetime(1970, 1, 1)
    return newest.to_pydatetime() if hasattr(newest, "to_pydatetime") else newest


def import_intel(config: RunConfig, now: datetime) -> Feed | None:
    """Load every ``--intel`` feed into one (``None`` when there is none)."""
    if not config.intel:
        return None
    return load_feeds(config.intel)


def known_bad(
    feed: Feed | None, now: datetime, usable: Sequence[Indicator] | None = None
) -> frozenset[str]:
    """Normalised domains, URLs and IPs for the detectors' indicator matching: live ones,
    or ``usable`` (valid at some event's time, see :mod:`mercwatch.intel.eventtime`)."""
    if feed is None:
        return frozenset()
    match = feed.match_set(now, usable)
    return frozenset(match.domains | match.urls | match.ips)


def link(
    con: BaseBackend,
    signals: pa.Table,
    feed: Feed | None,
    now: datetime,
    usable: Sequence[Indicator] | None = None,
) -> list[Operation]:
    """Signals -> operations, attributed with the feed's live (or ``usable``) indicators."""
    index = (
        intel_index(feed, now, indicators=usable)
        if feed is not None
        else MappingIntelIndex.from_mapping({})
    )
    with collector_paused():  # Python over many candidates, as in the detectors
        return build_operations(con, signals, index, LinkConfig())


def account_created(con: BaseBackend, operations: Sequence[Operation]) -> dict[str, datetime]:
    """Creation time of every account in an operation (to tell hijacked from fake)."""
    members = sorted({a for op in operations for a in op.accounts})
    if not members:
        return {}
    accounts = con.table("accounts")
    rows = accounts.filter(accounts.account_id.isin(members)).select("account_id", "created_at")
    return {r["account_id"]: r["created_at"] for r in rows.to_pyarrow().to_pylist()}


def enforce(
    store: StateStore,
    config: RunConfig,
    operations: Sequence[Operation],
    created: dict[str, datetime],
    complete: bool = True,
) -> tuple[list[Action], Reconciled | None]:
    """Decide under the policy, then record once (rerun-safe) with audit entries.

    A run that saw all the evidence (``complete``: no detector failed, none left out by
    ``--only``/``--skip``, not a dry run) also reconsiders the earlier runs' decisions
    it no longer makes (enforce/withdrawal.py); the second value says what moved.
    """
    policy = load_policy(config.policy)
    wanted = decide(operations, created, policy)
    store.record_operations(operations)
    evidence = {op.operation_id: op.evidence for op in operations}
    enforcer = Enforcer(store, policy)
    stored = enforcer.apply(wanted, evidence, who=RUN_ACTOR, dry_run=config.dry_run)
    whole = complete and not (config.dry_run or config.only_detectors or config.skip_detectors)
    return stored, reconcile(enforcer, wanted) if whole else None


def target_languages(
    con: BaseBackend, operations: Sequence[Operation]
) -> dict[str, tuple[str | None, str | None]]:
    """Targets' (locale, country) from the export, to warn each in their language.

    The accounts table has no locale column today, so the locale is ``None`` and the
    country decides (the notification records the fallback chain).
    """
    targets = sorted(
        {t for op in operations for t in op.targets}
        | {t for op in operations for t, _ in op.target_levels}
    )
    if not targets:
        return {}
    accounts = con.table("accounts")
    rows = accounts.filter(accounts.account_id.isin(targets)).select("account_id", "country")
    return {r["account_id"]: (None, r["country"]) for r in rows.to_pyarrow().to_pylist()}


def notify(
    store: StateStore,
    operations: Sequence[Operation],
    dry_run: bool,
    people: dict[str, tuple[str | None, str | None]] | None = None,
    reconsider: bool = False,
) -> list[Notification]:
    """One notification per targeted person; the outbox queues each person once across
    runs into the same state store (a later, further phase may add one follow-up).

    With ``reconsider`` (a complete run, as for :func:`enforce`), warnings still
    waiting for people no operation targets any more are withdrawn, not sent."""
    notifications = select_notifications(operations, people)
    if not dry_run:
        outbox = Outbox(store)
        outbox.enqueue(notifications)
        if reconsider:
            outbox.withdraw(n.account_id for n in notifications)
    return notifications


def target_names(con: BaseBackend, operations: Sequence[Operation]) -> set[str]:
    """Targets' ids and display names: values no exported indicator may contain."""
    targets = sorted({t for op in operations for t in op.targets})
    if not targets:
        return set()
    accounts = con.table("accounts")
    names = accounts.filter(accounts.account_id.isin(targets) & accounts.display_name.notnull())
    return set(targets) | {
        n for n in names.display_name.to_pyarrow().to_pylist() if n and len(n) >= 4
    }


def _previous_bundle(path: Path) -> dict[str, Any] | None:
    """The bundle published last time (what to revoke from), checked before use.

    Raises:
        RunFailed: it exists but cannot be read, so what to revoke is unknown.
    """
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        load_bundle(data)
    except (OSError, ValueError, IntelFormatError) as exc:  # JSONDecodeError: ValueError
        raise RunFailed(
            f"{path}: the last published bundle cannot be read ({exc}), so what to revoke "
            "is unknown; restore it, or move it away to publish without revocations"
        ) from exc
    return cast(dict[str, Any], data)


def stix_bundle(
    operations: Sequence[Operation], config: RunConfig, sensitive: set[str], now: datetime
) -> tuple[str, int]:
    """The STIX 2.1 bundle text and the number of indicators in it."""
    bundle = export_stix(
        operations,
        publisher=config.publisher,
        sensitive=sorted(sensitive),
        previous=_previous_bundle(config.out / "indicators.stix.json"),
        clock=lambda: now,
    )
    data = json.loads(bundle.serialize())
    count = sum(
        1
        for obj in data.get("objects", [])
        if obj.get("type") == "indicator" and not obj.get("revoked")
    )
    return json.dumps(data, indent=2, sort_keys=True) + "\n", count
