"""The contract checks' DuckDB SQL for the default limits, compiled once and shipped.

Compiling the Ibis check expression (``checks.with_checks``) to SQL took ~0.7 CPU s
per ingest process, a fifth of a 1M-row Parquet ingest. The SQL only changes when the
checks, the contract or the compiler change, so it is compiled ahead of time into
``data/compiled_checks.json``, stamped with a fingerprint of those sources and the
Ibis / sqlglot versions. At run time the shipped text is used only when the
fingerprint still matches (else the checks are compiled as before: slower, never
stale); a test fails when the shipped file is out of date.

Write it again after changing the checks or the contract::

    python -m mercwatch.ingest.write_compiled_checks
"""

from __future__ import annotations

import functools
import hashlib
import json
from importlib import metadata
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data" / "compiled_checks.json"
#: Sources whose text decides the compiled SQL (relative to the ``mercwatch`` package).
SOURCES = ("ingest/checks.py", "ingest/contract.py", "ingest/validate.py", "model/phash.py")
_PACKAGE = Path(__file__).parents[1]


def fingerprint() -> str:
    """Hash of the sources the SQL is compiled from and of the compiler's versions."""
    digest = hashlib.sha256()
    for name in SOURCES:
        digest.update(name.encode() + b"\0" + (_PACKAGE / name).read_bytes() + b"\0")
    for dist in ("ibis-framework", "sqlglot"):
        digest.update(f"{dist}={metadata.version(dist)}".encode() + b"\0")
    return digest.hexdigest()


@functools.cache
def _shipped() -> dict[str, Any]:
    try:
        data = json.loads(DATA.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if data.get("fingerprint") == fingerprint() else {}


def shipped_sql(table: str, stage: str, max_field_chars: int) -> str | None:
    """The shipped SQL of ``table``'s checks, or ``None`` when there is none for this
    staging table name and field limit, or the file is stale."""
    data = _shipped()
    if not data or data.get("max_field_chars") != max_field_chars:
        return None
    entry = data.get("tables", {}).get(table)
    if not entry or entry.get("stage") != stage:
        return None
    return str(entry["sql"])
