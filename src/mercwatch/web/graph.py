"""The operation graph: accounts, infrastructure and (anonymised) targets, as nodes and edges.

Nodes are the operation's accounts, its domains, IPs and devices, and the people it
reached; an edge joins an account to what its events used (an IP, a device, a link on
one of the operation's domains) or to a person its events were aimed at, weighted by
the number of events. Infrastructure used by several accounts is what ties an operation
together, and the graph shows it at a glance.

Target identities follow the dashboard's rule (:attr:`Role.sees_targets`): for a
viewer, target nodes carry only an ordinal (``target 3``) and infrastructure values that
name a target are dropped, exactly as the rest of the operation page redacts them.

The page draws the graph with the vendored Cytoscape.js (``static/vendor``) from a
static script; the data travels in a ``<script type="application/json">`` block written
by Jinja's ``tojson`` (``<``, ``>``, ``&`` and ``'`` escaped, so a hostile display name
cannot close the block) and at ``/operations/{id}/graph.json`` for tools.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from mercwatch.api.operations import run_targets, shared_infrastructure
from mercwatch.auth.http_policy import CSP
from mercwatch.intel.report.safety import SharedEvidence
from mercwatch.model import Operation
from mercwatch.web.dashboard import Dashboard
from mercwatch.web.data import Usage
from mercwatch.web.session import Session

#: The dashboard's policy plus this origin's own scripts, for the pages that draw the graph.
#: Still no inline script, no eval, no other origin; ``connect-src`` stays ``'none'``.
GRAPH_CSP = f"{CSP}; script-src 'self'"
#: Past this many people, further targets are folded into one "N more" node.
MAX_TARGET_NODES = 150
_INFRA = (("domains", "domain"), ("ips", "ip"), ("devices", "device"))


def operation_graph(dash: Dashboard, op: Operation, session: Session) -> dict[str, Any]:
    """``{"nodes": [...], "edges": [...], "usage_known": bool}`` of ``op`` for ``session``."""
    sees_targets = session.role.sees_targets
    infrastructure = op.infrastructure.to_dict()
    if not sees_targets:
        infrastructure = shared_infrastructure(
            infrastructure,
            SharedEvidence(
                sorted({*op.targets, *run_targets(dash.run.operations())}), defanged=False
            ),
        )
    profiles = dash.profiles.lookup(op.accounts)
    nodes: dict[str, dict[str, Any]] = {}
    for account in op.accounts:
        profile = profiles.get(account)
        name = profile.display_name if profile else ""
        nodes[f"a:{account}"] = _node(f"a:{account}", "account", name or account, account=account)
    for key, kind in _INFRA:
        for value in infrastructure.get(key, ()):
            nodes[f"{kind}:{value}"] = _node(f"{kind}:{value}", kind, value)
    targets = _target_nodes(sorted(set(op.targets)), sees_targets)
    usage = dash.profiles.usage(op.accounts) if dash.profiles.export else []
    edges = _edges(usage, nodes, targets, infrastructure.get("domains", []))
    shown_targets = {e["target"] for e in edges if e["kind"] == "contacted"}
    nodes.update({t["id"]: t for t in targets.values() if t["id"] in shown_targets})
    return {
        "operation_id": op.operation_id,
        "nodes": sorted(nodes.values(), key=lambda n: n["id"]),
        "edges": edges,
        "usage_known": dash.profiles.export is not None,
    }


def _node(node_id: str, kind: str, label: str, **extra: str) -> dict[str, Any]:
    return {"id": node_id, "kind": kind, "label": label, **extra}


def _target_nodes(targets: list[str], sees_targets: bool) -> dict[str, dict[str, Any]]:
    """Target id -> its node: named for roles that see targets, an ordinal otherwise."""
    out: dict[str, dict[str, Any]] = {}
    for i, target in enumerate(targets, 1):
        if i > MAX_TARGET_NODES:
            more = len(targets) - MAX_TARGET_NODES
            out[target] = _node("t:more", "target", f"{more} more people")
        elif sees_targets:
            out[target] = _node(f"t:{target}", "target", target, account=target)
        else:
            out[target] = _node(f"t:{i}", "target", f"target {i}")
    return out


def _edges(
    usage: list[Usage],
    nodes: dict[str, dict[str, Any]],
    targets: dict[str, dict[str, Any]],
    domains: list[str],
) -> list[dict[str, Any]]:
    """Account -> infrastructure ("uses") and account -> person ("contacted") edges."""
    weights: dict[tuple[str, str, str], int] = defaultdict(int)
    for u in usage:
        source = f"a:{u.account}"
        if source not in nodes:
            continue
        if u.kind == "contact":
            if u.value in targets:
                weights[(source, targets[u.value]["id"], "contacted")] += u.n
            continue
        if u.kind == "host":
            domain = _domain_of(u.value, domains)
            wanted = f"domain:{domain}" if domain else None
        else:
            wanted = f"{u.kind}:{u.value}"
        if wanted is not None and wanted in nodes:
            weights[(source, wanted, "uses")] += u.n
    return [
        {"id": f"e{i}", "source": s, "target": t, "kind": k, "weight": n}
        for i, ((s, t, k), n) in enumerate(sorted(weights.items()))
    ]


def _domain_of(host: str, domains: list[str]) -> str | None:
    """The operation domain ``host`` is, or is under (``www.a.example`` -> ``a.example``)."""
    return next((d for d in domains if host == d.lower() or host.endswith("." + d.lower())), None)


def router(dash: Dashboard) -> APIRouter:
    """Route ``GET /operations/{operation_id}/graph.json``."""
    routes = APIRouter()

    @routes.get("/operations/{operation_id}/graph.json")
    def graph_json(request: Request, operation_id: str) -> Response:
        session = dash.session(request)
        op = dash.run.operation(operation_id)
        if op is None:
            return JSONResponse({"detail": f"no operation {operation_id}"}, status_code=404)
        return JSONResponse(operation_graph(dash, op, session))

    return routes
