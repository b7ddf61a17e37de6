"""Which detectors exist: the built-ins, listed explicitly, and third-party ones.

Third-party detectors register under the entry-point group ``mercwatch.detectors``
(``name = "package.module:DetectorClass"``). Duplicate ids are an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import entry_points
from typing import Any

from mercwatch.detectors.base import Detector
from mercwatch.errors import ConfigError
from mercwatch.suggest import unknown_name

ENTRY_POINT_GROUP = "mercwatch.detectors"


def builtin_detectors() -> list[type[Detector]]:
    """The detectors shipped with mercwatch, in the order they run."""
    from mercwatch.detectors import builtins

    return list(builtins.BUILTIN_DETECTORS)


def plugin_detectors() -> list[type[Detector]]:
    """Detectors installed by other packages through the entry-point group."""
    found = []
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            cls = ep.load()
        except Exception as exc:  # a broken plugin must not hide the others
            raise ConfigError(
                f"detector plugin {ep.name!r} ({ep.value}) cannot be loaded: {exc}"
            ) from exc
        if not (isinstance(cls, type) and issubclass(cls, Detector)):
            raise ConfigError(f"detector plugin {ep.name!r} is not a Detector subclass")
        found.append(cls)
    return found


def all_detectors(include_plugins: bool = True) -> list[type[Detector]]:
    """Built-ins then plugins; raises ConfigError on a duplicate id."""
    detectors = builtin_detectors() + (plugin_detectors() if include_plugins else [])
    seen: dict[str, type[Detector]] = {}
    for cls in detectors:
        if cls.id in seen:
            raise ConfigError(
                f"detector id {cls.id!r} is declared by both {seen[cls.id].__name__} "
                f"and {cls.__name__}"
            )
        seen[cls.id] = cls
    return detectors


def select(
    detectors: list[type[Detector]], only: set[str] | None = None, skip: set[str] | None = None
) -> list[type[Detector]]:
    """Filter by id; an unknown id is a ConfigError listing the valid ones (no silent typo)."""
    known = [d.id for d in detectors]
    for ids in (only or set(), skip or set()):
        for unknown in sorted(set(ids) - set(known)):
            raise unknown_name("detector id", unknown, known)
    return [d for d in detectors if (not only or d.id in only) and d.id not in (skip or set())]


def check_params(detectors: list[type[Detector]], params: Mapping[str, Mapping[str, Any]]) -> None:
    """Refuse an override that names no detector, or no tunable of its detector.

    A detector reads only the names in its ``defaults``, so any other key would be
    dropped without a word while the operator believes it is in force.

    Raises:
        ConfigError: the first unknown ``DETECTOR_ID.NAME``, with the valid keys
            (that detector's when its id is right, else every detector's), closest first.
    """
    by_id = {d.id: d for d in detectors}
    every = [f"{d.id}.{name}" for d in detectors for name in d.defaults]
    for detector_id, values in sorted(params.items()):
        cls = by_id.get(detector_id)
        for name in sorted(values):
            if cls is None or name not in cls.defaults:
                own = [f"{detector_id}.{n}" for n in cls.defaults] if cls else []
                raise unknown_name("detector parameter", f"{detector_id}.{name}", own or every)
