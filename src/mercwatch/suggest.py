"""Refusing an unknown name with the names that are valid, the closest first.

A detector id or tunable typed wrong (``--param recon.targeted_watching.min_scroe=0.99``)
used to be ignored: the run went on with the default and the operator believed the
override was in force. Every option that takes a name from a fixed set refuses an
unknown one through :func:`unknown_name`, a :class:`~mercwatch.errors.ConfigError`
(exit 2) whose message lists the valid names ranked by similarity, so the intended
one is first.
"""

from __future__ import annotations

from collections.abc import Iterable
from difflib import SequenceMatcher

from mercwatch.errors import ConfigError


def closest_first(name: str, valid: Iterable[str]) -> list[str]:
    """``valid`` sorted by similarity to ``name`` (difflib ratio), ties alphabetically."""
    return sorted(set(valid), key=lambda v: (-SequenceMatcher(None, name, v).ratio(), v))


def unknown_name(what: str, name: str, valid: Iterable[str]) -> ConfigError:
    """The error for an unknown ``name`` of kind ``what``, listing the valid ones."""
    ordered = closest_first(name, valid)
    listed = ", ".join(ordered) if ordered else "(none)"
    return ConfigError(f"unknown {what} {name!r}; valid, closest first: {listed}")
