"""Named points between the steps of ``mercwatch run``, for crash tests and progress.

The pipeline calls :func:`reached` at every stage boundary and at every step of
publishing. Nothing listens by default; the crash tests register a hook that kills
the process with SIGKILL at one named point, then check that the previous outputs
are whole and that a rerun gives the same outputs with nothing duplicated in the
state store. Keeping the seam here (not an environment variable read by the
library) means production runs cannot be made to crash by their environment.
"""

from __future__ import annotations

from collections.abc import Callable

_hooks: list[Callable[[str], None]] = []


def add_hook(hook: Callable[[str], None]) -> None:
    """Call ``hook(name)`` at every checkpoint from now on."""
    _hooks.append(hook)


def remove_hook(hook: Callable[[str], None]) -> None:
    """Stop calling ``hook``."""
    _hooks.remove(hook)


def reached(name: str) -> None:
    """Announce that the run reached checkpoint ``name`` (e.g. ``stage:detect``)."""
    for hook in list(_hooks):
        hook(name)
