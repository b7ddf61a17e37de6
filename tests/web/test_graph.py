"""The operation graph: nodes and edges from the run and the export, redacted by role.

Edges are checked against an independent reading of the export's events (pyarrow, not
the dashboard's duckdb query); target identities against the run's own truth.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from collections import defaultdict
from html import unescape
from typing import Any

import pyarrow.parquet as pq
import pytest
from _dashboard import signed_in
from fastapi.testclient import TestClient

from mercwatch.auth.http_policy import CSP
from mercwatch.auth.keys import Role
from mercwatch.web.graph import MAX_TARGET_NODES

DATA_BLOCK = re.compile(r'<script type="application/json" id="graph-data">(.*?)</script>', re.S)


@pytest.fixture(scope="module")
def clients(run: Any) -> dict[Role, TestClient]:
    return {role: signed_in(run, run.tokens[role]) for role in Role}


def operation(run: Any, op_id: str) -> dict[str, Any]:
    ops = json.loads((run.out / "operations.json").read_text())["operations"]
    return next(o for o in ops if o["operation_id"] == op_id)


def expected_edges(run: Any, op: dict[str, Any]) -> dict[str, set[tuple[str, str]]]:
    """(account, value) pairs per kind, straight from events.parquet."""
    events = pq.read_table(run.export / "events.parquet").to_pylist()
    accounts, infra = set(op["accounts"]), op["infrastructure"]
    out: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for e in events:
        actor = e.get("actor_id")
        if actor not in accounts:
            continue
        if e.get("ip") in infra["ips"]:
            out["ip"].add((actor, e["ip"]))
        if e.get("device_id") in infra["devices"]:
            out["device"].add((actor, e["device_id"]))
        host = (e.get("url") or "").split("://", 1)[-1].split("/", 1)[0].lower()
        for d in infra["domains"]:
            if e.get("url") and (host == d or host.endswith("." + d)):
                out["domain"].add((actor, d))
        if e.get("target_id") in op["targets"]:
            out["contacted"].add((actor, e["target_id"]))
    return out


def busiest(run: Any, most: int | None = None) -> str:
    """The operation with the most targets (at most ``most``): the most to hide."""
    ops = json.loads((run.out / "operations.json").read_text())["operations"]
    fits = [o for o in ops if most is None or len(set(o["targets"])) <= most]
    return max(fits, key=lambda o: (len(o["targets"]), o["operation_id"]))["operation_id"]


def test_graph_edges_are_the_exports_shared_use(run: Any, clients: dict[Role, TestClient]) -> None:
    op_id = busiest(run, MAX_TARGET_NODES)
    op = operation(run, op_id)
    graph = clients[Role.ANALYST].get(f"/operations/{op_id}/graph.json").json()
    nodes = {n["id"]: n for n in graph["nodes"]}
    assert {n["account"] for n in nodes.values() if n["kind"] == "account"} == set(op["accounts"])
    got: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for e in graph["edges"]:
        source, target = nodes[e["source"]], nodes[e["target"]]
        kind = "contacted" if e["kind"] == "contacted" else target["kind"]
        value = target.get("account", target["label"])
        got[kind].add((source["account"], value))
    expected = expected_edges(run, op)
    assert expected["contacted"], "the simulated operation messaged its targets"
    assert sum(map(len, expected.values())) > len(expected["contacted"])  # infra edges too
    assert dict(got) == dict(expected)


def test_viewer_graph_names_no_target(run: Any, clients: dict[Role, TestClient]) -> None:
    op_id = busiest(run)
    op = operation(run, op_id)
    viewer = clients[Role.VIEWER]
    raw = viewer.get(f"/operations/{op_id}/graph.json").text
    graph = json.loads(raw)
    targets = [n for n in graph["nodes"] if n["kind"] == "target"]
    assert targets and all("account" not in n for n in targets)
    assert all(re.fullmatch(r"target \d+|\d+ more people", n["label"]) for n in targets)
    assert all(re.fullmatch(r"t:(\d+|more)", n["id"]) for n in targets)
    page = viewer.get(f"/operations/{op_id}").text
    for target in op["targets"]:
        assert target not in raw and target not in page
    analyst = clients[Role.ANALYST].get(f"/operations/{op_id}/graph.json").json()
    named = {n["account"] for n in analyst["nodes"] if n["kind"] == "target" and "account" in n}
    assert named and named <= set(op["targets"])
    assert {n["id"] for n in analyst["nodes"] if n["kind"] == "target"} - {"t:more"} == {
        f"t:{t}" for t in named
    }
    assert len(analyst["nodes"]) == len(graph["nodes"])  # same graph, only the names differ


@pytest.fixture(scope="module")
def wide(run: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A copy of the run whose busiest operation also watches every other account.

    No true operation of the 600-user fixture platform watches more than
    ``MAX_TARGET_NODES`` people (the largest, 31). The run's biggest record once held
    196, but wrongly: a persona of the true op-003 wore a marketing-agency member's
    stolen photo, that one copied photo counted as a control tie, and the agency's
    shared laptops took all seven of its accounts, and the people they reach, into
    the record (:mod:`mercwatch.link.membership`, a photo joins only as a set or
    beside another tie). So the fold is tested on a record widened on purpose.
    """
    root = tmp_path_factory.mktemp("web-wide")
    shutil.copytree(run.out, root / "out")
    path = root / "out" / "operations.json"
    data = json.loads(path.read_text())
    op = next(o for o in data["operations"] if o["operation_id"] == busiest(run))
    everyone = pq.read_table(run.export / "accounts.parquet", columns=["account_id"])
    taken = set(op["targets"]) | set(op["accounts"])
    op["targets"] += [a for a in everyone.column(0).to_pylist() if a not in taken]
    path.write_text(json.dumps(data))
    return dataclasses.replace(run, out=root / "out")


