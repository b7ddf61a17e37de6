"""Vectorised column builders: ids, addresses, hashes, timestamps and text as Arrow arrays.

The bulk traffic is millions of rows, so every string column is built from integer
arrays with numpy and Arrow compute kernels — never a Python loop per row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import TypedDict

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mercwatch.ingest.contract import arrow_schema
from mercwatch.sim.config import DAY_S

EVENT_TYPES = (
    "login",
    "view_profile",
    "search",
    "friend_request",
    "friend_accept",
    "message",
    "post",
    "share_link",
    "report",
    "block",
)

#: User agents are few and long: dictionary-encoded until written, so sorting is cheap.
UA_TYPE = pa.dictionary(pa.int32(), pa.string())

#: Events while generating: accounts are population indices, ``ts`` epoch seconds.
RAW_EVENT_SCHEMA = pa.schema(
    [
        ("ts", pa.int64()),
        ("type", pa.string()),
        ("actor", pa.int64()),
        ("target", pa.int64()),
        ("ip", pa.string()),
        ("asn", pa.int64()),
        ("device_id", pa.string()),
        ("user_agent", UA_TYPE),
        ("text", pa.string()),
        ("url", pa.string()),
    ]
)

#: Events as exported (SCHEMA.md ``events``; timestamps kept as RFC 3339 text).
EVENT_SCHEMA = arrow_schema("events", timestamp=pa.string())

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_B62 = np.frombuffer(b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", np.uint8)


def mix64(values: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser: a bijection on uint64 that makes sequential codes look random."""
    z = values.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _fixed_width(chars: np.ndarray) -> pa.Array:
    """An (n, width) uint8 matrix of ASCII codes as a string array."""
    n, width = chars.shape
    blob = np.ascontiguousarray(chars).tobytes()
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(blob))


def hex16(values: np.ndarray) -> pa.Array:
    """uint64 values as 16 lowercase hex digits (the SCHEMA.md photo-hash form)."""
    v = values.astype(np.uint64)
    shifts = np.arange(60, -4, -4, dtype=np.uint64)
    nibbles = (v[:, None] >> shifts[None, :]) & np.uint64(15)
    return _fixed_width(_HEX[nibbles.astype(np.intp)])


def tokens(rng: np.random.Generator, n: int, width: int) -> pa.Array:
    """``n`` random base62 tokens, like the paths of a URL shortener."""
    return _fixed_width(_B62[rng.integers(0, 62, size=(n, width))])


def ipv4(addresses: np.ndarray) -> pa.Array:
    """uint32 addresses as dotted quads; 0 means absent (null)."""
    a = addresses.astype(np.uint32)
    parts = [
        pc.cast(pa.array(((a >> s) & 255).astype(np.uint8)), pa.string()) for s in (24, 16, 8, 0)
    ]
    out = pc.binary_join_element_wise(*parts, ".")
    return pc.if_else(pa.array(a == 0), pa.scalar(None, pa.string()), out)


def take_dict(values: pa.Array, index: np.ndarray) -> pa.Array:
    """``values[index]`` as a dictionary array (cheap to sort and copy)."""
    return pa.DictionaryArray.from_arrays(pa.array(index.astype(np.int32), mask=index < 0), values)


def take(values: Sequence[str] | pa.Array, index: np.ndarray) -> pa.Array:
    """``values[index]`` as strings; a negative index gives null."""
    dictionary = values if isinstance(values, pa.Array) else pa.array(list(values), pa.string())
    idx = pa.array(index.astype(np.int64), mask=index < 0)
    return dictionary.take(idx)


def join(*parts: pa.Array | str) -> pa.Array:
    """Concatenate string arrays and literals element-wise (null if any part is null)."""
    return pc.binary_join_element_wise(*parts, "")


def nullable_int(values: np.ndarray) -> pa.Array:
    """int64 array where 0 means absent (ASNs)."""
    v = values.astype(np.int64)
    return pa.array(v, mask=v == 0)


def timestamps(ts: np.ndarray, start_s: int = 0) -> pa.Array:
    """Epoch seconds as RFC 3339 UTC strings, via day and time-of-day dictionaries.

    ``start_s`` must be a UTC midnight at or before every value.

    Formatting each row with strftime costs ~1 µs; two dictionary takes and one join
    cost a tenth of that, which matters at ten million events.
    """
    ts = ts.astype(np.int64)
    day = (ts - start_s) // DAY_S
    first = int(day.min()) if len(day) else 0
    last = int(day.max()) if len(day) else 0
    day_starts = np.arange(first, last + 1, dtype=np.int64) * DAY_S + start_s
    dates = np.datetime_as_string(day_starts.astype("datetime64[s]"), unit="D")
    date_dict = pa.array([f"{d}T" for d in dates], pa.string())
    date_part = date_dict.take(pa.array(day - first))
    return join(date_part, _times_of_day().take(pa.array((ts - start_s) - day * DAY_S)))


