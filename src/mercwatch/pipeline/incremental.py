"""Ingest only the part files an export gained since the last run into the same OUT.

A table given as a folder of part files (``events/part-0001.jsonl`` ...) grows by new
parts. Validating every part again on each run costs time in proportion to the whole
history; here the validated rows of the parts already read are kept in
``OUT/.incremental`` (Parquet, one file per batch, plus a manifest naming each part by
path, size, mtime, inode and SHA-256), and only the new parts are validated.

What is incremental and what is not (docs/benchmarks.md measures both):

* validation and loading of a part-file table: only the new parts;
* tables given as one file (``accounts.jsonl``): read whole each run, as before;
* detectors, linking, enforcement decisions: recomputed over the whole window, because
  a detector's evidence spans days (the state store makes actions and warnings once).

The cache is used only when it provably describes the same files: same export folder,
same ingest limits, every recorded part unchanged (size, mtime in nanoseconds
and inode), and every new part sorting after the recorded ones (so "the first copy of
a duplicate key" is the same row a full run would keep). Anything else is a full ingest
that rebuilds the cache. A part that changes while it is read stops the run.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from ibis.backends import BaseBackend
from sqlalchemy import select

from mercwatch.errors import InputError
from mercwatch.ingest import IngestReport, ingest_export
from mercwatch.ingest.contract import TABLES
from mercwatch.ingest.discover import TableFiles, find_table
from mercwatch.ingest.limits import IngestLimits
from mercwatch.ingest.loader import REJECTS_TABLE, TableReport
from mercwatch.link.identity import KnownOperation
from mercwatch.store.engine import duckdb_connection
from mercwatch.store.state import StateStore
from mercwatch.store.state import operations as state_operations

CACHE_DIR = ".incremental"
MANIFEST = "manifest.json"
MANIFEST_VERSION = 1


@dataclass(frozen=True, slots=True)
class PartStamp:
    """How a part file looked when it was read; any change means "read it again"."""

    size: int
    mtime_ns: int
    inode: int

    @classmethod
    def of(cls, path: Path) -> PartStamp:
        # Not ctime: hard-linking the part into the batch folder changes it.
        st = path.stat()
        return cls(st.st_size, st.st_mtime_ns, st.st_ino)


@dataclass(slots=True)
class IncrementalIngest:
    """What the last ingest did: the report, and how much was read again."""

    report: IngestReport
    mode: str  # "full" or "incremental"
    new_parts: int
    cached_parts: int
    reason: str = ""
    # Stamps of the tables given as one file, taken before reading them: published in
    # the summary so ``watch`` knows what the outputs it sees were computed from.
    single_files: dict[str, dict[str, int]] = field(default_factory=dict)


def part_tables(export: Path) -> dict[str, TableFiles]:
    """The contract tables that ``export`` gives as folders of part files."""
    found = {}
    for spec in TABLES.values():
        files = find_table(export, spec.name)
        if files is not None and (export / spec.name).is_dir():
            found[spec.name] = files
    return found


def ingest_incremental(
    export: Path,
    out: Path,
    con: BaseBackend,
    limits: IngestLimits,
    *,
    full: bool = False,
    ready: Callable[[str], bool] | None = None,
) -> IncrementalIngest:
    """Load ``export`` into ``con`` as ``ingest_export`` would, reading only new parts.

    Args:
        ready: which part files (relative path) may be read now; ``None`` = all.
            ``watch`` leaves out parts still being written.

    Raises:
        InputError: as ``ingest_export``; also a part that changed while it was read.
    """
    export = Path(export)
    if not export.is_dir():
        raise InputError(str(export), "export folder not found")
    cache = out / CACHE_DIR
    singles = single_file_stamps(export)
    parts = part_tables(export)
    held_back = False
    if ready is not None:
        for table, files in parts.items():
            paths = tuple(p for p in files.paths if ready(_rel(p, export)))
            held_back |= paths != files.paths
            parts[table] = replace(files, paths=paths)
    if not parts:
        return IncrementalIngest(ingest_export(export, con, limits), "full", 0, 0, "no part files")
    stamps = {_rel(p, export): PartStamp.of(p) for f in parts.values() for p in f.paths}
    manifest = load_manifest(cache)
    reason = "--full" if full else _why_not(manifest, export, limits, parts, stamps)
    if reason:
        if held_back:  # read only the ready parts, through a batch folder
            report = _ingest_batch(export, cache, con, limits, parts, stamps)
        else:
            report = ingest_export(export, con, limits)
        _check_unchanged(export, stamps)
        _rebuild_cache(cache, con, export, limits, parts, stamps, report)
        return IncrementalIngest(report, "full", len(stamps), 0, reason, singles)
    assert manifest is not None
    cached = len(manifest["parts"])
    new = {name: stamp for name, stamp in stamps.items() if name not in manifest["parts"]}
    report = _ingest_batch(export, cache, con, limits, parts, new)
    _check_unchanged(export, new)
    report = _merge(con, cache, manifest, report, parts, limits)
    _save_batch(cache, con, manifest, export, parts, new, report)
    return IncrementalIngest(report, "incremental", len(new), cached, "", singles)


def _ingest_batch(
    export: Path,
    cache: Path,
    con: BaseBackend,
    limits: IngestLimits,
    parts: dict[str, TableFiles],
    new: dict[str, PartStamp],
) -> IngestReport:
    batch = cache / "batch"
    _stage_batch(export, batch, parts, new)
    try:
        return ingest_export(batch, con, limits)
    finally:
        shutil.rmtree(batch, ignore_errors=True)


# ---------------------------------------------------------------- eligibility


def _why_not(
    manifest: dict[str, Any] | None,
    export: Path,
    limits: IngestLimits,
    parts: dict[str, TableFiles],
    stamps: dict[str, PartStamp],
) -> str:
    """Why the cache cannot be used ("" when it can)."""
    if manifest is None:
        return "first run into this OUT"
    if manifest.get("version") != MANIFEST_VERSION:
        return "cache of another version"
    if manifest.get("export") != str(export.resolve()):
        return "another export folder"
    if manifest.get("limits") != _limits_key(limits):
        return "other ingest limits"
    if sorted(manifest.get("tables", {})) != sorted(parts):
        return "other tables given as part folders"
    known: dict[str, dict[str, Any]] = manifest["parts"]
    for name, seen in known.items():
        now = stamps.get(name)
        if now is None:
            return f"{name} is gone"
        if asdict(now) != {k: seen[k] for k in ("size", "mtime_ns", "inode")}:
            return f"{name} changed since it was read"
    for table, files in parts.items():
        if files.format.value != manifest["tables"][table]["format"]:
            return f"{table} changed format"
        names = [_rel(p, export) for p in files.paths]
        old = [n for n in names if n in known]
        new = [n for n in names if n not in known]
        if old and new and min(new) < max(old):
            return f"{min(new)} sorts before parts already read"
    return ""


def _limits_key(limits: IngestLimits) -> str:
    return repr(limits)


def _check_unchanged(export: Path, stamps: dict[str, PartStamp]) -> None:
    """Refuse a part that was written to while it was read (its rows are not known)."""
    for name, stamp in stamps.items():
        if PartStamp.of(export / name) != stamp:
            raise InputError(name, "changed while it was being read; run again")


# ---------------------------------------------------------------- batch ingest


def _stage_batch(
    export: Path, batch: Path, parts: dict[str, TableFiles], new: dict[str, PartStamp]
) -> None:
    """A folder holding the new parts and every table given as one file.

    Files are hard-linked (copied across file systems) under the same relative names,
    so rejects name the part as a full run would.
    """
    shutil.rmtree(batch, ignore_errors=True)
    batch.mkdir(parents=True)
    for entry in sorted(export.iterdir()):
        table = entry.name
        if table in parts:
            continue
        if entry.is_file() and not entry.is_symlink():
            _link(entry, batch / entry.name)
    for table in parts:
        mine = [n for n in new if n.split("/", 1)[0] == table]
        for name in mine:
            (batch / name).parent.mkdir(parents=True, exist_ok=True)
            _link(export / name, batch / name)
        if not mine:  # an empty stand-in keeps a required table present
            (batch / f"{table}.jsonl").write_bytes(b"")


def _link(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


# ---------------------------------------------------------------- merge with the cache


def _merge(
    con: BaseBackend,
    cache: Path,
    manifest: dict[str, Any],
    report: IngestReport,
    parts: dict[str, TableFiles],
    limits: IngestLimits,
) -> IngestReport:
    """Cached rows + this batch's rows, duplicates across batches judged as a full run.

    This batch's own rows and rejects are kept aside (``_mw_new_*``) for the cache.
    """
    raw = duckdb_connection(con)
    tables = []
    reasons: Counter[str] = Counter(dict(report.reject_reasons))
    for reason, count in manifest.get("reasons", {}).items():
        reasons[reason] += count
    for t in report.tables:
        if t.table not in parts:
            tables.append(t)
            continue
        spec = TABLES[t.table]
        prior = manifest["tables"][t.table]
        prev = _parquet_list(cache, prior["batches"])
        conflicts, exact = 0, 0
        raw.execute(f"CREATE OR REPLACE TEMP TABLE _mw_prev AS SELECT * FROM read_parquet({prev})")
        if spec.key:
            conflicts, exact = _drop_repeats(raw, t.table, spec.key, limits)
            if conflicts:
                reasons[f"{t.table}.{spec.key}: duplicate {spec.key}"] += conflicts
        else:  # friendships: an edge restated is a no-op, as in a full run
            before = _count(raw, t.table)
            raw.execute(
                f'DELETE FROM "{t.table}" n WHERE EXISTS (SELECT 1 FROM _mw_prev o WHERE '
                "least(o.a, o.b) = least(n.a, n.b) AND greatest(o.a, o.b) = greatest(n.a, n.b))"
            )
            exact = before - _count(raw, t.table)
        _snapshot(raw, t.table)
        raw.execute(
            f'CREATE OR REPLACE TABLE "{t.table}" AS SELECT * FROM _mw_prev '
            f'UNION ALL SELECT * FROM "{t.table}"'
        )
        raw.execute("DROP TABLE _mw_prev")
        if prior.get("rejects"):
            old = _parquet_list(cache, prior["rejects"])
            raw.execute(f"INSERT INTO {REJECTS_TABLE} SELECT * FROM read_parquet({old})")
        tables.append(
            TableReport(
                t.table,
                tuple(sorted(set(prior["files"]) | (set(t.files) - {f"{t.table}.jsonl"}))),
                prior["format"],
                prior["rows_read"] + t.rows_read,
                _count(raw, t.table),
                prior["rejected"] + t.rejected + conflicts,
                prior["duplicates"] + t.duplicates + exact,
                prior["blank_lines"] + t.blank_lines,
            )
        )
    return IngestReport(
        tuple(tables),
        tuple(sorted(reasons.items(), key=lambda item: (-item[1], item[0]))),
        report.seconds,
        rejects_kept=_count(raw, REJECTS_TABLE),
        bytes_read=report.bytes_read,
    )


def _snapshot(raw: Any, table: str) -> None:
    """Keep this batch's rows and rejects of ``table`` aside, for the cache."""
    raw.execute(f'CREATE OR REPLACE TEMP TABLE "_mw_new_{table}" AS SELECT * FROM "{table}"')
    raw.execute(
        f'CREATE OR REPLACE TEMP TABLE "_mw_new_rejects_{table}" AS '
        f'SELECT * FROM {REJECTS_TABLE} WHERE "table" = {_sql_str(table)}'
    )