def test_many_targets_fold_into_one_node(wide: Any) -> None:
    op = operation(wide, busiest(wide))
    people = len(set(op["targets"]))
    assert people > MAX_TARGET_NODES, "the widened operation is big enough"
    viewer = signed_in(wide, wide.tokens[Role.VIEWER])
    graph = viewer.get(f"/operations/{op['operation_id']}/graph.json").json()
    shown = [n for n in graph["nodes"] if n["kind"] == "target"]
    assert len(shown) <= MAX_TARGET_NODES + 1
    more = [n for n in shown if n["id"] == "t:more"]
    assert [n["label"] for n in more] == [f"{people - MAX_TARGET_NODES} more people"]


def test_page_embeds_the_graph_escaped_and_allows_only_own_scripts(
    run: Any, clients: dict[Role, TestClient]
) -> None:
    client = clients[Role.VIEWER]
    response = client.get(f"/operations/{run.hostile_op}")
    csp = response.headers["content-security-policy"]
    assert csp == f"{CSP}; script-src 'self'"
    assert "unsafe" not in csp and "connect-src" not in csp
    assert "script-src" not in client.get("/").headers["content-security-policy"]
    block = DATA_BLOCK.search(response.text)
    assert block is not None
    name = run.hostile[0]
    assert "<" not in block.group(1) and ">" not in block.group(1)  # tojson escapes them
    embedded = json.loads(block.group(1))
    assert embedded == client.get(f"/operations/{run.hostile_op}/graph.json").json()
    labels = {n["label"] for n in embedded["nodes"]}
    assert name in labels and unescape(name) == name


def test_graph_json_needs_a_session_and_a_known_operation(
    run: Any, clients: dict[Role, TestClient]
) -> None:
    anonymous = clients[Role.VIEWER].__class__(clients[Role.VIEWER].app)
    response = anonymous.get(f"/operations/{run.hostile_op}/graph.json", follow_redirects=False)
    assert response.status_code == 303 and "/login" in response.headers["location"]
    assert clients[Role.VIEWER].get("/operations/op-nope/graph.json").status_code == 404


def test_usage_is_reread_when_the_events_change(tmp_path: Any) -> None:
    import pyarrow as pa

    from mercwatch.web.data import ProfileSource, Usage

    def write(rows: list[dict[str, str]]) -> None:
        pq.write_table(pa.Table.from_pylist(rows), tmp_path / "events.parquet")

    event = {"event_id": "e1", "ts": "2026-01-01", "type": "login", "actor_id": "a1"}
    write([{**event, "ip": "192.0.2.1", "url": "https://WWW.Lure.example/x"}])
    source = ProfileSource(tmp_path)
    first = source.usage(("a1",))
    assert sorted(first, key=lambda u: u.kind) == [
        Usage("a1", "host", "www.lure.example", 1),
        Usage("a1", "ip", "192.0.2.1", 1),
    ]
    assert source.usage(("a1",)) is first  # the page and graph.json share one scan
    write([{**event, "ip": "198.51.100.7", "url": "https://other.example/"}, {**event}])
    assert {u.value for u in source.usage(("a1",))} == {"198.51.100.7", "other.example"}
