"""``simulate``: a whole platform export with ground truth, from one config.

Order of work: population, operations and hard negatives (which take accounts out of
benign life), then benign traffic day by day, merged with the scripted events and
written chunk by chunk so memory stays bounded at any size.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
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
    HardNegative,
    SimConfig,
    SimResult,
    TruthOperation,
)
from mercwatch.sim.crowds import CROWDS, MIN_USERS
from mercwatch.sim.domains import DomainForge
from mercwatch.sim.hardneg import agency, newsroom
from mercwatch.sim.network import AddressBook
from mercwatch.sim.operations import simulate_operations
from mercwatch.sim.personas import PersonaFactory
from mercwatch.sim.population import Population, build_population, drop_friendships
from mercwatch.sim.tables import account_ids, accounts_table, friendships_table
from mercwatch.sim.text import TextKit
from mercwatch.sim.vocab import Vocab, load_vocab
from mercwatch.sim.writer import SUFFIX, TableSink, write_table

# Independent random streams per purpose, so changing one part never shifts another.
_POP, _OPS, _DOMAINS, _HARD, _TABLES, _BAD, _CROWDS, _LURES = 1, 2, 3, 4, 5, 6, 7, 8
#: First sequence number of injected rows' ids (same shape as real ids, far from them).
_BAD_ID_BASE = 10**9


def _rng(config: SimConfig, purpose: int) -> np.random.Generator:
    return np.random.default_rng([config.seed, purpose])


@dataclass(frozen=True, slots=True)
class _Scripted:
    """Hand-scripted parts: operation and hard-negative events, and their truth."""

    events: pa.Table
    truths: list[TruthOperation]
    hard: list[HardNegative]


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


def _scripted(config: SimConfig, pop: Population, vocab: Vocab, book: AddressBook) -> _Scripted:
    """Operations and hard negatives; fake accounts lose their (benign) friendships."""
    factory = PersonaFactory(_rng(config, _OPS), pop, vocab, book)
    forge = DomainForge(_rng(config, _DOMAINS), vocab)
    op_events, truths = simulate_operations(
        _rng(config, _OPS), factory, forge, config.days, _rng(config, _LURES)
    )
    log = col.EventLog()
    hard_rng = _rng(config, _HARD)
    hard = [
        newsroom(hard_rng, factory, config.days, log),
        agency(hard_rng, factory, config.days, log),
    ]
    crowd_rng = _rng(config, _CROWDS)
    if config.users >= MIN_USERS:
        hard += [crowd(crowd_rng, factory, config.days, log) for crowd in CROWDS]
    drop_friendships(pop, [int(i) for i in np.flatnonzero(~pop.active)])
    scripted = pa.concat_tables([op_events, log.table()])
    ts = scripted.column("ts").to_numpy()
    scripted = scripted.filter(pa.array(ts < WINDOW_START_S + config.days * DAY_S))
    return _Scripted(scripted, truths, hard)


def _write_people(
    config: SimConfig, pop: Population, vocab: Vocab, ids: pa.Array, out: Path
) -> int:
    """Write ``accounts`` and ``friendships``; return the number of friendships."""
    fmt, suffix = config.format, SUFFIX[config.format]
    rng = _rng(config, _TABLES)
    write_table(out / f"accounts{suffix}", fmt, accounts_table(rng, pop, vocab))
    friendships = friendships_table(rng, pop, ids)
    write_table(out / f"friendships{suffix}", fmt, friendships)
    return friendships.num_rows


def _write_events(
    config: SimConfig,
    truths: list[TruthOperation],
    traffic: BenignTraffic,
    scripted: pa.Table,
    ids: pa.Array,
    out: Path,
    report: Progress,
) -> tuple[int, list[str], list[BadRow]]:
    """Generate and write events day-chunk by day-chunk; inject bad rows in the first."""
    fmt = config.format
    per_chunk = max(1, int(config.part_rows // max(traffic.per_day * 1.2, 1)))
    n_chunks = math.ceil(config.days / per_chunk)
    parts = fmt is ExportFormat.PARQUET and n_chunks > 1
    sts = scripted.column("ts").to_numpy()
    op_accounts = frozenset(a for t in truths for a in t.accounts)
    written, files, placed = 0, [], []
    sink: TableSink | None = None
    for c in range(n_chunks):
        days = range(c * per_chunk, min(config.days, (c + 1) * per_chunk))
        report("events", days.start, config.days)
        lo, hi = WINDOW_START_S + days.start * DAY_S, WINDOW_START_S + days.stop * DAY_S
        mine = scripted.filter(pa.array((sts >= lo) & (sts < hi)))
        chunk = _finalise(pa.concat_tables([traffic.day(d) for d in days] + [mine]), ids, written)
        if sink is None or parts:
            if sink is not None:
                sink.close()
            files.append(f"events/part-{c + 1:05d}.parquet" if parts else f"events{SUFFIX[fmt]}")
            sink = TableSink(out / files[-1], fmt, col.EVENT_SCHEMA)
        if c == 0 and config.bad_rows:
            bad = badrows.make_bad_rows(
                _rng(config, _BAD),
                config.bad_rows,
                fmt,
                chunk,
                next_id=_BAD_ID_BASE,
                operation_accounts=op_accounts,
            )
            placed = [
                BadRow(b.kind, files[-1], b.position, b.event_id, b.detail)
                for b in badrows.write_spliced(sink, chunk, bad, fmt)
            ]
        else:
            sink.write(chunk)
        written += chunk.num_rows
    if sink is not None:
        sink.close()
    return written, files, placed


def _write_truth(out: Path, config: SimConfig, scripted: _Scripted, placed: list[BadRow]) -> None:
    truth = {
        "schema_version": TRUTH_SCHEMA_VERSION,
        "config": config.to_dict(),
        "operations": [t.to_dict() for t in scripted.truths],
        "hard_negatives": [h.to_dict() for h in scripted.hard],
        "bad_rows": [b.to_dict() for b in placed],
    }
    text = json.dumps(truth, indent=2, ensure_ascii=False) + "\n"
    (out / "truth.json").write_text(text, "utf-8")


Progress = Callable[[str, int, int], None]


def _no_progress(step: str, done: int, total: int) -> None:
    """Progress nobody watches (the library's default)."""


def simulate(config: SimConfig, out: Path, progress: Progress | None = None) -> SimResult:
    """Write a SCHEMA.md platform export and ``truth.json`` into ``out``.

    Args:
        config: what to simulate; the same config always gives the same bytes.
        out: export folder (created; existing export files are overwritten).
        progress: told ``(step, done, total)`` as the work goes (``mercwatch
            simulate`` draws it as a bar); steps done count days of events.

    Returns:
        What was written, including the ground-truth operations.

    Raises:
        ConfigError: the config is invalid.
        InputError: ``out`` cannot be written.
    """
    report = progress or _no_progress
    report("population", 0, config.days)
    vocab = load_vocab()
    book = AddressBook(vocab)
    pop = build_population(_rng(config, _POP), config.users, vocab, book)
    scripted = _scripted(config, pop, vocab, book)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(str(out), f"cannot create export folder: {exc}") from exc
    ids = account_ids(pop)
    report("accounts and friendships", 0, config.days)
    n_friendships = _write_people(config, pop, vocab, ids, out)
    traffic = BenignTraffic(
        pop, TextKit(vocab, pop), book, config.seed, config.days, config.events_per_user
    )
    written, event_files, placed = _write_events(
        config, scripted.truths, traffic, scripted.events, ids, out, report
    )
    _write_truth(out, config, scripted, placed)
    suffix = SUFFIX[config.format]
    files = sorted([f"accounts{suffix}", f"friendships{suffix}", "truth.json", *event_files])
    return SimResult(
        out=out,
        files=tuple(files),
        accounts=pop.n,
        friendships=n_friendships,
        events=written,
        operations=tuple(scripted.truths),
        bad_rows=tuple(placed),
        hard_negatives=tuple(scripted.hard),
    )
