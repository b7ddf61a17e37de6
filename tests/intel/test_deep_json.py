"""Deeply nested JSON: a clear error from ``intel import``, and a depth check that is exact.

100,000 nested arrays used to raise ``RecursionError`` out of ``json.loads`` and print a
traceback; :mod:`mercwatch.intel.safe_json` measures depth without recursing first.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mercwatch.cli import app
from mercwatch.errors import IntelFormatError
from mercwatch.intel import safe_json
from mercwatch.intel.feeds import load_feed

DEEP = {
    "array": "[" * 100_000 + "]" * 100_000,
    "bundle": '{"type": "bundle", "id": "bundle--1", "objects": [{"x": '
    + "[" * 5_000
    + "]" * 5_000
    + "}]}",
}


@pytest.mark.parametrize("shape", DEEP)
@pytest.mark.parametrize("forced", [None, "stix2"])
def test_intel_import_of_deep_json_is_one_line_and_exit_2(
    tmp_path: Path, shape: str, forced: str | None
) -> None:
    feed = tmp_path / f"{shape}.json"
    feed.write_text(DEEP[shape], encoding="utf-8")
    args = ["intel", "import", str(feed), *(["--format", forced] if forced else [])]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "nested deeper than 64" in result.output and feed.name in result.output
    assert "Traceback" not in result.output and not isinstance(result.exception, RecursionError)
    with pytest.raises(IntelFormatError, match="nested deeper"):
        load_feed(feed)


def _depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


_TEXT = st.text(alphabet=st.sampled_from('[]{}"\\ax,:'), max_size=6)
_VALUES = st.recursive(
    st.none() | st.integers() | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(value=_VALUES, limit=st.integers(min_value=0, max_value=8), ascii_only=st.booleans())
def test_depth_check_matches_the_real_depth(value: Any, limit: int, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    assert safe_json.depth_exceeds(text, limit) is (_depth(value) > limit)
    assert safe_json.depth_exceeds(text.encode(), limit) is (_depth(value) > limit)
    if _depth(value) <= limit:
        assert safe_json.loads(text, limit) == value
    else:
        with pytest.raises(safe_json.JsonTooDeep):
            safe_json.loads(text, limit)
