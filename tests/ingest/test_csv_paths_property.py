"""Property test: the fast CSV path (Arrow's parser after a NumPy pre-scan) stages
exactly what the careful path (Python's ``csv`` module, record by record) stages.

The fast path is taken only when every record is one line; any file (quotes in odd
places, quoted line breaks, empty or blank lines, rows of the wrong width, a BOM) must
give the same rows, the same line numbers and the same problems either way.
"""

from __future__ import annotations

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mercwatch.errors import InputError
from mercwatch.ingest.contract import TABLES
from mercwatch.ingest.limits import IngestLimits
from mercwatch.ingest.lines import ByteBudget
from mercwatch.ingest.readers import _stage_csv, _stage_csv_rows, stage_table_sql

PIECES = st.sampled_from(
    ["a", "é", ",", '"', '""', " ", "\n", "\t", "x;y", "\u3000", "2021-01-01T00:00:00Z", "e1"]
)
LINES = st.lists(st.lists(PIECES, max_size=8).map("".join), max_size=8)
HEADERS = st.sampled_from(["event_id,ts,type", "event_id,text", "text", "event_id,ts,type,text"])


def _staged(path, stage_with) -> list[tuple] | str:
    """The staged rows, or the error that stopped the file."""
    raw = duckdb.connect()
    spec = TABLES["events"]
    raw.execute(stage_table_sql(spec, "st"))
    limits = IngestLimits(max_line_bytes=64)
    try:
        stage_with(raw, spec, path, "events.csv", "st", limits, ByteBudget(1 << 30))
    except InputError as exc:
        return str(exc)
    finally:
        rows = raw.execute("SELECT * FROM st ORDER BY _row").fetchall()
        raw.close()
    return rows


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(header=HEADERS, lines=LINES, bom=st.booleans(), final_newline=st.booleans())
def test_fast_csv_path_stages_what_the_careful_path_stages(
    tmp_path_factory, header, lines, bom, final_newline
):
    text = "\n".join([header, *lines]) + ("\n" if final_newline else "")
    path = tmp_path_factory.mktemp("csv") / "events.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    assert _staged(path, _stage_csv) == _staged(path, _stage_csv_rows)
