"""The SCHEMA.md input contract as data: tables, fields, types and per-type rules."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import pyarrow as pa


class FieldType(str, Enum):
    """Logical type of a contract field."""

    STRING = "string"
    TIMESTAMP = "timestamp"
    INTEGER = "integer"
    STRING_LIST = "list"


class EventType(str, Enum):
    """The ``events.type`` values of SCHEMA.md."""

    LOGIN = "login"
    VIEW_PROFILE = "view_profile"
    SEARCH = "search"
    FRIEND_REQUEST = "friend_request"
    FRIEND_ACCEPT = "friend_accept"
    MESSAGE = "message"
    POST = "post"
    SHARE_LINK = "share_link"
    REPORT = "report"
    BLOCK = "block"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of a contract table."""

    name: str
    type: FieldType = FieldType.STRING
    required: bool = False


@dataclass(frozen=True, slots=True)
class TableSpec:
    """One table of the export.

    Attributes:
        name: table (and file) name.
        fields: the contract's fields in order.
        key: field that must be unique, if any.
        optional_table: whether an export may leave the table out.
    """

    name: str
    fields: tuple[FieldSpec, ...]
    key: str | None = None
    optional_table: bool = False

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


_S, _T, _I, _L = FieldType.STRING, FieldType.TIMESTAMP, FieldType.INTEGER, FieldType.STRING_LIST

ACCOUNTS = TableSpec(
    "accounts",
    (
        FieldSpec("account_id", _S, True),
        FieldSpec("created_at", _T, True),
        FieldSpec("display_name"),
        FieldSpec("country"),
        FieldSpec("bio"),
        FieldSpec("employer"),
        FieldSpec("photo_hash"),
        FieldSpec("email_domain"),
        FieldSpec("phone_cc"),
        FieldSpec("tags", _L),
    ),
    key="account_id",
)

FRIENDSHIPS = TableSpec(
    "friendships",
    (FieldSpec("a", _S, True), FieldSpec("b", _S, True), FieldSpec("since", _T)),
    optional_table=True,
)

EVENTS = TableSpec(
    "events",
    (
        FieldSpec("event_id", _S, True),
        FieldSpec("ts", _T, True),
        FieldSpec("type", _S, True),
        FieldSpec("actor_id"),
        FieldSpec("target_id"),
        FieldSpec("ip"),
        FieldSpec("asn", _I),
        FieldSpec("device_id"),
        FieldSpec("user_agent"),
        FieldSpec("text"),
        FieldSpec("url"),
    ),
    key="event_id",
)

TABLES: dict[str, TableSpec] = {t.name: t for t in (ACCOUNTS, FRIENDSHIPS, EVENTS)}

# Which event types need an actor / a target (SCHEMA.md, events table).
ACTOR_REQUIRED = frozenset(
    t.value for t in EventType if t not in (EventType.VIEW_PROFILE, EventType.SEARCH)
)
TARGET_REQUIRED = frozenset(
    t.value
    for t in (
        EventType.VIEW_PROFILE,
        EventType.FRIEND_REQUEST,
        EventType.FRIEND_ACCEPT,
        EventType.MESSAGE,
        EventType.REPORT,
        EventType.BLOCK,
    )
)
TARGET_FORBIDDEN = frozenset(t.value for t in (EventType.LOGIN, EventType.SEARCH))


def arrow_schema(table: str, timestamp: pa.DataType | None = None) -> pa.Schema:
    """The Arrow schema of a contract table, fields in contract order.

    Args:
        table: ``accounts``, ``friendships`` or ``events``.
        timestamp: type of the timestamp fields; ``None`` = ``timestamp("us")``. Writers
            of exports that keep RFC 3339 text pass ``pa.string()``.
    """
    types = {
        FieldType.STRING: pa.string(),
        FieldType.TIMESTAMP: timestamp or pa.timestamp("us"),
        FieldType.INTEGER: pa.int64(),
        FieldType.STRING_LIST: pa.list_(pa.string()),
    }
    return pa.schema([(f.name, types[f.type]) for f in TABLES[table].fields])
