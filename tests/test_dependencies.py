"""pyproject.toml declares what the code imports, once each, and the lock files cover it.

An import that works only because another package happens to pull its module in
(``requests`` via taxii2-client, ``starlette`` via FastAPI) breaks the day that
package drops it; a requirement written twice drifts apart; a lock file that misses
a declared requirement installs an environment the tests never saw.
"""

from __future__ import annotations

import ast
import importlib.metadata as metadata
import re
import sys
from collections import Counter

import pytest
from _deps import PROJECT, ROOT, expand_extras, extra_requirements, runtime_requirements
from packaging.utils import NormalizedName, canonicalize_name

SRC = ROOT / "src" / "mercwatch"
# Extras the code may import from (behind the feature that needs them); ``dev`` is for
# tests and tooling, never for src.
TEST_ONLY_EXTRAS = {"dev"}
# lock file -> the extras it installs (the base install always).
LOCKS = {"requirements/runtime.lock": [], "requirements/dev.lock": ["dev"]}
# Import name -> distribution, for extras' packages that a test environment need not
# have installed (``train`` is not part of ``dev``); installed ones are looked up.
NOT_INSTALLED_PROVIDERS = {"sklearn": "scikit-learn"}


def imported_top_modules() -> dict[str, set[str]]:
    """Absolute top-level module names imported anywhere in src/mercwatch -> files."""
    found: dict[str, set[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(ROOT)))
    return found


def third_party(modules: dict[str, set[str]]) -> dict[str, set[str]]:
    return {
        m: files
        for m, files in modules.items()
        if m not in sys.stdlib_module_names and m != "mercwatch" and m != "__future__"
    }


def allowed_for_src() -> set[NormalizedName]:
    """Normalised names src may import from: runtime requirements and non-test extras."""
    names = {canonicalize_name(r.name) for r in runtime_requirements()}
    for extra, reqs in extra_requirements().items():
        if extra not in TEST_ONLY_EXTRAS:
            names |= {canonicalize_name(r.name) for r in reqs}
    return names - {PROJECT}


def test_every_third_party_import_in_src_is_declared():
    providers = metadata.packages_distributions()
    allowed = allowed_for_src()
    undeclared = []
    for module, files in sorted(third_party(imported_top_modules()).items()):
        known = providers.get(module) or [NOT_INSTALLED_PROVIDERS.get(module, module)]
        dists = {canonicalize_name(d) for d in known}
        if not dists & allowed:
            undeclared.append(f"{module} (from {sorted(dists)}): imported by {sorted(files)}")
    assert not undeclared, "imported but not declared in pyproject.toml:\n" + "\n".join(undeclared)


def test_the_import_walk_sees_the_code():
    modules = third_party(imported_top_modules())
    # A few the code is known to import; an empty walk would pass the test above.
    assert {"ibis", "numpy", "pyarrow", "typer", "graspologic_native", "scipy"} <= set(modules)
    assert "igraph" not in modules  # GPL-2.0+: see tests/test_licences.py


@pytest.mark.parametrize("extra", [None, *sorted(extra_requirements())])
def test_no_requirement_is_declared_twice(extra):
    reqs = runtime_requirements() if extra is None else extra_requirements()[extra]
    counts = Counter(canonicalize_name(r.name) for r in reqs)
    assert not [name for name, n in counts.items() if n > 1]
    if extra is not None:
        base = {canonicalize_name(r.name) for r in runtime_requirements()}
        assert not base & set(counts), f"[{extra}] repeats base requirements"


def _locked_names(text: str) -> set[NormalizedName]:
    names: set[NormalizedName] = set()
    for line in text.splitlines():
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*==", line)
        if match:
            names.add(canonicalize_name(match.group(1)))
    return names


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_lock_file_pins_every_declared_requirement(lock):
    path = ROOT / lock
    assert path.is_file(), f"{lock} is missing: see docs/development.md to regenerate it"
    locked = _locked_names(path.read_text(encoding="utf-8"))
    declared = {
        canonicalize_name(r.name)
        for r in expand_extras(LOCKS[lock])
        if r.marker is None or r.marker.evaluate()
    }
    missing = sorted(declared - locked)
    assert not missing, f"{lock} lacks {missing}: refresh it (docs/development.md)"
