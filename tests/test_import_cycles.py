"""No import cycles: not inside ``src/mercwatch``, not between the bench scripts.

A cycle is what made ``web/app.py`` import its route modules inside a function, made
``store.state`` and ``store.migrations`` import each other lazily, and let the REST API
package be both the base (keys, auth) and the layer that mounts what imports it. Each
was dodged by a deferred import instead of a module placed where both sides reach.

The graph is grimp's (the engine of import-linter): every ``import`` statement, at
module level or deferred inside a function, because a deferred import is still a
dependency at run time. Imports under ``if TYPE_CHECKING:`` are left out: they never
run, so they cannot leave a module half-initialised (two modules annotating each
other's types is not a layering fault).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from pathlib import Path

import grimp

import mercwatch

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
#: Modules that import nothing of mercwatch: any layer may use them.
LEAVES = {"mercwatch.errors", "mercwatch.cli_json"}


def strongly_connected(
    nodes: Iterable[str], edges: Callable[[str], Iterable[str]]
) -> list[list[str]]:
    """Tarjan's algorithm (iterative): every group of two or more modules on a cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, iter(sorted(edges(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_tarjan_finds_a_cycle_and_nothing_else():
    graph = {"a": ["b"], "b": ["c"], "c": ["a", "d"], "d": [], "e": ["e2"], "e2": []}
    assert strongly_connected(graph, lambda n: graph[n]) == [["a", "b", "c"]]


def _describe(graph: grimp.ImportGraph, group: list[str]) -> str:
    """Each import of the cycle with its line, so the failure says where to cut."""
    lines = []
    for importer in group:
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            if imported in group:
                details = graph.get_import_details(importer=importer, imported=imported)
                at = ", ".join(str(d["line_number"]) for d in details)
                lines.append(f"  {importer} -> {imported} (line {at})")
    return "\n".join(lines)


def test_no_import_cycle_in_mercwatch():
    assert Path(mercwatch.__file__).resolve().is_relative_to(ROOT / "src"), (
        "run with this tree's src/ first on the path (PYTHONPATH=src)"
    )
    graph = grimp.build_graph("mercwatch", exclude_type_checking_imports=True, cache_dir=None)
    assert len(graph.modules) > 100  # the whole package was read, not an empty shell
    cycles = strongly_connected(graph.modules, graph.find_modules_directly_imported_by)
    assert not cycles, "import cycles:\n" + "\n\n".join(_describe(graph, g) for g in cycles)


def _bench_imports(path: Path, local: set[str]) -> set[str]:
    """The other bench modules ``path`` imports (anywhere in the file)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return (found & local) - {path.stem}


def _is_script(path: Path) -> bool:
    return "__main__" in path.read_text(encoding="utf-8")


def test_bench_scripts_share_helpers_not_each_other():
    """Bench scripts import helper modules (``eval_*.py``), never another script."""
    files = {p.stem: p for p in BENCH.glob("*.py")}
    imports = {name: _bench_imports(path, set(files)) for name, path in files.items()}
    assert any(imports.values())  # the scan sees the helper imports that do exist
    script_imports = sorted(
        f"{name} imports the script {other}"
        for name, others in imports.items()
        for other in others
        if _is_script(files[other])
    )
    assert not script_imports, "\n".join(script_imports)
    assert not strongly_connected(imports, lambda n: imports[n])


def test_auth_is_a_base_layer():
    """``mercwatch.auth`` (keys, request guard, server settings) imports no mercwatch layer.

    The API, the dashboard and the TAXII server all import it and the API mounts the
    other two: an import from auth back into any of them would rebuild the old cycle.
    """
    graph = grimp.build_graph("mercwatch", exclude_type_checking_imports=True, cache_dir=None)
    auth = graph.find_descendants("mercwatch.auth") | {"mercwatch.auth"}
    assert len(auth) > 5
    upward = sorted(
        f"{module} -> {imported}"
        for module in auth
        for imported in graph.find_modules_directly_imported_by(module)
        if imported not in auth and imported not in LEAVES
    )
    assert not upward, "\n".join(upward)
    for leaf in LEAVES:
        assert not any(
            m.startswith("mercwatch") for m in graph.find_modules_directly_imported_by(leaf)
        )
