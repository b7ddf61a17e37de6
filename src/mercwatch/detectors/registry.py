"""Which detectors exist: the built-ins, listed explicitly, and third-party ones.

Third-party detectors register under the entry-point group ``mercwatch.detectors``
(``name = "package.module:DetectorClass"``). Duplicate ids are an error.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from mercwatch.detectors.base import Detector
from mercwatch.errors import ConfigError

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
    """Filter by id; unknown ids are a ConfigError so typos do not pass silently."""
    known = {d.id for d in detectors}
    for ids in (only or set(), skip or set()):
        unknown = ids - known
        if unknown:
            raise ConfigError(f"unknown detector id(s): {', '.join(sorted(unknown))}")
    return [d for d in detectors if (not only or d.id in only) and d.id not in (skip or set())]
