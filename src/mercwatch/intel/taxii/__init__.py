"""TAXII 2.1: a server over a durable collection store, and a client that pulls peers.

store.CollectionStore   collections as JSON files, atomic writes, versions per object
query                   TAXII filters (added_after, match[...]) and cursor pagination
server.create_taxii_app the FastAPI app (mount it at /taxii2); needs the server extra
client.pull_collection  a peer's collection, all pages, into a STIX bundle file
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from mercwatch.intel.taxii.client import PullResult, pull_collection
from mercwatch.intel.taxii.store import (
    AddOutcome,
    CollectionInfo,
    CollectionNotFound,
    CollectionStore,
    StoredVersion,
)

__all__ = [
    "TAXII_MEDIA_TYPE",
    "AddOutcome",
    "CollectionInfo",
    "CollectionNotFound",
    "CollectionStore",
    "PullResult",
    "StoredVersion",
    "create_taxii_app",
    "pull_collection",
]


def __getattr__(name: str) -> Any:
    # The server needs FastAPI (the ``server`` extra); import it only when asked for.
    if name in ("TAXII_MEDIA_TYPE", "create_taxii_app"):
        return getattr(import_module("mercwatch.intel.taxii.server"), name)
    raise AttributeError(f"module 'mercwatch.intel.taxii' has no attribute {name!r}")
