"""Reading a detector's output table in tests."""

from __future__ import annotations

from typing import Any


def flagged(table: Any, min_score: float = 0.0) -> dict[tuple[str, str], tuple[float, str]]:
    """``{(subject_type, subject): (score, detail)}`` of a detector's output."""
    rows = table.to_pyarrow().to_pylist()
    return {
        (r["subject_type"], r["subject"]): (r["score"], r["detail"])
        for r in rows
        if r["score"] > min_score
    }
