"""Write ``data/compiled_checks.json`` (see :mod:`mercwatch.ingest.compiled_checks`).

python -m mercwatch.ingest.write_compiled_checks
"""

from __future__ import annotations

import json
from typing import Any

from mercwatch.ingest.compiled_checks import DATA, fingerprint
from mercwatch.ingest.contract import TABLES
from mercwatch.ingest.limits import IngestLimits
from mercwatch.ingest.validate import compile_checks, stand_in_limits


def compile_all() -> dict[str, Any]:
    """The file's content, compiled now for the default limits."""
    limits = stand_in_limits(IngestLimits())
    tables = {}
    for name, spec in TABLES.items():
        stage = f"_mw_stage_{name}"
        tables[name] = {"stage": stage, "sql": compile_checks(spec, stage, limits)}
    return {
        "fingerprint": fingerprint(),
        "max_field_chars": limits.max_field_chars,
        "tables": tables,
    }


def main() -> None:
    DATA.parent.mkdir(exist_ok=True)
    DATA.write_text(json.dumps(compile_all(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {DATA.name}")


if __name__ == "__main__":
    main()
