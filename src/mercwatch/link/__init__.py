"""The link stage: detector signals + engine tables + imported intel -> Operations.

Builds the graph of candidate accounts and the infrastructure they share, cuts it
into operations (connected components, then Leiden: :mod:`mercwatch.graphs`), and
describes each operation: targets with the furthest phase reached, infrastructure,
confidence, evidence and attribution. See :func:`build_operations`.
"""

from mercwatch.link.build import build_operations, operation_id
from mercwatch.link.config import LinkConfig
from mercwatch.link.intel import IntelIndex, MappingIntelIndex, normalize_indicator

__all__ = [
    "IntelIndex",
    "LinkConfig",
    "MappingIntelIndex",
    "build_operations",
    "normalize_indicator",
    "operation_id",
]
