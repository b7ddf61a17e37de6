"""TAXII filter semantics and cursor pagination, without HTTP."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mercwatch.intel.taxii.query import (
    BadFilter,
    ObjectFilter,
    decode_cursor,
    encode_cursor,
    paginate,
    parse_limit,
    select,
)
from mercwatch.intel.taxii.store import StoredVersion

T0 = datetime(2021, 12, 16, 10, 0)
ALL = ("id", "type", "version", "spec_version")


def row(
    seq: int, oid: str, version_h: int, spec: str = "2.1", kind: str = "indicator"
) -> StoredVersion:
    return StoredVersion(
        seq,
        T0 + timedelta(minutes=seq),
        T0 + timedelta(hours=version_h),
        spec,
        {"type": kind, "id": f"{kind}--{oid}"},
    )


ROWS = (
    row(1, "a", 0),
    row(2, "a", 2),
    row(3, "a", 1),  # a: three versions, out of order
    row(4, "b", 0, kind="malware"),
    row(5, "c", 0, spec="2.0"),
    row(6, "c", 5, spec="2.1"),  # c: exists in two specs
)


def ids(rows: list[StoredVersion]) -> list[int]:
    return [r.seq for r in rows]


def flt(**params: str) -> ObjectFilter:
    return ObjectFilter.from_params(params, allow=ALL)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, [2, 4, 6]),  # last version, latest spec
        ({"match[version]": "first"}, [1, 4, 6]),
        ({"match[version]": "all"}, [1, 2, 3, 4, 6]),
        ({"match[version]": "first,last"}, [1, 2, 4, 6]),
        ({"match[version]": "2021-12-16T11:00:00Z"}, [3]),  # exact version
        ({"match[spec_version]": "2.0"}, [5]),
        ({"match[spec_version]": "2.0,2.1", "match[version]": "all"}, [1, 2, 3, 4, 5, 6]),
        ({"match[type]": "malware"}, [4]),
        ({"match[id]": "indicator--a,indicator--c"}, [2, 6]),
        ({"added_after": "2021-12-16T10:02:00Z", "match[version]": "all"}, [3, 4, 6]),
        ({"added_after": "2021-12-16T10:02:30Z"}, [4, 6]),  # a's last (seq 2) added earlier
    ],
)
def test_filters(params: dict[str, str], expected: list[int]) -> None:
    assert ids(select(ROWS, flt(**params))) == expected


@pytest.mark.parametrize(
    "params",
    [
        {"added_after": "yesterday"},
        {"match[version]": "latest"},
        {"match[foo]": "x"},
    ],
)
def test_bad_filters_are_rejected(params: dict[str, str]) -> None:
    with pytest.raises(BadFilter):
        flt(**params)


def test_endpoint_specific_filters() -> None:
    with pytest.raises(BadFilter, match=r"match\[type\]"):
        ObjectFilter.from_params({"match[type]": "x"}, allow=("version", "spec_version"))


@pytest.mark.parametrize(("raw", "expected"), [(None, 50), ("10", 10), ("999", 50)])
def test_limit(raw: str | None, expected: int) -> None:
    assert parse_limit(raw, 50) == expected


@pytest.mark.parametrize("raw", ["0", "-1", "ten"])
def test_bad_limit(raw: str) -> None:
    with pytest.raises(BadFilter):
        parse_limit(raw, 50)


@pytest.mark.parametrize("token", ["", "garbage!", encode_cursor(3)[:-2] + "@@", "bXcyOjE"])
def test_foreign_cursors_are_rejected(token: str) -> None:
    if token == "":
        assert paginate(ROWS, 2, token).rows == ROWS[:2]
        return
    with pytest.raises(BadFilter):
        decode_cursor(token)


@given(
    seqs=st.lists(st.integers(1, 10_000), unique=True, max_size=60).map(sorted),
    limit=st.integers(1, 25),
)
def test_pages_cover_everything_once_in_order(seqs: list[int], limit: int) -> None:
    rows = [row(s, str(s), 0) for s in seqs]
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        page = paginate(rows, limit, cursor)
        pages += 1
        seen.extend(ids(list(page.rows)))
        assert len(page.rows) <= limit
        if not page.more:
            assert page.next is None
            break
        cursor = page.next
    assert seen == seqs
    assert pages == max(1, -(-len(seqs) // limit))


@given(st.integers(0, 2**62))
def test_cursor_round_trip(seq: int) -> None:
    assert decode_cursor(encode_cursor(seq)) == seq


def test_a_cursor_stays_valid_while_objects_are_added() -> None:
    page = paginate(ROWS[:4], 2, None)
    grown = (*ROWS, row(7, "d", 0))
    rest = paginate(grown, 10, page.next)
    assert ids(list(rest.rows)) == [3, 4, 5, 6, 7]
    assert (page.date_added_first, page.date_added_last) == (ROWS[0].date_added, ROWS[1].date_added)
