"""TAXII 2.1: a server over a durable collection store, and a client that pulls peers.

    store.CollectionStore   collections as JSON files, atomic writes, versions per object
    query                   TAXII filters (added_after, match[...]) and cursor pagination
    server.create_taxii_app the FastAPI app (mount it at /taxii2)
    client.pull_collection  a peer's collection, all pages, into a STIX bundle file
"""

from mercwatch.intel.taxii.client import PullResult, pull_collection
from mercwatch.intel.taxii.server import TAXII_MEDIA_TYPE, create_taxii_app
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
