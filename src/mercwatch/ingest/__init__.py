"""Ingest: read a platform export, validate it against SCHEMA.md, load the engine.

Rows that break the contract are kept, with where they were and why, in the rejects
output; exact duplicate ``event_id``s are a no-op.
"""

from mercwatch.ingest.contract import TABLES, EventType, TableSpec
from mercwatch.ingest.loader import IngestReport, TableReport, ingest_export

__all__ = ["TABLES", "EventType", "IngestReport", "TableReport", "TableSpec", "ingest_export"]
