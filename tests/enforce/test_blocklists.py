"""Blocked infrastructure as RPZ, hosts, plain and defanged lists; the zone loads in BIND."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from _db import FakeClock
from typer.testing import CliRunner

from mercwatch.cli import app
from mercwatch.enforce import Enforcer, load_policy
from mercwatch.enforce.blocklists import FILES, ZONE_NAME, write_blocklists
from mercwatch.model.records import Action, ActionKind, ActionStatus
from mercwatch.store.state import StateStore

APPLIED, PENDING = ActionStatus.APPLIED, ActionStatus.PENDING_REVIEW
TARGET = "tgt-8842-journalist"
HOSTILE = 'evil"><script>alert(1)</script>.example'
ACTIONS = [
    Action(ActionKind.BLOCK_DOMAIN, "Apple-Alert.SITE.", "op-1", APPLIED, f"lure for {TARGET}"),
    Action(ActionKind.BLOCK_DOMAIN, "reutersbreaking.org", "op-1", APPLIED, "lookalike"),
    Action(ActionKind.BLOCK_DOMAIN, "bücher-alert.com", "op-1", APPLIED, "IDN lookalike"),
    Action(ActionKind.BLOCK_DOMAIN, HOSTILE, "op-2", APPLIED, "hostile subject"),
    Action(ActionKind.BLOCK_DOMAIN, "txeguardian.com", "op-2", APPLIED, "to be reversed"),
    Action(ActionKind.BLOCK_DOMAIN, "pending-review.net", "op-2", PENDING, "not decided"),
    Action(ActionKind.BLOCK_URL, "https://bit.ly/3xYz", "op-1", APPLIED, "shortened lure"),
    Action(ActionKind.DISABLE_ACCOUNT, "acct-1", "op-1", APPLIED, "an account, not infra"),
]


@pytest.fixture
def exported(store: StateStore, tmp_path: Path, clock: FakeClock) -> Path:
    enforcer = Enforcer(store, load_policy(), clock)
    enforcer.apply(ACTIONS, {})
    reversed_id = next(
        s.id for s in enforcer.list_actions() if s.action.subject == "txeguardian.com"
    )
    clock.advance(minutes=5)
    enforcer.reverse(reversed_id, "reviewer:ana", "appeal upheld")
    write_blocklists(store, tmp_path / "lists")
    return tmp_path / "lists"


def read(folder: Path, name: str) -> list[str]:
    return (folder / name).read_text(encoding="utf-8").splitlines()


def test_lists_hold_what_is_blocked_now_cleaned(exported: Path) -> None:
    domains = ["apple-alert.site", "reutersbreaking.org", "xn--bcher-alert-thb.com"]
    assert read(exported, "blocked-domains.txt") == domains
    assert read(exported, "blocked.hosts") == [f"0.0.0.0 {d}" for d in domains]
    assert read(exported, "blocked-domains-defanged.txt") == [
        "apple-alert[.]site",
        "reutersbreaking[.]org",
        "xn--bcher-alert-thb[.]com",
    ]
    # A URL stays a URL: blocking the shortener's whole host would be wrong.
    assert read(exported, "blocked-urls.txt") == ["https://bit.ly/3xYz"]
    assert read(exported, "blocked-urls-defanged.txt") == [
        "hXXps://bit[.]ly/3xYz"
    ]  # the one defang style (mercwatch.iocs)
    rejects = read(exported, "blocked-rejects.txt")
    assert len(rejects) == 1 and rejects[0].startswith(HOSTILE + "\t")
    rpz = (exported / "blocked.rpz").read_text(encoding="utf-8")
    assert "apple-alert.site CNAME ." in rpz and "*.apple-alert.site CNAME ." in rpz
    for absent in ("txeguardian", "pending-review", "acct-1", "bit.ly", "script", TARGET):
        assert absent not in rpz
    for name in FILES:  # no target identity anywhere, reasons are not exported
        assert TARGET not in (exported / name).read_text(encoding="utf-8")


def test_rpz_loads_in_named_checkzone(exported: Path) -> None:
    checker = shutil.which("named-checkzone")
    if checker is None:
        if os.environ.get("CI") == "true":
            pytest.fail("named-checkzone (Debian bind9-utils) is required under CI")
        pytest.skip("named-checkzone not installed (Debian package bind9-utils)")
    result = subprocess.run(
        [checker, ZONE_NAME, str(exported / "blocked.rpz")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK" in result.stdout


def serial(folder: Path) -> int:
    soa = next(line for line in read(folder, "blocked.rpz") if " SOA " in line)
    return int(soa.split("(")[1].split()[0])


def test_same_state_same_files_and_a_reversal_raises_the_serial(
    store: StateStore, exported: Path, tmp_path: Path, clock: FakeClock
) -> None:
    again = tmp_path / "again"
    write_blocklists(store, again)
    for name in FILES:
        assert (again / name).read_bytes() == (exported / name).read_bytes(), name
    enforcer = Enforcer(store, load_policy(), clock)
    clock.advance(minutes=5)
    target = next(s for s in enforcer.list_actions() if s.action.subject == "reutersbreaking.org")
    enforcer.reverse(target.id, "reviewer:ana", "appeal upheld")
    after = tmp_path / "after"
    write_blocklists(store, after)
    assert "reutersbreaking.org" not in read(after, "blocked-domains.txt")
    assert serial(after) == serial(exported) + 300


def test_cli_writes_the_lists(store: StateStore, state_url: str, tmp_path: Path) -> None:
    Enforcer(store, load_policy()).apply(ACTIONS[:2], {})
    result = CliRunner().invoke(
        app, ["enforcement", "blocklists", "--out", str(tmp_path / "o"), "--state", state_url]
    )
    assert result.exit_code == 0, result.output
    assert '"domains": 2' in result.output
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == sorted(FILES)