@cache
def _times_of_day() -> pa.Array:
    """ "HH:MM:SSZ" for every second of a day (built on first use, then reused)."""
    secs = np.arange(DAY_S)
    h, m, s = secs // 3600, (secs // 60) % 60, secs % 60
    return pa.array([f"{a:02d}:{b:02d}:{c:02d}Z" for a, b, c in zip(h, m, s, strict=True)])


def raw_events(n: int, **columns: pa.Array | np.ndarray | str | None) -> pa.Table:
    """A :data:`RAW_EVENT_SCHEMA` table of ``n`` rows; a str fills a column, None is null."""
    arrays = []
    for fld in RAW_EVENT_SCHEMA:
        value = columns.pop(fld.name, None)
        if value is None:
            arrays.append(pa.nulls(n, fld.type))
        elif isinstance(value, str):
            plain = pa.array(np.full(n, value, dtype=object), pa.string())
            arrays.append(plain.dictionary_encode() if fld.name == "user_agent" else plain)
        elif isinstance(value, np.ndarray):
            mask = value < 0 if fld.name in ("actor", "target") else None
            arrays.append(pa.array(value.astype(np.int64), fld.type, mask=mask))
        elif fld.name == "user_agent" and not pa.types.is_dictionary(value.type):
            arrays.append(value.dictionary_encode().cast(fld.type))
        else:
            arrays.append(value.cast(fld.type))
    if columns:
        raise KeyError(f"unknown event columns {sorted(columns)}")
    return pa.Table.from_arrays(arrays, schema=RAW_EVENT_SCHEMA)


_SLOT = re.compile(r"\{(\w+)\}")


def fill_templates(
    templates: Sequence[str], choice: np.ndarray, slots: dict[str, pa.Array]
) -> pa.Array:
    """Render ``templates[choice[i]]`` with ``{name}`` slots taken row-wise from ``slots``.

    Rows are grouped by template so each group is one vectorised join; used for the
    scripted messages of recruiters, marketers and operations alike.
    """
    pieces: list[pa.Array] = []
    rows: list[np.ndarray] = []
    for t in np.unique(choice):
        idx = np.flatnonzero(choice == t)
        parts: list[pa.Array | str] = []
        pos = 0
        text = templates[int(t)]
        for m in _SLOT.finditer(text):
            parts.append(text[pos : m.start()])
            parts.append(slots[m.group(1)].take(pa.array(idx)))
            pos = m.end()
        parts.append(text[pos:])
        arrays = [p for p in parts if not isinstance(p, str)]
        if arrays:
            pieces.append(join(*parts))
        else:
            pieces.append(pa.array(np.full(len(idx), text, dtype=object), pa.string()))
        rows.append(idx)
    if not pieces:
        return pa.array([], pa.string())
    order = np.argsort(np.concatenate(rows), kind="stable")
    return pa.concat_arrays(pieces).take(pa.array(order))


class NetContext(TypedDict, total=False):
    """The network columns of one event, passed as ``**ctx`` to :meth:`EventLog.add`.

    A TypedDict rather than ``dict[str, object]`` so that mypy checks each value against
    the keyword it lands on (an ``asn`` given as text would be caught).
    """

    ip: str
    asn: int
    device_id: str
    user_agent: str


class EventExtra(TypedDict, total=False):
    """The content columns of one event, passed as ``**extra`` to :meth:`EventLog.add`."""

    text: str | None
    url: str | None


class EventLog:
    """Row-wise event accumulator for the small, hand-scripted parts (operations).

    Operations and hard negatives are thousands of rows, not millions, so a per-event
    Python call is fine there and keeps their scripts readable.
    """

    def __init__(self) -> None:
        self._cols: dict[str, list[object]] = {f.name: [] for f in RAW_EVENT_SCHEMA}

    def add(
        self,
        ts: int,
        type: str,
        actor: int | None,
        target: int | None = None,
        *,
        ip: str | None = None,
        asn: int | None = None,
        device_id: str | None = None,
        user_agent: str | None = None,
        text: str | None = None,
        url: str | None = None,
    ) -> None:
        """Append one event (accounts as population indices)."""
        row = {
            "ts": int(ts),
            "type": type,
            "actor": actor,
            "target": target,
            "ip": ip,
            "asn": asn,
            "device_id": device_id,
            "user_agent": user_agent,
            "text": text,
            "url": url,
        }
        for key, value in row.items():
            self._cols[key].append(value)

    def __len__(self) -> int:
        return len(self._cols["ts"])

    def rows(self) -> list[dict[str, object]]:
        """The events as dicts, in insertion order."""
        keys = list(self._cols)
        return [
            dict(zip(keys, vals, strict=True)) for vals in zip(*self._cols.values(), strict=True)
        ]

    def table(self) -> pa.Table:
        """The events as a :data:`RAW_EVENT_SCHEMA` table."""
        arrays = {
            k: pa.array(v, pa.string() if k == "user_agent" else RAW_EVENT_SCHEMA.field(k).type)
            for k, v in self._cols.items()
        }
        arrays["user_agent"] = arrays["user_agent"].dictionary_encode()
        return pa.table(arrays, schema=RAW_EVENT_SCHEMA)
