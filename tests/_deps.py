"""What pyproject.toml declares, and the installed distributions those declarations pull in.

Shared by the licence, import and lock-file tests. The declarations are read from the
checkout's pyproject.toml, not from the installed ``mercwatch`` metadata: an editable
install's metadata is written when it is installed and goes stale when pyproject.toml
changes (a shared environment, a branch switch), while the checkout is what is being
tested. After ``pip install -e .`` both say the same.
"""

from __future__ import annotations

import importlib.metadata as metadata
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PROJECT = canonicalize_name("mercwatch")


def project() -> dict:
    """The ``[project]`` table of pyproject.toml."""
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)["project"]


def runtime_requirements() -> list[Requirement]:
    """The base install's requirements (no extras)."""
    return [Requirement(text) for text in project()["dependencies"]]


def extra_requirements() -> dict[str, list[Requirement]]:
    """Each extra's own requirements, as written (``mercwatch[...]`` self-references kept)."""
    extras = project().get("optional-dependencies", {})
    return {name: [Requirement(text) for text in reqs] for name, reqs in extras.items()}


def expand_extras(names: list[str]) -> list[Requirement]:
    """The requirements of the base install plus ``names`` extras, self-references
    (``mercwatch[a,b]`` inside an extra) followed; each requirement once."""
    declared = extra_requirements()
    found = runtime_requirements()
    todo, done = list(names), set()
    while todo:
        extra = todo.pop()
        if extra in done:
            continue
        done.add(extra)
        for req in declared[extra]:
            if canonicalize_name(req.name) == PROJECT:
                todo.extend(sorted(req.extras))
            else:
                found.append(req)
    return found


def applies(req: Requirement, extras: frozenset[str] = frozenset()) -> bool:
    """Whether ``req`` is needed on this platform, for a parent installed with ``extras``."""
    if req.marker is None:
        return True
    environment = {str(key): str(value) for key, value in default_environment().items()}
    return any(req.marker.evaluate({**environment, "extra": e}) for e in sorted(extras) or [""])


@dataclass
class Closure:
    """Installed distributions reached from some requirements, by normalised name."""

    found: dict[NormalizedName, metadata.Distribution] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    via: dict[NormalizedName, str] = field(default_factory=dict)


def closure(roots: list[Requirement]) -> Closure:
    """Every installed distribution ``roots`` need, recursively, markers and extras evaluated.

    A requirement that is not installed is listed in ``missing``: its licence cannot be
    read, so callers treat it as a failure rather than skip it.
    """
    result = Closure()
    todo = [(req, "pyproject.toml") for req in roots if applies(req)]
    seen: set[tuple[NormalizedName, frozenset[str]]] = set()
    while todo:
        req, parent = todo.pop()
        name, extras = canonicalize_name(req.name), frozenset(req.extras)
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        try:
            dist = metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            result.missing.append(f"{req} (required by {parent})")
            continue
        result.found.setdefault(name, dist)
        result.via.setdefault(name, parent)
        for text in dist.requires or []:
            child = Requirement(text)
            if applies(child, extras):
                todo.append((child, name))
    return result
