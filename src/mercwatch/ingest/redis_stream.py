"""Land a Redis Stream of contract rows in an export folder, as part files ``watch`` reads.

Why land files instead of feeding rows straight into a run: the pipeline already knows
how to continue from new part files (pipeline/incremental.py) and how to survive a
kill -9 at any point (atomic publish, one record per action and warning in the state
store). A stream consumer that writes each batch as one part file per table reuses all
of that, and leaves on disk exactly what was read, for audit and reruns.

The stream's entries carry two fields (docs/streaming.md): ``table`` (``accounts``,
``friendships`` or ``events``) and ``record`` (one contract row as a JSON object).
The consumer reads through a consumer group, so several watchers can share a stream
and a restarted one gets back the entries it had read but not acknowledged.

Exactly-once landing across crashes, without a second store:

* a batch's rows go to ``TABLE/part-r<ms>-<seq>.jsonl`` named after the stream id of
  that table's last entry in the batch, written under a dot-name, flushed to disk and
  renamed (a part is there whole or not at all; dot-names are never read);
* entries are acknowledged (``XACK``) only after every file of their batch is in
  place, so a crash before that leaves them pending, and they are read again first;
* an entry is skipped (and acknowledged) when its id is at or below the newest id
  already landed for its table — ids only grow, and batches land in order, so this is
  exactly the set of entries a crashed batch had already written.

Entries that cannot become a row (no ``table`` field, an unknown table, a ``record``
that is not a JSON object, one longer than the ingest line limit) are never dropped
silently: each is appended to ``.stream/rejects.jsonl`` in the export (a dot-folder,
never read as data) with the stream id and the reason, logged, and acknowledged,
since reading it again cannot fix it. Row-level checks (fields, types, timestamps)
are ingest's, which names the part file and row in OUT's rejects as for any export.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from mercwatch.durable import fsync_path
from mercwatch.errors import ConfigError, InputError
from mercwatch.ingest.contract import TABLES
from mercwatch.ingest.limits import IngestLimits

log = logging.getLogger(__name__)

#: Names of the part files this module writes: the stream id, zero-padded so that
#: file names sort in stream order (ingest and ``watch`` read parts in name order).
_PART = re.compile(r"^part-r(\d{15})-(\d{6})\.jsonl$")
_REJECTS = Path(".stream") / "rejects.jsonl"

StreamId = tuple[int, int]


class StreamClient(Protocol):
    """The few Redis calls used here (redis-py's ``Redis`` has them; so does fakeredis)."""

    def xgroup_create(self, name: str, groupname: str, id: str, mkstream: bool) -> Any: ...

    def xreadgroup(
        self,
        groupname: str,
        consumername: str,
        streams: Mapping[str, str],
        count: int | None,
        block: int | None,
    ) -> Any: ...

    def xack(self, name: str, groupname: str, *ids: str) -> Any: ...

    def xinfo_groups(self, name: str) -> Any: ...


def parse_id(raw: str | bytes) -> StreamId:
    """``"1700000000000-3"`` -> ``(1700000000000, 3)``."""
    text = raw.decode() if isinstance(raw, bytes) else raw
    ms, _, seq = text.partition("-")
    return int(ms), int(seq or 0)


def part_name(last: StreamId) -> str:
    return f"part-r{last[0]:015d}-{last[1]:06d}.jsonl"


@dataclass(frozen=True, slots=True)
class Landed:
    """What one :meth:`StreamLander.pull` did."""

    read: int
    parts: tuple[str, ...]  # export-relative paths of the new part files
    skipped: int  # already landed by a batch cut short before its acknowledgement
    rejected: int
    backlog: int | None = None  # entries not yet delivered to the group (Redis >= 7)


@dataclass(slots=True)
class StreamLander:
    """Reads one stream through a consumer group and lands it under ``export``.

    Attributes:
        client: a Redis connection (``redis.Redis.from_url(url)``).
        export: the export folder ``watch`` reads; tables are folders of parts.
        stream, group, consumer: the stream key, consumer group and this consumer's name.
        batch_size: entries read per pull at most.
        limits: the ingest limits (a record longer than a line is refused here already).
    """

    client: StreamClient
    export: Path
    stream: str = "mercwatch:events"
    group: str = "mercwatch"
    consumer: str = "watch-1"
    batch_size: int = 10_000
    limits: IngestLimits = field(default_factory=IngestLimits)
    _pending_done: bool = False
    _group_ready: bool = False

    def pull(self, block_ms: int | None = None) -> Landed:
        """Read one batch (first what this consumer read but never acknowledged), land it.

        Args:
            block_ms: wait this long for new entries when none are waiting
                (``None``: do not wait).
        """
        self._check_export()
        self._ensure_group()
        # Entries this consumer was given before a crash come first ("0"); only when
        # none are left does it ask for new ones (">").
        entries = [] if self._pending_done else self._read("0", None)
        if not entries:
            self._pending_done = True
            entries = self._read(">", block_ms)
        if not entries:
            return Landed(0, (), 0, 0, self.backlog())
        landed = self._land(entries)
        return dataclasses.replace(landed, backlog=self.backlog())

    def backlog(self) -> int | None:
        """Entries in the stream not yet delivered to this group (the lag ``watch`` shows);
        ``None`` when the server does not say (Redis before 7.0)."""
        for info in self.client.xinfo_groups(self.stream) or ():
            named = {_text(k): v for k, v in info.items()}
            if _text(named.get("name", b"")) == self.group:
                lag = named.get("lag")
                return int(lag) if lag is not None else None
        return None

    def landed_upto(self) -> dict[str, StreamId]:
        """The newest stream id landed per table (from the part files' names)."""
        newest: dict[str, StreamId] = {}
        for table in TABLES:
            folder = self.export / table
            if not folder.is_dir():
                continue
            ids = [
                (int(m.group(1)), int(m.group(2)))
                for p in folder.iterdir()
                if (m := _PART.match(p.name))
            ]
            if ids:
                newest[table] = max(ids)
        return newest

    # -- internals -------------------------------------------------------------------

    def _check_export(self) -> None:
        if not self.export.is_dir():
            raise InputError(str(self.export), "export folder not found")
        for table in TABLES:
            singles = [
                p.name
                for p in self.export.iterdir()
                if p.name != table and p.name.split(".", 1)[0] == table and p.is_file()
            ]
            if singles:
                raise ConfigError(
                    f"{self.export}: table {table!r} is a single file ({singles[0]}); a stream "
                    f"lands part files in the folder {table}/ — move the file into that folder"
                )

    def _ensure_group(self) -> None:
        if self._group_ready:
            return
        try:
            # "0": a new group starts at the stream's beginning, so nothing written
            # before the first watch started is missed.
            self.client.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except Exception as exc:  # redis.ResponseError; the type depends on the client
            if "BUSYGROUP" not in str(exc):
                raise
        self._group_ready = True

    def _read(self, start: str, block_ms: int | None) -> list[tuple[str, dict[str, str]]]:
        reply = self.client.xreadgroup(
            self.group, self.consumer, {self.stream: start}, count=self.batch_size, block=block_ms
        )
        entries: list[tuple[str, dict[str, str]]] = []
        for _stream, items in reply or ():
            for raw_id, fields in items:
                if not fields:  # pending but deleted from the stream (XDEL / MAXLEN)
                    entries.append((_text(raw_id), {}))
                    continue
                entries.append((_text(raw_id), {_text(k): _text(v) for k, v in fields.items()}))
        return entries

    def _land(self, entries: list[tuple[str, dict[str, str]]]) -> Landed:
        done = self.landed_upto()
        rows: dict[str, list[str]] = {}
        last: dict[str, StreamId] = {}
        rejects: list[dict[str, str]] = []
        skipped = 0
        for raw_id, fields in entries:
            sid = parse_id(raw_id)
            row, table, reason = self._row(fields)
            if reason is not None:
                rejects.append({"stream_id": raw_id, "reason": reason, **_excerpt(fields)})
                continue
            assert table is not None and row is not None
            if table in done and sid <= done[table]:
                skipped += 1
                continue
            rows.setdefault(table, []).append(row)
            last[table] = sid
        parts = [self._write_part(table, lines, last[table]) for table, lines in rows.items()]
        if rejects:
            self._keep_rejects(rejects)
        self.client.xack(self.stream, self.group, *(raw_id for raw_id, _ in entries))
        return Landed(len(entries), tuple(sorted(parts)), skipped, len(rejects))

    def _row(self, fields: Mapping[str, str]) -> tuple[str | None, str | None, str | None]:
        """(one JSON line, table, None) or (None, None, why it cannot be a row)."""
        table = fields.get("table")
        if not fields:
            return None, None, "entry is gone from the stream (deleted before it was read)"
        if table is None:
            return None, None, "field 'table' missing"
        if table not in TABLES:
            return None, None, f"field 'table': unknown table {table!r} (one of {sorted(TABLES)})"
        text = fields.get("record")
        if text is None:
            return None, None, "field 'record' missing"
        if len(text.encode()) > self.limits.max_line_bytes:
            return None, None, f"field 'record': longer than {self.limits.max_line_bytes} bytes"
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            return None, None, f"field 'record': not JSON ({exc.msg} at char {exc.pos})"
        if not isinstance(value, dict):
            return None, None, "field 'record': not a JSON object"
        # Re-serialised: one line whatever whitespace the producer used.
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")), table, None

    def _write_part(self, table: str, lines: Iterable[str], last: StreamId) -> str:
        folder = self.export / table
        folder.mkdir(exist_ok=True)
        name = part_name(last)
        temp = folder / f".{name}"
        with temp.open("w", encoding="utf-8") as handle:
            for line in lines:
                handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, folder / name)
        fsync_path(folder)
        log.info("landed %s/%s", table, name)
        return f"{table}/{name}"

    def _keep_rejects(self, rejects: list[dict[str, str]]) -> None:
        path = self.export / _REJECTS
        path.parent.mkdir(exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            for reject in rejects:
                log.warning(
                    "stream %s entry %s rejected: %s",
                    self.stream,
                    reject["stream_id"],
                    reject["reason"],
                )
                handle.write(json.dumps(reject, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())


def _text(value: str | bytes) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _excerpt(fields: Mapping[str, str], chars: int = 1000) -> dict[str, str]:
    return {"excerpt": json.dumps(dict(fields), ensure_ascii=False)[:chars]}


def connect(url: str) -> StreamClient:
    """A Redis client for ``url`` (``redis://host:port/db``); needs the ``stream`` extra."""
    try:
        import redis
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ConfigError(
            "reading a Redis stream needs the redis package: pip install 'mercwatch[stream]'"
        ) from exc
    try:
        client = redis.Redis.from_url(url)
        client.ping()
    except (redis.RedisError, ValueError) as exc:
        raise ConfigError(f"cannot reach Redis at {_redact(url)}: {exc}") from exc
    return client  # type: ignore[return-value]  # redis-py's stubs type the calls loosely


def _redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return re.sub(r"//([^:/@]*):[^@]*@", r"//\1:***@", url)
