"""The shipped, pre-compiled check SQL is the SQL the checks compile to now."""

from __future__ import annotations

import json

from mercwatch.ingest import compiled_checks
from mercwatch.ingest.contract import TABLES
from mercwatch.ingest.limits import IngestLimits
from mercwatch.ingest.validate import checked_sql, compile_checks, stand_in_limits
from mercwatch.ingest.write_compiled_checks import compile_all


def test_the_shipped_file_is_up_to_date():
    shipped = json.loads(compiled_checks.DATA.read_text(encoding="utf-8"))
    assert shipped == compile_all(), (
        "the contract checks changed: run `python -m mercwatch.ingest.write_compiled_checks`"
    )


def test_ingest_uses_the_shipped_sql_and_it_equals_a_fresh_compile():
    limits = IngestLimits()
    for name, spec in TABLES.items():
        stage = f"_mw_stage_{name}"
        shipped = compiled_checks.shipped_sql(name, stage, limits.max_field_chars)
        assert shipped == compile_checks(spec, stage, stand_in_limits(limits))
        assert checked_sql(spec, stage, limits).startswith(shipped[:200])


def test_other_limits_or_a_stale_file_fall_back_to_compiling(monkeypatch):
    assert compiled_checks.shipped_sql("events", "_mw_stage_events", 17) is None
    assert compiled_checks.shipped_sql("events", "other_stage", 65_536) is None
    monkeypatch.setattr(compiled_checks, "fingerprint", lambda: "changed")
    compiled_checks._shipped.cache_clear()
    try:
        assert compiled_checks.shipped_sql("events", "_mw_stage_events", 65_536) is None
        sql = checked_sql(TABLES["events"], "_mw_stage_x", IngestLimits(max_field_chars=99))
        assert "> 99" in sql
    finally:
        compiled_checks._shipped.cache_clear()
