"""The detector contract: class data that declares it, one method that computes it.

A detector is one file. It declares a stable ``id`` (persisted in outputs: never
rename it), a ``version``, its kill-chain ``phase``, the tables it ``reads`` and a
one-line ``description``, and implements :meth:`Detector.detect` as a set-based Ibis
expression returning a table with the columns of :data:`SIGNAL_COLUMNS` minus the
ones the framework adds (``detector``, ``phase``). The same expression runs on
DuckDB and on Spark; Python per item is only for small distinct sets.
"""

from __future__ import annotations

import functools
import inspect
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Concatenate, ParamSpec

import ibis.expr.types as ir
from ibis.backends import BaseBackend

from mercwatch.model import AT_RISK_TAGS, Phase
from mercwatch.store.exprs import trim

# The signals table every detector contributes to (docs/architecture.md).
SIGNAL_COLUMNS = ("detector", "phase", "subject_type", "subject", "score", "detail")
DETECTOR_OUTPUT = {
    "subject_type": "string",
    "subject": "string",
    "score": "float64",
    "detail": "string",
}


def at_risk_tags(tags: ir.ArrayValue) -> ir.ArrayValue:
    """The at-risk entries of an account's ``tags``, normalised.

    Platforms write tags their own way (``Journalist``, ``human-rights defender``);
    case, surrounding space and ``-``/`` `` for ``_`` are not meaning, so they are
    folded before matching :data:`AT_RISK_TAGS`.
    """
    folded = tags.map(lambda t: trim(t).lower().replace("-", "_").replace(" ", "_"))
    return folded.filter(lambda t: t.isin(AT_RISK_TAGS))


@dataclass
class DetectionContext:
    """What a detector may read, plus shared derived tables computed once per run.

    Attributes:
        con: the analytics backend holding ``accounts``, ``friendships``, ``events``.
        params: per-detector overrides, ``{detector_id: {name: value}}``.
        known_bad: normalised domains/URLs/IPs from imported intel feeds.
    """

    con: BaseBackend
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    known_bad: frozenset[str] = frozenset()
    _cache: dict[str, ir.Table] = field(default_factory=dict, repr=False)

    def table(self, name: str) -> ir.Table:
        """An input table, e.g. ``ctx.table("events")``."""
        return self.con.table(name)

    def shared(self, name: str, build: Callable[[DetectionContext], ir.Table]) -> ir.Table:
        """A derived table several detectors need, materialised once per run.

        Args:
            name: engine table name, unique for this derived table.
            build: computes it from this context.
        """
        if name not in self._cache:
            self._cache[name] = self.con.create_table(f"_mw_{name}", build(self), overwrite=True)
        return self._cache[name]

    def param(self, detector_id: str, name: str, default: Any) -> Any:
        """A tunable of one detector, from the run config or the detector's default."""
        return self.params.get(detector_id, {}).get(name, default)


P = ParamSpec("P")
TableBuilder = Callable[Concatenate[DetectionContext, P], ir.Table]


def shared_table(name: str) -> Callable[[TableBuilder[P]], TableBuilder[P]]:
    """Make ``build(ctx, ...)`` a derived table materialised once per run via ``ctx.shared``.

    Why: every shared table used to be two functions, a builder and a wrapper that only
    called ``ctx.shared(name, builder)`` (about twenty such pairs). The decorated
    function is called like the builder and returns the cached table. Extra arguments
    (a threshold, a distance) are part of the cache name, so two callers asking with
    different values never get each other's table::

        @shared_table("eng_photo_groups")
        def photo_groups(ctx: DetectionContext, max_distance: int = 6) -> ir.Table: ...

    Args:
        name: engine table name (unique per derived table); argument values are appended.
    """

    def decorate(build: TableBuilder[P]) -> TableBuilder[P]:
        signature = inspect.signature(build)

        @functools.wraps(build)
        def cached(ctx: DetectionContext, *args: P.args, **kwargs: P.kwargs) -> ir.Table:
            bound = signature.bind(ctx, *args, **kwargs)
            bound.apply_defaults()
            values = list(bound.arguments.values())[1:]
            key = "_".join([name, *(re.sub(r"\W", "_", str(v)) for v in values)])
            return ctx.shared(key, lambda c: build(c, *args, **kwargs))

        return cached

    return decorate


class Detector(ABC):
    """Base of every detector; subclasses are mostly class data plus ``detect``."""

    id: ClassVar[str]
    version: ClassVar[int] = 1
    phase: ClassVar[Phase]
    reads: ClassVar[tuple[str, ...]] = ("events",)
    description: ClassVar[str]
    # Tunables with their defaults; the run config may override them by name.
    defaults: ClassVar[Mapping[str, Any]] = {}

    def p(self, ctx: DetectionContext, name: str) -> Any:
        """This detector's tunable ``name`` (config override or class default)."""
        return ctx.param(self.id, name, self.defaults[name])

    @abstractmethod
    def detect(self, ctx: DetectionContext) -> ir.Table:
        """Return a table of ``subject_type``, ``subject``, ``score`` (0..1), ``detail``."""
