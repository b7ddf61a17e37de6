"""Indicator lifetime (issue 13 item 6): validity from a policy on export, and validity
judged at each event's time on import, so an old feed still explains old activity."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from mercwatch.errors import ConfigError
from mercwatch.intel import export_stix, load_feed, load_feeds
from mercwatch.intel.eventtime import usable_at_event_time
from mercwatch.intel.feeds import intel_index
from mercwatch.intel.lifetime import IndicatorLifetime
from mercwatch.store.engine import connect, duckdb_connection

META_2021 = (
    Path(__file__).parents[1]
    / "data/intel/meta_threat_research/2021_12_taking_action_against_surveillance_for_hire.csv"
)
TODAY = datetime(2026, 12, 3, 12, 0)
CLOCK = lambda: TODAY  # noqa: E731


def _indicators(bundle) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    data = json.loads(bundle.serialize())
    return {o["name"]: o for o in data["objects"] if o["type"] == "indicator"}


def test_named_actor_infrastructure_never_expires_by_default(operations) -> None:  # type: ignore[no-untyped-def]
    found = _indicators(export_stix(operations, clock=CLOCK))
    assert "valid_until" not in found["evil-news.xyz"]  # op-0001 attributed to Cytrox
    unattributed = found["profile-viewer.example.net"]  # op-0002, last seen 2021-11-20
    assert unattributed["valid_until"].startswith("2022-11-20")


def test_lifetime_is_configurable(operations) -> None:  # type: ignore[no-untyped-def]
    policy = IndicatorLifetime.from_days(named_actor=30, unattributed=None)
    found = _indicators(export_stix(operations, lifetime=policy, clock=CLOCK))
    assert found["evil-news.xyz"]["valid_until"].startswith("2021-12-31")  # last seen 12-01
    assert "valid_until" not in found["profile-viewer.example.net"]
    with pytest.raises(ConfigError, match=">= 0"):
        IndicatorLifetime.from_days(named_actor=-1, unattributed=10)


def _platform(events: list[tuple[datetime, str | None, str | None]]):  # type: ignore[no-untyped-def]
    con = connect()
    raw = duckdb_connection(con)
    raw.execute("CREATE TABLE events (event_id VARCHAR, ts TIMESTAMP, url VARCHAR, ip VARCHAR)")
    for n, (ts, url, ip) in enumerate(events):
        raw.execute("INSERT INTO events VALUES (?, ?, ?, ?)", [f"e{n}", ts, url, ip])
    return con


def _old_export(operations, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    """Our own 2021 bundle as a peer published it then: unattributed, valid one year."""
    unattributed = [dataclasses.replace(op, attribution=None) for op in operations]
    path = tmp_path / "2021.stix.json"
    path.write_text(export_stix(unattributed, clock=lambda: datetime(2021, 12, 2)).serialize())
    return path


def test_an_expired_indicator_still_explains_events_from_its_window(
    operations, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    feed = load_feed(_old_export(operations, tmp_path))
    domain = next(i for i in feed.indicators if i.value == "evil-news.xyz")
    assert domain.valid_until is not None and domain.valid_until < TODAY
    assert domain not in feed.live(TODAY)  # what matching used before: nothing
    con = _platform(
        [
            (datetime(2021, 11, 3, 9), "https://login.evil-news.xyz/verify", None),  # in window
            (datetime(2026, 11, 30, 9), "https://example.org/", "198.51.100.23"),  # after
            (TODAY, None, None),
        ]
    )
    usable = usable_at_event_time(con, feed, TODAY)
    values = {i.value for i in usable}
    assert "evil-news.xyz" in values  # a 2021 event with a subdomain, inside the window
    # 198.51.100.23 was only seen in 2026, after its window closed: still not used.
    assert "198.51.100.23" not in values
    assert "evil-news.xyz" in {*intel_index(feed, TODAY, indicators=usable).values()}
    assert "evil-news.xyz" in feed.match_set(TODAY, usable).domains


def test_revoked_indicators_are_never_used(operations, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    feed = load_feed(_old_export(operations, tmp_path))
    revoked = dataclasses.replace(
        feed,
        indicators=tuple(dataclasses.replace(i, revoked=True) for i in feed.indicators),
    )
    con = _platform([(datetime(2021, 11, 3, 9), "https://evil-news.xyz/x", "203.0.113.7")])
    assert usable_at_event_time(con, revoked, TODAY) == ()


def test_meta_2021_feed_reimported_today_still_matches_2021_activity() -> None:
    feed = load_feeds([META_2021])
    con = _platform([(datetime(2021, 10, 5, 10), "https://5m5.io/a/b", None), (TODAY, None, None)])
    usable = usable_at_event_time(con, feed, TODAY)
    assert "5m5.io" in feed.match_set(TODAY, usable).domains
    cytrox = [a for a, _ in intel_index(feed, TODAY, indicators=usable).lookup("5m5.io")]
    assert any("cytrox" in a.lower() for a in cytrox)


def test_export_then_import_round_trip_keeps_named_actor_indicators_live(
    operations, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "now.stix.json"
    path.write_text(export_stix(operations, clock=CLOCK).serialize())
    feed = load_feed(path)
    live = {i.value for i in feed.live(TODAY + timedelta(days=3650))}
    assert "evil-news.xyz" in live and "profile-viewer.example.net" not in live


def test_intel_export_cli_takes_the_lifetime_policy(operations, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from mercwatch.cli import app

    ops = tmp_path / "operations.json"
    ops.write_text(json.dumps({"operations": [o.to_dict() for o in operations]}))
    out = tmp_path / "b.json"
    args = ["intel", "export", str(ops), "--format", "stix", "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--named-actor-valid-days", "10", "--no-expiry"])
    assert result.exit_code == 0, result.output
    found = {
        o["name"]: o for o in json.loads(out.read_text())["objects"] if o["type"] == "indicator"
    }
    assert found["evil-news.xyz"]["valid_until"].startswith("2021-12-11")
    assert "valid_until" not in found["profile-viewer.example.net"]
    assert CliRunner().invoke(app, [*args, "--valid-days", "-1"]).exit_code == 2
