"""``simulate``: a whole platform export with ground truth, from one config.

Order of work: population, operations and hard negatives (which take accounts out of
benign life), then benign traffic day by day, merged with the scripted events and
written chunk by chunk so memory stays bounded at any size.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mercwatch.errors import InputError
from mercwatch.sim import badrows
from mercwatch.sim import columns as col
from mercwatch.sim.benign import BenignTraffic
from mercwatch.sim.config import (
    DAY_S,
    TRUTH_SCHEMA_VERSION,
    WINDOW_START_S,
    BadRow,
    ExportFormat,
    SimConfig,
    SimResult,
)
from mercwatch.sim.domains import DomainForge
from mercwatch.sim.hardneg import agency, newsroom
from mercwatch.sim.network import AddressBook
from mercwatch.sim.operations import simulate_operations
from mercwatch.sim.personas import PersonaFactory
from mercwatch.sim.population import Population, build_population, drop_friendships
from mercwatch.sim.tables import account_ids, accounts_table, friendships_table
from mercwatch.sim.text import TextKit
from mercwatch.sim.vocab import load_vocab
from mercwatch.sim.writer import SUFFIX, TableSink, write_table

# Independent random streams per purpose, so changing one part never shifts another.
_POP, _OPS, _DOMAINS, _HARD, _TABLES, _BAD = 1, 2, 3, 4, 5, 6


def _rng(config: SimConfig, purpose: int) -> np.random.Generator:
    return np.random.default_rng([config.seed, purpose])


def _finalise(raw: pa.Table, ids: pa.Array, first_id: int) -> pa.Table:
    """Sort by time and turn indices into exported ids and strings."""
    raw = raw.unify_dictionaries()
    order = np.argsort(raw.column("ts").to_numpy(), kind="stable")
    raw = raw.take(pa.array(order))
    seq = np.arange(first_id, first_id + raw.num_rows, dtype=np.int64)
    event_id = col.join("ev", pc.utf8_lpad(pc.cast(pa.array(seq), pa.string()), 10, "0"))
    return pa.Table.from_arrays(
        [
            event_id,
            col.timestamps(raw.column("ts").to_numpy(), WINDOW_START_S),
            raw.column("type"),
            ids.take(raw.column("actor")),
            ids.take(raw.column("target")),
            *(raw.column(c) for c in ("ip", "asn", "device_id")),
            raw.column("user_agent").cast(pa.string()),
            raw.column("text"),
            raw.column("url"),
        ],
        schema=col.EVENT_SCHEMA,
    )


class _EventsOut:
    """Routes finished chunks to one file or to numbered Parquet parts."""

    def __init__(self, out: Path, fmt: ExportFormat, parts: bool) -> None:
        self.out, self.fmt, self.parts = out, fmt, parts
        self.files: list[str] = []
        self.sink: TableSink | None = None

    def open_chunk(self, index: int) -> str:
        name = f"events/part-{index + 1:05d}.parquet" if self.parts else f"events{SUFFIX[self.fmt]}"
        if self.sink is None or self.parts:
            self.close()
            self.sink = TableSink(self.out / name, self.fmt, col.EVENT_SCHEMA)
            self.files.append(name)
        return name

    def close(self) -> None:
        if self.sink is not None:
            self.sink.close()
            self.sink = None


def _write_with_bad_rows(
    sink: TableSink, chunk: pa.Table, bad: list[badrows.BadRow], fmt: ExportFormat
) -> list[badrows.BadRow]:
    """Write ``chunk`` with the bad rows spliced in; return them with final positions."""
    placed, pieces, cursor = [], [], 0
    for k, b in enumerate(bad):
        pieces.append(chunk.slice(cursor, b.position - cursor))
        cursor = b.position
        if b.kind == "duplicate_event_id":
            row = chunk.slice(b.position - 1, 1).to_pylist()[0]
            b = badrows.BadRow(
                b.kind,
                b.position,
                str(row["event_id"]),
                row,
                badrows._serialise(row, fmt) if fmt is not ExportFormat.PARQUET else None,
                b.detail,
            )
        placed.append(badrows.BadRow(b.kind, b.position + k, b.event_id, b.row, b.line, b.detail))
        pieces.append(b)
    pieces.append(chunk.slice(cursor))
    if fmt is ExportFormat.PARQUET:
        tables = [p if isinstance(p, pa.Table) else badrows.to_table([p.row]) for p in pieces]
        sink.write(pa.concat_tables(tables))
    else:
        for p in pieces:
            if isinstance(p, pa.Table):
                sink.write(p)
            else:
                sink.write_line(p.line or "")
    return placed


def _scripted(config: SimConfig, pop: Population, vocab, book) -> tuple:  # noqa: ANN001
    """Operations and hard negatives: their events, truth, and fake accounts to unfriend."""
    factory = PersonaFactory(_rng(config, _OPS), pop, vocab, book)
    forge = DomainForge(_rng(config, _DOMAINS), vocab)
    op_events, truths = simulate_operations(_rng(config, _OPS), factory, forge, config.days)
    log = col.EventLog()
    hard_rng = _rng(config, _HARD)
    hard = [
        newsroom(hard_rng, factory, config.days, log),
        agency(hard_rng, factory, config.days, log),
    ]
    fakes = np.flatnonzero(~pop.active)
    drop_friendships(pop, [int(i) for i in fakes])
    scripted = pa.concat_tables([op_events, log.table()])
    ts = scripted.column("ts").to_numpy()
    scripted = scripted.filter(pa.array(ts < WINDOW_START_S + config.days * DAY_S))
    return scripted, truths, hard


def simulate(config: SimConfig, out: Path) -> SimResult:
    """Write a SCHEMA.md platform export and ``truth.json`` into ``out``.

    Args:
        config: what to simulate; the same config always gives the same bytes.
        out: export folder (created; existing export files are overwritten).

    Returns:
        What was written, including the ground-truth operations.

    Raises:
        ConfigError: the config is invalid.
        InputError: ``out`` cannot be written.
    """
    vocab = load_vocab()
    book = AddressBook(vocab)
    pop = build_population(_rng(config, _POP), config.users, vocab, book)
    scripted, truths, hard = _scripted(config, pop, vocab, book)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(str(out), f"cannot create export folder: {exc}") from exc
    fmt, suffix = config.format, SUFFIX[config.format]
    tables_rng = _rng(config, _TABLES)
    ids = account_ids(pop)
    write_table(out / f"accounts{suffix}", fmt, accounts_table(tables_rng, pop, vocab))
    friendships = friendships_table(tables_rng, pop, ids)
    write_table(out / f"friendships{suffix}", fmt, friendships)
    n_friendships = friendships.num_rows
    del friendships  # large at scale; events need the memory

    traffic = BenignTraffic(
        pop, TextKit(vocab, pop), book, config.seed, config.days, config.events_per_user
    )
    per_chunk = max(1, int(config.part_rows // max(traffic.per_day * 1.2, 1)))
    n_chunks = math.ceil(config.days / per_chunk)
    events = _EventsOut(out, fmt, parts=fmt is ExportFormat.PARQUET and n_chunks > 1)
    sts = scripted.column("ts").to_numpy()
    written, placed = 0, []
    for c in range(n_chunks):
        days = range(c * per_chunk, min(config.days, (c + 1) * per_chunk))
        lo, hi = WINDOW_START_S + days.start * DAY_S, WINDOW_START_S + days.stop * DAY_S
        mine = scripted.filter(pa.array((sts >= lo) & (sts < hi)))
        raw = pa.concat_tables([traffic.day(d) for d in days] + [mine])
        chunk = _finalise(raw, ids, written)
        name = events.open_chunk(c)
        assert events.sink is not None
        if c == 0 and config.bad_rows:
            bad = badrows.make_bad_rows(
                _rng(config, _BAD), config.bad_rows, fmt, chunk, next_id=10**9
            )
            placed = [
                BadRow(b.kind, name, b.position, b.event_id, b.detail)
                for b in _write_with_bad_rows(events.sink, chunk, bad, fmt)
            ]
        else:
            events.sink.write(chunk)
        written += chunk.num_rows
    events.close()
    truth = {
        "schema_version": TRUTH_SCHEMA_VERSION,
        "config": config.to_dict(),
        "operations": [t.to_dict() for t in truths],
        "hard_negatives": [h.to_dict() for h in hard],
        "bad_rows": [b.to_dict() for b in placed],
    }
    (out / "truth.json").write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n", "utf-8")
    files = sorted([f"accounts{suffix}", f"friendships{suffix}", "truth.json", *events.files])
    return SimResult(
        out=out,
        files=tuple(files),
        accounts=pop.n,
        friendships=n_friendships,
        events=written,
        operations=tuple(truths),
        bad_rows=tuple(placed),
        hard_negatives=tuple(hard),
    )
