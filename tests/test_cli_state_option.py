"""One state-store option on every verb that opens the store, and one resolver behind it.

``run --state-url mystate.db`` used to fail (the pipeline took the value as a URL)
while ``review list --state mystate.db`` worked (that verb resolved a path): two
option names and two resolvers. Now every verb takes ``--state`` (``--state-url``
kept as a hidden alias) from :mod:`mercwatch.store.cli_options` and resolves it with
:func:`mercwatch.store.state_url.resolve_state_url`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _cli_tree import options, verbs
from _ingest_samples import write_export
from typer.testing import CliRunner

from mercwatch.cli import app
from mercwatch.errors import ConfigError
from mercwatch.pipeline import RunConfig
from mercwatch.store.cli_options import STATE_ENV, canonical_state_args
from mercwatch.store.state_url import resolve_state_url

#: Verbs that open the operational state store (a floor: the walk finds the rest).
STORE_VERBS = {
    "run",
    "watch",
    "serve",
    "appeal",
    "review list",
    "review approve",
    "review reject",
    "audit verify",
    "audit head",
    "audit show",
    "state check",
    "enforcement deliver",
    "enforcement status",
    "enforcement blocklists",
    "outbox enqueue",
    "outbox deliver",
    "outbox status",
    "outbox retry-failed",
}


def test_every_verb_naming_a_state_store_uses_the_one_option():
    with_state = {}
    for name, command in verbs():
        for param in command.params:
            names = {*param.opts, *param.secondary_opts}
            if any(n.startswith("--state") for n in names) or "state" in (param.name or ""):
                with_state[name] = param
    assert set(with_state) >= STORE_VERBS, sorted(STORE_VERBS - set(with_state))
    for name, param in with_state.items():
        assert param.opts == ["--state"] and not param.secondary_opts, name
        assert param.envvar == STATE_ENV, name
    # The walk reached the nested verbs, not only the top-level ones.
    assert "--state" in options(dict(verbs())["outbox retry-failed"])


def test_state_url_is_a_hidden_alias_of_state():
    assert canonical_state_args(
        ["run", "e", "--state-url", "a.db", "--state-url=b.db", "--", "--state-url"]
    ) == ["run", "e", "--state", "a.db", "--state=b.db", "--", "--state-url"]
    shown = CliRunner().invoke(app, ["run", "--help"], terminal_width=200)
    assert shown.exit_code == 0
    assert "--state " in shown.output and "--state-url" not in shown.output


def test_resolver_turns_a_path_into_sqlite_and_keeps_a_url(monkeypatch, tmp_path):
    monkeypatch.delenv(STATE_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    assert resolve_state_url("mystate.db") == f"sqlite:///{tmp_path / 'mystate.db'}"
    assert resolve_state_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert resolve_state_url(None, tmp_path / "out") == f"sqlite:///{tmp_path / 'out/state.db'}"
    with pytest.raises(ConfigError, match="--state"):
        resolve_state_url(None)
    monkeypatch.setenv(STATE_ENV, "other.db")
    assert resolve_state_url(None, tmp_path / "out") == f"sqlite:///{tmp_path / 'other.db'}"


def test_run_config_resolves_a_path_like_every_verb(monkeypatch, tmp_path):
    monkeypatch.delenv(STATE_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    config = RunConfig(export=tmp_path, out=tmp_path / "out", state_url="mystate.db")
    assert config.resolved_state_url() == resolve_state_url("mystate.db")


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return write_export(tmp_path / "export")


def test_run_with_state_url_path_then_review_with_state_path(export, monkeypatch, tmp_path):
    monkeypatch.delenv(STATE_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    ran = runner.invoke(app, ["run", str(export), "--out", "out", "--state-url", "mystate.db"])
    assert ran.exit_code == 0, ran.output
    assert (tmp_path / "mystate.db").is_file()
    assert not (tmp_path / "out" / "state.db").exists()  # the named store, not the default
    listed = runner.invoke(app, ["review", "list", "--state", "mystate.db", "--json"])
    assert listed.exit_code == 0, listed.output
    head = runner.invoke(app, ["audit", "head", "--state-url", "mystate.db", "--json"])
    assert head.exit_code == 0, head.output