def _parquet_list(cache: Path, names: list[str]) -> str:
    return "[" + ", ".join(_sql_str((cache / n).as_posix()) for n in names) + "]"


def _drop_repeats(raw: Any, table: str, key: str, limits: IngestLimits) -> tuple[int, int]:
    """Drop this batch's rows whose key an earlier batch already holds.

    The same row again is an exact duplicate (a no-op); a different row under the same
    key is rejected, as a full run rejects the later copy. Returns (conflicts, exact).
    """
    cols = [c[0] for c in raw.execute(f'SELECT * FROM "{table}" LIMIT 0').description]
    new_cols = ", ".join('n."' + c + '"' for c in cols)
    old_cols = ", ".join('p."' + c + '"' for c in cols)
    as_json = ", ".join("'" + c + "': n.\"" + c + '"' for c in cols)
    raw.execute(
        f'CREATE OR REPLACE TEMP TABLE _mw_rep AS SELECT n."{key}" AS k, '
        f"hash({new_cols}) = hash({old_cols}) AS exact, to_json({{{as_json}}})::VARCHAR AS row "
        f'FROM "{table}" n JOIN _mw_prev p ON n."{key}" = p."{key}"'
    )
    conflicts = raw.execute("SELECT count(*) FROM _mw_rep WHERE NOT exact").fetchall()[0][0]
    exact = raw.execute("SELECT count(*) FROM _mw_rep WHERE exact").fetchall()[0][0]
    room = max(0, limits.max_rejects_kept - _count(raw, REJECTS_TABLE))
    reason = f"'duplicate {key} ''' || k || ''' differs from a row read in an earlier run'"
    raw.execute(
        f"INSERT INTO {REJECTS_TABLE} SELECT {_sql_str(table)}, NULL, NULL, {_sql_str(key)}, "
        f"{reason}, row, true FROM _mw_rep WHERE NOT exact ORDER BY k LIMIT {room}"
    )
    raw.execute(f'DELETE FROM "{table}" WHERE "{key}" IN (SELECT k FROM _mw_rep)')
    raw.execute("DROP TABLE _mw_rep")
    return int(conflicts), int(exact)


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _count(raw: Any, table: str) -> int:
    return int(raw.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0][0])


