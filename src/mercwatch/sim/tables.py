"""The ``accounts`` and ``friendships`` tables of the export, built from the population."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mercwatch.ingest.contract import arrow_schema
from mercwatch.model import AT_RISK_TAGS
from mercwatch.sim import columns as col
from mercwatch.sim.config import DAY_S, WINDOW_START_S
from mercwatch.sim.population import MARKETER, RECRUITER, Population
from mercwatch.sim.vocab import Vocab

# Exports keep timestamps as RFC 3339 text (SCHEMA.md), in contract field order.
ACCOUNT_SCHEMA = arrow_schema("accounts", timestamp=pa.string())
FRIENDSHIP_SCHEMA = arrow_schema("friendships", timestamp=pa.string())


def account_ids(pop: Population) -> pa.Array:
    """Exported ids of every account, in population order (``u`` + 10 digits)."""
    digits = pc.utf8_lpad(pc.cast(pa.array(pop.id_codes), pa.string()), 10, "0")
    return col.join("u", digits)


def created_strings(seconds: np.ndarray) -> pa.Array:
    """Epoch seconds spanning years as RFC 3339 strings."""
    return col.timestamps(seconds, 0)


def _maybe(rng: np.random.Generator, values: pa.Array, share: float) -> pa.Array:
    """Keep each value with probability ``share``; the rest become absent."""
    return pc.if_else(
        pa.array(rng.random(len(values)) < share), values, pa.scalar(None, values.type)
    )


def _employers(rng: np.random.Generator, pop: Population, vocab: Vocab) -> pa.Array:
    names = vocab.list("employers")
    company = (pop.id_codes % np.uint64(len(names))).astype(np.int64)
    office = pop.net.office
    idx = np.where((office >= 0) & (rng.random(pop.n) < 0.5), office % len(names), -1)
    base = col.take(names, idx)
    base = pc.if_else(
        pa.array(pop.role == RECRUITER),
        col.join("Talent partner at ", col.take(names, company)),
        base,
    )
    base = pc.if_else(
        pa.array(pop.role == MARKETER), col.join("Marketing at ", col.take(names, company)), base
    )
    outlets = [o["name"] for o in vocab.list("news_outlets")]
    journo = col.take(outlets, rng.integers(0, len(outlets), pop.n))
    return pc.if_else(pa.array((pop.role == 1) & (rng.random(pop.n) < 0.8)), journo, base)


def _bios(rng: np.random.Generator, pop: Population, vocab: Vocab) -> pa.Array:
    out = _maybe(
        rng, col.take(vocab.list("bios"), rng.integers(0, len(vocab.list("bios")), pop.n)), 0.3
    )
    for role, key in ((1, "journalist_bios"), (2, "activist_bios"), (3, "activist_bios")):
        texts = col.take(vocab.list(key), rng.integers(0, len(vocab.list(key)), pop.n))
        out = pc.if_else(pa.array(pop.role == role), texts, out)
    return out


def _tags(pop: Population) -> pa.Array:
    tagged = (pop.role >= 1) & (pop.role <= len(AT_RISK_TAGS))
    offsets = np.concatenate([[0], np.cumsum(tagged)]).astype(np.int32)
    values = col.take(AT_RISK_TAGS, pop.role[tagged].astype(np.int64) - 1)
    mask = pa.array(~tagged)
    return pa.ListArray.from_arrays(pa.array(offsets), values, mask=mask)


def _apply_overrides(table: pa.Table, pop: Population) -> pa.Table:
    for name, changes in sorted(pop.overrides.items()):
        rows = np.array(sorted(changes), dtype=np.int64)
        mask = np.zeros(pop.n, dtype=bool)
        mask[rows] = True
        i = table.schema.get_field_index(name)
        column = table.column(i).combine_chunks()
        values = pa.array([changes[int(r)] for r in rows], column.type)
        table = table.set_column(i, name, pc.replace_with_mask(column, pa.array(mask), values))
    return table


def accounts_table(rng: np.random.Generator, pop: Population, vocab: Vocab) -> pa.Table:
    """One row per account, optional fields absent as often as on a real platform."""
    countries = vocab.countries
    country_idx = pop.country.astype(np.int64)
    photo = col.hex16(pop.photo)
    emails = vocab.weighted("email_providers")[0]
    table = pa.Table.from_arrays(
        [
            account_ids(pop),
            created_strings(pop.created),
            _maybe(
                rng,
                col.join(
                    col.take(vocab.list("first_names"), pop.first.astype(np.int64)),
                    " ",
                    col.take(vocab.list("last_names"), pop.last.astype(np.int64)),
                ),
                0.92,
            ),
            _maybe(rng, col.take([c.code for c in countries], country_idx), 0.9),
            _bios(rng, pop, vocab),
            _employers(rng, pop, vocab),
            pc.if_else(pa.array(pop.photo != 0), photo, pa.scalar(None, pa.string())),
            _maybe(rng, col.take(emails, pop.email.astype(np.int64)), 0.85),
            _maybe(rng, col.take([c.calling_code for c in countries], country_idx), 0.7),
            _tags(pop),
        ],
        schema=ACCOUNT_SCHEMA,
    )
    return _apply_overrides(table, pop)


def friendships_table(rng: np.random.Generator, pop: Population, ids: pa.Array) -> pa.Table:
    """Connections made before the window, with when they were made."""
    a, b = pop.edges[:, 0], pop.edges[:, 1]
    newest = np.maximum(pop.created[a], pop.created[b])
    since = newest + (rng.random(len(a)) * (WINDOW_START_S - DAY_S - newest)).astype(np.int64)
    return pa.Table.from_arrays(
        [ids.take(pa.array(a)), ids.take(pa.array(b)), created_strings(since)],
        schema=FRIENDSHIP_SCHEMA,
    )
