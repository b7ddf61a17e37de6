"""A real run folder for the dashboard tests, plus hostile text planted where users type.

The pipeline runs once per session on a small simulated platform (with some bad rows,
so there are rejects); each test module gets its own copy of the run folder, export
and state store, so a module's approvals never leak into another's expectations.
"""

from __future__ import annotations

import json
import shutil
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from _chromium import ARGS, CHROMIUM
from pydantic import SecretStr

from mercwatch.api import ApiSettings, Authenticator, Role, create_app, new_api_key
from mercwatch.auth.keys import ApiKey
from mercwatch.enforce import Enforcer, load_policy
from mercwatch.model import Action, ActionKind, ActionStatus, Operation
from mercwatch.pipeline import RunConfig, run_pipeline
from mercwatch.sim import SimConfig, simulate
from mercwatch.store.state import StateStore
from mercwatch.web import WebSettings

XSS_NAME = "<img src=x onerror=\"document.title='pwned-name'\">Ana"
XSS_BIO = "<script>document.title='pwned-bio'</script>Reporter"
XSS_ACTOR = "<script>alert('actor')</script>Cytrox"
XSS_DETAIL = "sent <svg onload=alert(1)> to a target"
XSS_REASON = "<script>alert('reason')</script> queued by a test"
XSS_DOMAIN = 'evil"><script>alert(1)</script>.example'
# The fast detectors still find the operations; the photo/persona one alone doubles
# the run time on two shared cores, and nothing here depends on it.
SKIP = frozenset({"engagement.fake_persona"})


@dataclass(frozen=True)
class Fixture:
    """One module's copy of a run: where things are, and keys for each role."""

    out: Path
    export: Path
    state_url: str
    tokens: dict[Role, str]
    auth: Authenticator
    hostile_op: str
    hostile_account: str
    pending_ids: tuple[int, ...]
    hostile: ClassVar[tuple[str, ...]] = (
        XSS_NAME,
        XSS_BIO,
        XSS_ACTOR,
        XSS_DETAIL,
        XSS_REASON,
        XSS_DOMAIN,
    )

    def store(self) -> StateStore:
        return StateStore.open(self.state_url)

    def enforcer(self) -> Enforcer:
        return Enforcer(self.store(), load_policy())


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``export/``, ``out/`` and ``out/state.db`` from the real pipeline, run once."""
    root = tmp_path_factory.mktemp("web-run")
    simulate(SimConfig(users=600, seed=3, bad_rows=7), root / "export")
    run_pipeline(
        RunConfig(
            export=root / "export",
            out=root / "out",
            state_url=f"sqlite:///{(root / 'state.db').as_posix()}",
            skip_detectors=SKIP,
        )
    )
    return root


def _keys() -> tuple[dict[Role, str], list[ApiKey]]:
    tokens: dict[Role, str] = {}
    keys: list[ApiKey] = []
    for role in Role:
        tokens[role], key = new_api_key(f"{role.value}-1", role, f"test {role.value}")
        keys.append(key)
    return tokens, keys


def _plant_hostile_text(out: Path, export: Path) -> tuple[str, str]:
    """Hostile strings in an account profile, an attribution, evidence and a domain."""
    data = json.loads((out / "operations.json").read_text(encoding="utf-8"))
    first = data["operations"][0]
    first["attribution"] = {"actor": XSS_ACTOR, "source": "test-feed", "matched": [XSS_DOMAIN]}
    first["infrastructure"]["domains"] = [*first["infrastructure"]["domains"], XSS_DOMAIN]
    first["evidence"].append(
        {
            "detector": "exploitation.link_delivery",
            "phase": "exploitation",
            "subject": first["accounts"][0],
            "score": 0.5,
            "detail": XSS_DETAIL,
        }
    )
    (out / "operations.json").write_text(json.dumps(data), encoding="utf-8")
    account = first["accounts"][0]
    table = pq.read_table(export / "accounts.parquet").to_pylist()
    for row in table:
        if row["account_id"] == account:
            row["display_name"], row["bio"] = XSS_NAME, XSS_BIO
    schema = pq.read_schema(export / "accounts.parquet")
    pq.write_table(pa.Table.from_pylist(table, schema=schema), export / "accounts.parquet")
    return first["operation_id"], account


def _queue_reviews(state_url: str, op: Operation) -> tuple[int, ...]:
    """Pending actions, as the policy queues them below auto-apply confidence."""
    enforcer = Enforcer(StateStore.open(state_url), load_policy())
    wanted = [
        Action(
            ActionKind.CHECKPOINT_ACCOUNT,
            op.accounts[0],
            op.operation_id,
            ActionStatus.PENDING_REVIEW,
            XSS_REASON,
        ),
        Action(
            ActionKind.BLOCK_DOMAIN,
            XSS_DOMAIN,
            op.operation_id,
            ActionStatus.PENDING_REVIEW,
            "look-alike domain, confidence 0.6",
        ),
        Action(
            ActionKind.BLOCK_URL,
            "https://news-check.example/a",
            op.operation_id,
            ActionStatus.PENDING_REVIEW,
            "lure URL, confidence 0.55",
        ),
    ]
    enforcer.apply(wanted, {op.operation_id: op.evidence})
    # The run may queue reviews of its own; return ours, in the order above.
    ids = {(p.action.action, p.action.subject): p.id for p in enforcer.pending_reviews()}
    return tuple(ids[(a.action, a.subject)] for a in wanted)


@pytest.fixture(scope="module")
def run(pipeline_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Fixture:
    """This module's own copy of the run, with hostile text and three queued reviews."""
    root = tmp_path_factory.mktemp("web-copy")
    shutil.copytree(pipeline_run / "out", root / "out")
    shutil.copytree(pipeline_run / "export", root / "export")
    for db in pipeline_run.glob("state.db*"):
        shutil.copy(db, root / db.name)
    state_url = f"sqlite:///{(root / 'state.db').as_posix()}"
    op_id, account = _plant_hostile_text(root / "out", root / "export")
    data = json.loads((root / "out" / "operations.json").read_text(encoding="utf-8"))
    op = Operation.from_dict(next(o for o in data["operations"] if o["operation_id"] == op_id))
    pending = _queue_reviews(state_url, op)
    tokens, keys = _keys()
    return Fixture(
        root / "out",
        root / "export",
        state_url,
        tokens,
        Authenticator(keys),
        op_id,
        account,
        pending,
    )


# --- the dashboard in a real browser (test_browser.py, test_e2e_review_flow.py) ----------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(run: Any) -> Iterator[str]:
    import uvicorn

    # Plain HTTP on loopback: the Secure flag would be honoured by Chromium on
    # 127.0.0.1 too, but the setting exists for exactly this case, so use it.
    web = WebSettings(
        state_url=run.state_url,
        export_dir=run.export,
        session_secret=SecretStr("b" * 40),
        secure_cookies=False,
    )
    app = create_app(ApiSettings(run_dir=run.out), authenticator=run.auth, web=web)
    port = _free_port()
    srv = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        if not thread.is_alive():
            raise RuntimeError("the dashboard server did not start")
        threading.Event().wait(0.02)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.skip("Debian chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()