# ---------------------------------------------------------------- the cache on disk


def load_manifest(cache: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((cache / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_manifest(cache: Path, manifest: dict[str, Any]) -> None:
    """Atomically: a crash leaves the old manifest, whose batches are all still there."""
    tmp = cache / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, cache / MANIFEST)


def _copy_out(raw: Any, sql: str, path: Path) -> None:
    raw.execute(f"COPY ({sql}) TO {_sql_str(path.as_posix())} (FORMAT PARQUET)")


def _next_batch(manifest: dict[str, Any] | None) -> int:
    return int(manifest.get("next_batch", 1)) if manifest else 1


def _rebuild_cache(
    cache: Path,
    con: BaseBackend,
    export: Path,
    limits: IngestLimits,
    parts: dict[str, TableFiles],
    stamps: dict[str, PartStamp],
    report: IngestReport,
) -> None:
    """After a full ingest: the part tables' rows and rejects become batch 1."""
    old = load_manifest(cache)
    shutil.rmtree(cache, ignore_errors=True)
    cache.mkdir(parents=True)
    manifest = {
        "version": MANIFEST_VERSION,
        "export": str(export.resolve()),
        "limits": _limits_key(limits),
        "next_batch": _next_batch(old),
        "parts": {},
        "tables": {},
        "reasons": {},
    }
    _save_batch(cache, con, manifest, export, parts, stamps, report, fresh=True)


def _save_batch(
    cache: Path,
    con: BaseBackend,
    manifest: dict[str, Any],
    export: Path,
    parts: dict[str, TableFiles],
    new: dict[str, PartStamp],
    report: IngestReport,
    *,
    fresh: bool = False,
) -> None:
    """Write this batch's new rows and rejects, then the manifest that names them."""
    raw = duckdb_connection(con)
    number = _next_batch(manifest)
    for table, files in parts.items():
        prior = manifest["tables"].get(table, {"batches": [], "rejects": []})
        rows, rejects = f"{table}-{number:06d}.parquet", f"{table}-rejects-{number:06d}.parquet"
        if fresh:
            _snapshot(raw, table)
        _copy_out(raw, f'SELECT * FROM "_mw_new_{table}"', cache / rows)
        _copy_out(raw, f'SELECT * FROM "_mw_new_rejects_{table}"', cache / rejects)
        raw.execute(f'DROP TABLE "_mw_new_{table}"')
        raw.execute(f'DROP TABLE "_mw_new_rejects_{table}"')
        t = report.table(table)
        manifest["tables"][table] = {
            "format": files.format.value,
            "batches": [*prior["batches"], rows],
            "rejects": [*prior["rejects"], rejects],
            "files": [_rel(p, export) for p in files.paths],
            "rows_read": t.rows_read,
            "rejected": t.rejected,
            "duplicates": t.duplicates,
            "blank_lines": t.blank_lines,
        }
    for name, stamp in new.items():
        manifest["parts"][name] = {**asdict(stamp), "sha256": _sha256(export / name)}
    manifest["reasons"] = {
        r: n for r, n in report.reject_reasons if r.split(".", 1)[0].split(":")[0] in parts
    }
    manifest["next_batch"] = number + 1
    _write_manifest(cache, manifest)


def _rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def single_file_stamps(export: Path) -> dict[str, dict[str, int]]:
    """Stamps of the tables given as one file (read whole each run): ``watch`` reruns
    when one of them changes, and only then, across restarts too."""
    found = {}
    for spec in TABLES.values():
        files = find_table(export, spec.name)
        if files is not None and not (export / spec.name).is_dir():
            for path in files.paths:
                found[_rel(path, export)] = asdict(PartStamp.of(path))
    return found


def known_operations(store: StateStore) -> list[KnownOperation]:
    """Every operation the state store has recorded (the ids to keep stable)."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(state_operations.c.payload)).all()
    return [KnownOperation.from_payload(row[0]) for row in rows]
